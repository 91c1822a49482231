/**
 * The workers panel in headless Chromium with a queue backend the preview has never heard of:
 * the page names it by what `queue.backend` says, lists its workers (live ones counted, each with
 * its own speed; offline ones apart), and says when it stops answering. (The embedded pool's
 * wording is checked by browser_test.ts.)
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
    const rows = () =>
      page.evaluate(
        `[...document.querySelectorAll("#workers li")].map((li) => [li.dataset.state, li.textContent])`,
      ) as Promise<[string, string][]>;
    // Each worker's speed: unknown ("–") at the preview's first reading, then measured.
    const first = await rows();
    assert.equal(first.length, 2);
    assert.match(first[0][1], /^lambda-1online · (–|0\.0) fps · 3 done · 1 busy$/);
    assert.match(first[1][1], /^lambda-2online · (–|0\.0) fps · 5 done · 0 busy$/);
    // lambda-1 finishes 20 frames a second; the page shows about that, lambda-2 shows 0.
    const t0 = performance.now();
    const ticker = setInterval(() => {
      workers[0] = { ...workers[0], processed: 3 + Math.floor((performance.now() - t0) / 50) };
    }, 50);
    try {
      const end = Date.now() + 10_000;
      let fps: number[] = [];
      while (Date.now() < end) {
        fps = (await page.evaluate(
          `[...document.querySelectorAll("#workers li")].map((li) => Number(li.dataset.fps))`,
        )) as number[];
        if (fps[0] >= 14 && fps[0] <= 26 && performance.now() - t0 > 3500) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(fps[0] >= 14 && fps[0] <= 26, `lambda-1 at about 20 fps: ${fps}`);
      assert.equal(fps[1], 0, "lambda-2 idle");
      assert.match((await rows())[0][1], /^lambda-1online · \d+\.\d fps · \d+ done · 1 busy$/);
    } finally {
      clearInterval(ticker);
    }
    // A worker whose heartbeat stopped: not counted, listed apart as offline.
    workers[1] = { ...workers[1], alive: false, lastSeenMs: 12_000 };
    await waitForText(page, "#queue-line", "1 sqs workers · 1 offline · 7 frames waiting");
    const after = await rows();
    assert.equal(after.length, 2);
    assert.deepEqual(after.map((r) => r[0]), ["online", "offline"]);
    assert.match(after[0][1], /^lambda-1online · [\d.]+ fps · \d+ done · 1 busy$/);
    assert.equal(after[1][1], "lambda-2offline · last seen 12 s ago · 5 done");
    down = true;
    await waitForText(page, "#queue-line", "sqs queue not answering");
    assert.equal(await page.evaluate(`document.querySelectorAll("#workers li").length`), 0);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await preview.close();
  }
});
