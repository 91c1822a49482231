/**
 * The dashboard in headless Chromium against a hand-fed registry: a real clip (native ffmpeg),
 * frames negated here, one retry and one fallback injected, so the page's timeline markers,
 * fallback caption and output video are checked without the rest of the pipeline.
 */
import assert from "node:assert/strict";
import { JobRegistry } from "../../src/server/registry.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { startPreview } from "../../src/preview/server.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { assertProgressClimbed, driveDashboard } from "./dashboard_driver.ts";
import { feedJob, makeClip } from "./feeder.ts";

Deno.test("browser: dashboard follows a hand-fed job with a retry and a fallback", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-browser-fed-" });
  const registry = new JobRegistry();
  const metrics = new VframeMetrics();
  const preview = await startPreview({ registry, metrics, port: 0 });
  const browser = await launchBrowser();
  let feeding: Promise<void> | undefined;
  try {
    const clip = await makeClip(dir, { width: 160, height: 120, fps: 24, seconds: 2 });
    assert.equal(clip.frames.length, 48);
    const report = await driveDashboard({
      browser,
      url: preview.url,
      queue: "none",
      // Set to look at the page: SHOT=/tmp/wide.png NARROW_SHOT=/tmp/narrow.png deno test ...
      screenshot: Deno.env.get("SHOT"),
      narrowScreenshot: Deno.env.get("NARROW_SHOT"),
      startJob: () => {
        feeding = feedJob(registry, clip, {
          id: "fed-1",
          frameDelayMs: 40,
          retry: [6, 30],
          fallback: [12],
          metrics,
          output: `${dir}/out.mp4`,
        });
        return Promise.resolve("fed-1");
      },
    });
    await feeding;
    assertProgressClimbed(report);
    assert.equal(report.retries, 2, "two retries on the timeline");
    assert.equal(report.fallbacks, 1, "one fallback on the timeline");
    assert.ok(report.chartPoints > 0, "the throughput line has points");
    assert.equal(report.workerBars, 2, "frames per worker: thread-0 and thread-1");
    assert.deepEqual(report.imageWidths, [160, 160]);
    assert.ok(Math.abs(report.videoDuration - 2) < 0.1, `duration ${report.videoDuration} ≈ 2 s`);
    assert.ok(report.outputStatuses.includes(206), `range requests used: ${report.outputStatuses}`);
  } finally {
    await feeding?.catch(() => {});
    await browser.close();
    await preview.close();
    await Deno.remove(dir, { recursive: true });
  }
});
