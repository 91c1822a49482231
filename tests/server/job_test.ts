/**
 * PipelineJob without sockets: a GrowingFile fed by the test, a scripted FrameQueue, the real
 * codec (ffmpeg.wasm). Streamed decoding during the upload, the server's own frame deadline,
 * cancellation freeing every permit, bad input failing cleanly.
 */
import assert from "node:assert/strict";
import { probe } from "../../src/codec/mod.ts";
import { GrowingFile } from "../../src/util/growing_file.ts";
import { PipelineJob, type PipelineJobOptions } from "../../src/server/job.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { Semaphore } from "../../src/util/semaphore.ts";
import type { FrameOutcome, FrameQueue, FrameTask } from "../../src/queue/types.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { decodeAll, meanAbsDiff, waitUntil } from "./support.ts";

type Behaviour = (task: FrameTask, signal?: AbortSignal) => Promise<FrameOutcome>;

/** A FrameQueue whose answers the test scripts. */
class ScriptedQueue implements FrameQueue {
  readonly backend = "embedded" as const;
  readonly cancelled: string[] = [];
  constructor(readonly behave: Behaviour) {}
  process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome> {
    return this.behave(task, signal);
  }
  cancelJob(jobId: string): Promise<void> {
    this.cancelled.push(jobId);
    return Promise.resolve();
  }
  workers() {
    return Promise.resolve([]);
  }
  depth() {
    return Promise.resolve(0);
  }
  close() {
    return Promise.resolve();
  }
}

const invert: Behaviour = (task) =>
  Promise.resolve({
    ok: true,
    index: task.index,
    data: task.data.map((v) => 255 - v),
    worker: "fake",
    attempts: 1,
    latencyMs: 1,
  });

async function setup(input: string, queue: FrameQueue, extra: Partial<PipelineJobOptions> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "vframe-job-" });
  const bytes = await Deno.readFile(input);
  const upload = await GrowingFile.create({
    path: `${dir}/input.mp4`,
    expectedBytes: bytes.length,
  });
  const registry = new JobRegistry();
  const perJob = new Semaphore(4);
  const total = new Semaphore(8);
  const job = new PipelineJob({
    jobId: "job-1",
    fileName: "input.mp4",
    upload,
    dir,
    filter: "invert",
    queue,
    registry,
    inFlight: [perJob, total],
    codec: "wasm",
    ...extra,
  });
  return { dir, bytes, upload, registry, perJob, total, job };
}

Deno.test("job: a faststart MP4 is decoded while the upload still arrives", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
  const s = await setup(input, new ScriptedQueue(invert));
  try {
    const running = s.job.run();
    const cut = Math.floor(s.bytes.length * 0.6);
    await s.upload.append(s.bytes.subarray(0, cut));
    await waitUntil(() => s.job.progress().framesDecoded > 0, 30_000, "frames decoded early");
    assert.equal(s.upload.finished, false, "decoding started before the upload ended");
    assert.equal(s.job.progress().stage, "upload");
    await s.upload.append(s.bytes.subarray(cut));
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.total, 60);
    assert.equal(result.input.frames, 60);
    assert.equal(result.input.audio, true);
    const [original, output] = await Promise.all([decodeAll(input), decodeAll(s.job.outputPath!)]);
    assert.equal(output.length, 60);
    for (let i = 0; i < 60; i++) {
      const expected = original[i].data.map((v) => 255 - v);
      assert.ok(meanAbsDiff(output[i].data, expected) < 4, `frame ${i}`);
    }
    assert.equal(s.perJob.available, 4);
    assert.equal(s.total.available, 8);
    assert.equal(s.registry.get("job-1")?.result.state, "done");
    assert.equal(s.registry.get("job-1")?.done, 60);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: an MP4 with moov at the end waits for the whole upload", async () => {
  const input = await makeSampleVideo({
    width: 160,
    height: 120,
    seconds: 1,
    audio: false,
    faststart: false,
  });
  const s = await setup(input, new ScriptedQueue(invert));
  try {
    const running = s.job.run();
    const cut = s.bytes.length - 100;
    await s.upload.append(s.bytes.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(s.job.progress().framesDecoded, 0);
    await s.upload.append(s.bytes.subarray(cut));
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.total, 30);
    assert.equal(result.input.audio, false);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: a frame the queue never answers falls back at the server's deadline", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const never: Behaviour = (task, signal) =>
    task.index === 3 ? new Promise(() => void signal) : invert(task, signal);
  const s = await setup(input, new ScriptedQueue(never), { frameDeadlineMs: 300 });
  try {
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "done", result.error);
    assert.deepEqual(result.fallbackFrames.map((f) => f.index), [3]);
    assert.match(result.fallbackFrames[0].reason, /frame deadline of 300 ms/);
    assert.equal(result.frames.processed, 29);
    assert.equal(result.frames.fallback, 1);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: a fatal outcome (no live worker in time) fails the job with its reason", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const reason = "no live worker for 0.2 s: start `deno task worker --redis redis://x`";
  const noWorker: Behaviour = (task) =>
    task.index < 5 ? invert(task) : Promise.resolve({
      ok: false,
      index: task.index,
      reason,
      attempts: 1,
      latencyMs: 200,
      fatal: true,
    });
  const queue = new ScriptedQueue(noWorker);
  const s = await setup(input, queue);
  try {
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "failed");
    assert.equal(result.error, reason);
    assert.equal(result.errorCode, "no-live-worker");
    assert.equal(result.frames.fallback, 0, "no frame fell back");
    assert.equal(s.job.outputPath, undefined);
    assert.deepEqual(queue.cancelled, ["job-1"], "the rest of the job is dropped");
    assert.equal(s.perJob.available, 4);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: a job whose every frame fell back fails, and warnings reach the result", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const failing: Behaviour = (task) =>
    Promise.resolve({
      ok: false,
      index: task.index,
      reason: "timeout after 10 ms",
      attempts: 3,
      latencyMs: 30,
    });
  const s = await setup(input, new ScriptedQueue(failing));
  try {
    s.job.warn("no live worker when the job was admitted");
    s.job.warn("no live worker when the job was admitted"); // said once
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "failed");
    assert.equal(
      result.error,
      "all 30 frames fell back to the original: none was filtered (frame 0: timeout after 10 ms)",
    );
    assert.equal(result.frames.fallback, 30);
    assert.equal(result.errorCode, "all-frames-fell-back");
    assert.equal(s.job.outputPath, undefined, "no output is offered");
    assert.deepEqual(result.warnings, ["no live worker when the job was admitted"]);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: cancelling frees every permit, cancels the queue's job, leaves no output", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  // Frames after the first four wait until they are aborted.
  const stuck: Behaviour = (task, signal) =>
    task.index < 4 ? invert(task, signal) : new Promise((resolve) => {
      signal?.addEventListener(
        "abort",
        () =>
          resolve({ ok: false, index: task.index, reason: "cancelled", attempts: 1, latencyMs: 0 }),
      );
    });
  const queue = new ScriptedQueue(stuck);
  const s = await setup(input, queue);
  try {
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    await waitUntil(() => s.perJob.available === 0, 30_000, "the job to fill its permits");
    s.job.cancel("test cancel");
    const result = await running;
    assert.equal(result.state, "cancelled");
    assert.match(result.error ?? "", /test cancel/);
    assert.equal(result.errorCode, "job-cancelled");
    assert.deepEqual(queue.cancelled, ["job-1"]);
    assert.equal(s.perJob.available, 4);
    assert.equal(s.total.available, 8);
    assert.equal(s.job.outputPath, undefined);
    const names = [...Deno.readDirSync(s.dir)].map((e) => e.name);
    assert.deepEqual(names, ["input.mp4"], "no partial output");
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: an upload that is not a video fails with the codec's message", async () => {
  const text = new TextEncoder().encode("definitely not a video\n".repeat(50));
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/t.mp4`, text);
  const s = await setup(`${dir}/t.mp4`, new ScriptedQueue(invert));
  try {
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "failed");
    assert.ok((result.error ?? "").length > 0);
    assert.equal(result.errorCode, "invalid-input", "the codec error's stable code");
    assert.equal(s.perJob.available, 4);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("job: a Matroska upload is decoded while it still arrives", async () => {
  const input = await makeSampleVideo({
    width: 160,
    height: 120,
    seconds: 2,
    audio: true,
    container: "mkv",
  });
  const s = await setup(input, new ScriptedQueue(invert));
  try {
    const running = s.job.run();
    const cut = Math.floor(s.bytes.length * 0.6);
    await s.upload.append(s.bytes.subarray(0, cut));
    await waitUntil(() => s.job.progress().framesDecoded > 0, 30_000, "frames decoded early");
    assert.equal(s.upload.finished, false);
    await s.upload.append(s.bytes.subarray(cut));
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.total, 60, "60 frames written to the encoder");
    // The video starts at pts 0.023 s in the MKV: the output must still have exactly 60 frames.
    assert.ok(s.job.outputPath);
    assert.equal((await probe(s.job.outputPath)).frameCount, 60, "output frame count");
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("job: a failed job's error names the client's file, never the server's work directory", async () => {
  const text = new TextEncoder().encode("definitely not a video\n".repeat(50));
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/t.mp4`, text);
  const s = await setup(`${dir}/t.mp4`, new ScriptedQueue(invert), { fileName: "holiday.mp4" });
  try {
    const running = s.job.run();
    await s.upload.append(s.bytes);
    s.upload.finish();
    const result = await running;
    assert.equal(result.state, "failed");
    const error = result.error ?? "";
    assert.match(error, /^holiday\.mp4: /, error);
    assert.ok(!error.includes(s.dir), `the work directory shows in: ${error}`);
    assert.ok(!error.includes(s.upload.path), error);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
