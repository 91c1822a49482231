/**
 * The dashboard in the middle of a job (issue #12): a real server (embedded pool held to 10
 * frames/s by its rate limit, so the job runs for several seconds; the server requires a token)
 * runs a job sent by the real client, and headless Chromium checks, while the job runs, that the
 * page shows latency > 0, a speed within 30 % of the one the client shows, frames done with the
 * sampled-frames grid filled, frames per worker, the pool's threads online with their own speed,
 * and the stage label the client shows. Then it clicks Cancel: the page asks for the server's
 * token (401), sends it, and the job ends `cancelled` on the server, on the page and for the
 * client, within a second or so.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import type { ProgressMessage } from "../../src/protocol/messages.ts";
import { stageLabel } from "../../src/protocol/stage_label.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { EXIT_CODES, exitCodeFor } from "../../src/util/errors.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { waitUntil } from "./dashboard_driver.ts";

const TOKEN = "browser-live-test-token-0123456789abcdef";
/** Frames per second the pool may start: the job's steady speed. */
const RATE = 10;

/** The detail panel's figures, by name (`latency p50/p95` → `12 ms / 30 ms`). */
async function stats(page: Page): Promise<Record<string, string>> {
  return (await page.evaluate(`Object.fromEntries([...document.querySelectorAll("#d-stats div")]
    .map((d) => [d.dataset.stat, d.querySelector("dd").textContent]))`)) as Record<string, string>;
}

/** Milliseconds in `12 ms` or `1.25 s`. */
function ms(text: string): number {
  const m = /^([\d.]+) (ms|s)$/.exec(text.trim());
  assert.ok(m, `a duration: '${text}'`);
  return Number(m[1]) * (m[2] === "s" ? 1000 : 1);
}

Deno.test("browser: mid-job figures match the client's, and Cancel stops the job", async (t) => {
  // 90 frames at 10 frames/s: about 9 s of filtering.
  const input = await makeSampleVideo({ width: 320, height: 180, fps: "15", seconds: 6 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-browser-live-" });
  const queue = await EmbeddedQueue.create({ threads: 2, ratePerSecond: RATE });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: { port: 0 },
    queue,
    auth: { mode: "token", token: TOKEN },
  });
  const server = stack.server;
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // The first cancel is answered 401 on purpose (the page then asks for the token).
    if (m.type() === "error" && !/status of 401/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  /** Progress messages the client received, with when. */
  const seen: { at: number; p: ProgressMessage }[] = [];
  let jobId = "";
  let job: Promise<unknown> | undefined;
  try {
    assert.ok(stack.previewUrl);
    await page.goto(stack.previewUrl, { waitUntil: "load" });
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 10_000 });
    const accepted = new Promise<string>((resolve, reject) => {
      job = runJob({
        input,
        filter: "sepia",
        server: `127.0.0.1:${server.port}`,
        output: `${dir}/out.mp4`,
        token: TOKEN,
        options: { progressIntervalMs: 250 },
        onAccepted: resolve,
        onProgress: (e) => {
          if (e.phase === "process") seen.push({ at: performance.now(), p: e.progress });
        },
      });
      job.catch(reject);
    });
    jobId = await accepted;

    await t.step("while it runs: latency, speed, frames, samples, workers, stage", async () => {
      // Past the first 3 s of filtering, so both speeds cover a full window.
      await waitUntil(
        page,
        `(() => { const d = document.getElementById("detail");
          return d.dataset.id === ${JSON.stringify(jobId)} && d.dataset.state === "running"
            && Number((document.querySelector('#d-stats [data-stat="frames"] dd') || {}).textContent
              ?.split(" / ")[0]) >= ${4 * RATE}; })()`,
        60_000,
      );
      const s = await stats(page);
      const clientNow = seen.at(-1)!;
      const record = server.registry.get(jobId)!;
      assert.equal(record.result.state, "running", "the job still runs while the page is read");
      assert.ok(record.done < 90, `mid-job (${record.done}/90)`);

      const [p50, p95] = s["latency p50/p95"].split(" / ").map(ms);
      assert.ok(p50 > 0 && p95 >= p50, `latency shown while running: ${s["latency p50/p95"]}`);

      const pageFps = Number(s.speed.replace(" fps", ""));
      const clientFps = clientNow.p.fps;
      console.log(
        `mid-job: page ${s.frames} frames, ${s.speed}, latency ${s["latency p50/p95"]}, ` +
          `stage '${s.stage}'; client ${clientFps} fps, '${stageLabel(clientNow.p)}'`,
      );
      assert.ok(pageFps > 0 && clientFps > 0, `speeds: page ${pageFps}, client ${clientFps}`);
      assert.ok(
        Math.abs(pageFps - clientFps) <= 0.3 * clientFps,
        `page speed ${pageFps} fps within 30 % of the client's ${clientFps} fps`,
      );
      // Both near the rate limit (the pool cannot go faster; the machine may go slower).
      assert.ok(clientFps <= RATE * 1.3, `client speed ${clientFps} ≤ ~${RATE}`);

      const done = Number(s.frames.split(" / ")[0]);
      assert.ok(done > 0, `frames done: ${s.frames}`);
      const samples = (await page.evaluate(
        `[...document.querySelectorAll("#d-samples li")].map((li) => li.dataset.state)`,
      )) as string[];
      assert.ok(samples.includes("filtered"), `sample grid: ${samples.join(", ")}`);
      assert.equal(await page.isHidden("#d-no-samples"), true);

      const perWorker = (await page.evaluate(
        `[...document.querySelectorAll("#d-workers li")].map((li) => li.dataset.worker)`,
      )) as string[];
      assert.ok(perWorker.length >= 1, "frames per worker shown while running");
      assert.equal(await page.isHidden("#d-no-workers"), true, "no 'No frames finished yet'");
      for (const w of perWorker) assert.ok(w in record.result.framesPerWorker, w);

      // The pool's two threads, online, each with its own speed (filled from the second reading).
      await waitUntil(
        page,
        `[...document.querySelectorAll('#workers li[data-state="online"]')]
          .some((li) => Number(li.dataset.fps) > 0)`,
        10_000,
      );
      const online = (await page.evaluate(
        `[...document.querySelectorAll('#workers li[data-state="online"]')]
          .map((li) => [li.dataset.worker, li.textContent])`,
      )) as [string, string][];
      assert.equal(online.length, 2, JSON.stringify(online));
      for (const [, text] of online) assert.match(text, /online · [\d.]+ fps · \d+ done/);

      // The same words on both sides: what the client shows for its latest progress message,
      // and what the page shows (a moment apart, so compare the step, not the count).
      const clientLabel = stageLabel(clientNow.p);
      assert.match(clientLabel, /^filtering \d+\/90$/);
      assert.match(s.stage, /^filtering \d+\/90$/);
      const meta = await page.textContent(`#jobs li[data-id="${jobId}"] .job-meta`);
      assert.match(meta ?? "", /filtering \d+\/90/);
    });

    await t.step("Cancel: asks for the token, then the job stops everywhere", async () => {
      await page.click("#d-cancel");
      await page.waitForSelector("#cancel-form:not([hidden])");
      // No token kept yet: the server answers 401 and the page asks for it.
      await page.click("#cancel-confirm");
      await page.waitForSelector('#cancel-msg[data-state="token"]', { timeout: 5_000 });
      assert.equal(await page.isVisible("#cancel-token"), true);
      assert.equal(server.registry.get(jobId)!.result.state, "running", "not cancelled by a 401");
      await page.fill("#cancel-token", TOKEN);
      const clicked = performance.now();
      await page.click("#cancel-confirm");
      await page.waitForSelector('#cancel-msg[data-state="sent"]', { timeout: 5_000 });
      await waitUntil(
        page,
        `document.getElementById("detail").dataset.state === "cancelled"`,
        5_000,
      );
      const pageMs = performance.now() - clicked;
      const result = server.registry.get(jobId)!.result;
      assert.equal(result.state, "cancelled");
      assert.match(result.error ?? "", /cancelled through the preview/);
      const error = await job!.then(() => undefined, (e) => e);
      const clientMs = performance.now() - clicked;
      assert.ok(error instanceof Error, "the client's job rejects");
      assert.equal(exitCodeFor(error), EXIT_CODES["job-cancelled"], String(error));
      assert.match(error.message, /cancelled: cancelled through the preview/);
      console.log(
        `cancelled: page shows it after ${Math.round(pageMs)} ms, client after ${
          Math.round(clientMs)
        } ms`,
      );
      assert.ok(clientMs < 3_000, `the client heard of it quickly (${Math.round(clientMs)} ms)`);
      assert.equal(await page.isHidden("#d-cancel"), true, "no Cancel button on a cancelled job");
      assert.equal(
        await page.evaluate(`sessionStorage.getItem("vframe-preview-token")`),
        TOKEN,
        "the tab keeps the token it was given",
      );
      // Nothing of the job is left running: the pool's threads idle, nothing queued.
      const workers = await queue.workers();
      assert.deepEqual(workers.map((w) => w.busy), [0, 0]);
      assert.equal(await queue.depth(), 0);
      // The page never contained the token.
      const html = await (await fetch(stack.previewUrl!)).text();
      const script = await (await fetch(new URL("/assets/app.js", stack.previewUrl!))).text();
      assert.ok(!html.includes(TOKEN) && !script.includes(TOKEN));
      assert.deepEqual(problems, []);
    });
  } finally {
    await job?.catch(() => {});
    await page.close();
    await context.close();
    await browser.close();
    await stack.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});
