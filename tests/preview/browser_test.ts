/**
 * End to end: a real vframe server (embedded pool, preview on an ephemeral port) runs a real job
 * sent by the real client over TCP, and headless Chromium watches it on the dashboard. Injected
 * faults (one flaky frame, one failing frame) put a retry and a fallback on the timeline.
 * Takes a screenshot of the finished dashboard: into the test's temporary folder, or, with
 * VFRAME_UPDATE_SCREENSHOT=1, over docs/preview.png (the README's picture), so a test run leaves the
 * checkout as it found it.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { assertProgressClimbed, driveDashboard } from "./dashboard_driver.ts";

const DOCS_SCREENSHOT = new URL("../../docs/preview.png", import.meta.url).pathname;
const UPDATE_DOCS = Deno.env.get("VFRAME_UPDATE_SCREENSHOT") === "1";

Deno.test("browser: the dashboard follows a real job from upload to playable output", async () => {
  const input = await makeSampleVideo({
    width: 320,
    height: 180,
    fps: "24",
    seconds: 2,
    audio: true,
  });
  const dir = await Deno.makeTempDir({ prefix: "vframe-browser-" });
  const screenshot = UPDATE_DOCS ? DOCS_SCREENSHOT : `${dir}/preview.png`;
  // Faults: frame 5 fails its first attempt (retry), frame 20 fails every attempt (fallback).
  // The rate limit stretches the job over ~2 s so the page sees it running.
  const queue = await EmbeddedQueue.create({
    threads: 2,
    policy: { attempts: 2, backoffMs: 10 },
    ratePerSecond: 24,
    fault: "flaky=5;fail=20",
  });
  const stack = await startServerStack({ host: "127.0.0.1", port: 0, preview: { port: 0 }, queue });
  const server = stack.server;
  const browser = await launchBrowser();
  let job: Promise<JobResult> | undefined;
  try {
    assert.ok(stack.previewUrl, "the server started its preview");
    const report = await driveDashboard({
      browser,
      url: stack.previewUrl,
      screenshot,
      startJob: () =>
        new Promise<string>((resolve, reject) => {
          job = runJob({
            input,
            filter: "sepia,eq=contrast=1.2",
            server: `127.0.0.1:${server.port}`,
            output: `${dir}/out.mp4`,
            onAccepted: resolve,
          });
          job.catch(reject);
        }),
    });
    const result = await job!;
    assert.equal(result.state, "done");
    assertProgressClimbed(report);
    assert.ok(report.retries >= 1, `a retry is marked on the timeline (${report.retries})`);
    assert.equal(report.fallbacks, 1, "the failing frame is marked as a fallback");
    assert.deepEqual(result.fallbackFrames.map((f) => f.index), [20]);
    assert.ok(report.chartPoints > 0, "the throughput line has points");
    assert.equal(report.workerBars, Object.keys(result.framesPerWorker).length);
    assert.ok(report.workerBars >= 1);
    assert.equal(report.connectedWorkers, 2, "the embedded pool's two threads are listed");
    assert.deepEqual(report.imageWidths, [320, 320]);
    assert.ok(
      Math.abs(report.videoDuration - result.input.duration) < 0.1,
      `video duration ${report.videoDuration} s ≈ input ${result.input.duration} s`,
    );
    assert.ok(report.outputStatuses.includes(206), `range requests: ${report.outputStatuses}`);
    assert.equal(report.canPlayH264, "probably", "Debian's Chromium plays H.264");
    const png = await Deno.stat(screenshot);
    assert.ok(png.size > 10_000, "screenshot written");
  } finally {
    await job?.catch(() => {});
    await browser.close();
    await stack.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});
