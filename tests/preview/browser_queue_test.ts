/**
 * The workers panel in headless Chromium with a queue backend the preview has never heard of:
 * the page names it by what `queue.backend` says, lists its workers (live ones counted, offline
 * ones apart), and says when it stops answering. (The embedded pool's wording is checked by browser_test.ts.)
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { WorkerInfo } from "../../src/queue/types.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { startPreview } from "../../src/preview/server.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { makeRegistry } from "./fixtures.ts";

/** Polls until `selector`'s text is `want` (page.waitForFunction is blocked by the page's CSP). */
async function waitForText(page: Page, selector: string, want: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let seen: string | null = null;
  while (Date.now() < deadline) {
    seen = await page.textContent(selector);
    if (seen === want) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${selector} shows '${seen}', expected '${want}'`);
}

Deno.test("browser: the workers panel names any queue backend by what the queue says", async () => {
  let down = false;
  const workers: WorkerInfo[] = [
    { id: "lambda-1", processed: 3, busy: 1, alive: true, lastSeenMs: 0 },
    { id: "lambda-2", processed: 5, busy: 0, alive: true, lastSeenMs: 0 },
  ];
  const queue = {
    backend: "sqs",
    depth: () => down ? Promise.reject(new Error("sqs is down")) : Promise.resolve(7),
    workers: () => down ? Promise.reject(new Error("sqs is down")) : Promise.resolve(workers),
  };
  const preview = await startPreview({
    registry: makeRegistry(),
    metrics: new VframeMetrics(),
    queue,
    port: 0,
    eventPeriodMs: 200,
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(preview.url, { waitUntil: "load" });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });
    await waitForText(page, "#queue-line", "2 sqs workers · 7 frames waiting");
    assert.deepEqual(
      await page.evaluate(
        `[...document.querySelectorAll("#workers li")].map((li) => li.textContent)`,
      ),
      ["lambda-13 done · 1 busy", "lambda-25 done · 0 busy"],
    );
    // A worker whose heartbeat stopped: not counted, listed apart as offline.
    workers[1] = { ...workers[1], alive: false, lastSeenMs: 12_000 };
    await waitForText(page, "#queue-line", "1 sqs workers · 1 offline · 7 frames waiting");
    assert.deepEqual(
      await page.evaluate(
        `[...document.querySelectorAll("#workers li")].map((li) => [li.dataset.state, li.textContent])`,
      ),
      [
        ["online", "lambda-13 done · 1 busy"],
        ["offline", "lambda-2offline · last seen 12 s ago · 5 done"],
      ],
    );
    down = true;
    await waitForText(page, "#queue-line", "sqs queue not answering");
    assert.equal(await page.evaluate(`document.querySelectorAll("#workers li").length`), 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await preview.close();
  }
});
