import assert from "node:assert/strict";
import { JobRegistry } from "../../src/server/registry.ts";
import { jobFps, jobLive, latestSample, summarizeJob } from "../../src/preview/summary.ts";
import { makeRegistry, makeResult, solidFrame, WHITE } from "./fixtures.ts";

const T0 = Date.parse("2026-11-01T10:00:00.000Z");

/** A running job with a hand-written series (the registry's own timing is not used). */
function jobAt(series: [number, number][], done: number, over = {}) {
  const registry = new JobRegistry();
  const record = registry.add(makeResult("j", { startedAt: new Date(T0).toISOString(), ...over }));
  record.series = series;
  record.done = done;
  return record;
}

Deno.test("jobFps: frames over the last 3 s of a running job, measured to now", () => {
  const job = jobAt([[1000, 10], [2000, 20], [3000, 30], [4000, 40]], 40);
  // At t=4 s the window starts at 1 s: (40 - 10) / 3 s.
  assert.equal(jobFps(job, T0 + 4000), 10);
  // Nothing finished for 2 more seconds: window [3 s, 6 s] → (40 − 30) / 3 s, 2 decimals.
  assert.equal(jobFps(job, T0 + 6000), 3.33);
  // Early in a job the base is the start (0 frames at 0 ms).
  const young = jobAt([[500, 5]], 8);
  assert.equal(jobFps(young, T0 + 1000), 8);
  assert.equal(jobFps(jobAt([], 0), T0 + 1000), 0, "no frames yet");
  assert.equal(jobFps(jobAt([], 0, { state: "queued" }), T0 + 1000), 0);
});

Deno.test("jobFps: a finished job reports its throughput, else frames over wall time", () => {
  assert.equal(jobFps(jobAt([], 48, { state: "done", throughputFps: 31.5 }), T0 + 99999), 31.5);
  const finishedAt = new Date(T0 + 4000).toISOString();
  assert.equal(jobFps(jobAt([], 48, { state: "failed", finishedAt }), T0 + 99999), 12);
});

Deno.test("summarizeJob: progress, ETA and output availability", () => {
  const job = jobAt([[1000, 12], [2000, 24]], 24);
  const s = summarizeJob(job, T0 + 2000);
  assert.equal(s.progress, 0.5);
  assert.equal(s.fps, 12);
  assert.equal(s.etaSeconds, 2, "24 frames left at 12 fps");
  assert.equal(s.hasOutput, false);
  assert.equal(s.fileName, "clip.mp4");
  const unknown = summarizeJob(
    jobAt([], 0, { frames: { total: 0, processed: 0, fallback: 0, retried: 0 } }),
  );
  assert.equal(unknown.progress, null);
  assert.equal(unknown.etaSeconds, null);
  const done = jobAt([], 48, { state: "done", finishedAt: new Date(T0 + 1).toISOString() });
  assert.equal(summarizeJob(done).hasOutput, false, "no outputPath yet");
  done.outputPath = "/tmp/x.mp4";
  const s2 = summarizeJob(done);
  assert.equal(s2.hasOutput, true);
  assert.equal(s2.etaSeconds, null, "no ETA once finished");
  assert.equal(s2.finishedAt, done.result.finishedAt);
});

Deno.test("jobLive: samples listed in order with their variants; latest falls back when evicted", () => {
  const registry = makeRegistry();
  const record = registry.get("job-1")!;
  const live = jobLive(record);
  assert.deepEqual(live.samples, [
    { index: 0, processed: true, fallback: false },
    { index: 2, processed: false, fallback: false },
  ]);
  assert.equal(live.latestSample, 0);
  assert.equal(live.timeline.length, 2);
  assert.equal(live.result, record.result);
  record.latestSample = 40; // evicted or never kept
  assert.equal(latestSample(record), 0);
  record.samples.clear();
  assert.equal(latestSample(record), null);
  registry.sample("job-1", {
    index: 6,
    width: 32,
    height: 24,
    original: solidFrame(32, 24, ...WHITE),
    processed: solidFrame(32, 24, ...WHITE),
    fallback: true,
  });
  assert.deepEqual(jobLive(record).samples, [{ index: 6, processed: true, fallback: true }]);
});
