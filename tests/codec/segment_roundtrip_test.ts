/**
 * Segment mode's codec layer end to end on the awkward inputs: plan, cut by stream copy, process
 * every chunk (a per-frame invert as the filter), join with the input's audio. Each output must
 * have the input's frame count, every frame at the input's time (ffprobe), its audio within one
 * frame, and — encoded lossless — exactly the inverted input frames, in order (framemd5).
 */
import assert from "node:assert/strict";
import {
  audioPlanOf,
  checkFrameExact,
  chunkDuration,
  ChunkMismatchError,
  chunkSpec,
  chunkTiming,
  cutChunks,
  joinChunks,
  orderFrames,
  planAudio,
  planSegments,
  processChunk,
  readPacketIndex,
  readStreamListing,
  SegmentUnsupportedError,
  type StreamListing,
} from "../../src/codec/segment/mod.ts";
import type { Frame } from "../../src/codec/frame.ts";
import { probe } from "../../src/codec/probe.ts";
import {
  audioSeconds,
  frameMd5s,
  GOP_CASES,
  type GopVideoOptions,
  makeCopiedVideo,
  makeGopVideo,
  videoPtsTimes,
} from "../helpers/gop_video.ts";
import { makeVfrVideo } from "../helpers/vfr_video.ts";

/** The filter of the test: every byte inverted (what ffmpeg's `negate` does to yuv420p). */
function invert(frame: Frame): Promise<Uint8Array> {
  const out = new Uint8Array(frame.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - frame.data[i];
  return Promise.resolve(out);
}

/** Runs the whole segment path on `input` with segments of `target` frames; returns the output. */
async function segmentRun(
  input: string,
  target: number,
  crf: number,
  chunkBackend: "native" | "wasm" = "native",
): Promise<
  { output: string; segments: number; skipped: number; dir: string; listing: StreamListing }
> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-seg-test-" });
  try {
    return await segmentRunIn(dir, input, target, crf, chunkBackend);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

async function segmentRunIn(
  dir: string,
  input: string,
  target: number,
  crf: number,
  chunkBackend: "native" | "wasm",
): Promise<
  { output: string; segments: number; skipped: number; dir: string; listing: StreamListing }
> {
  const info = await probe(input, { backend: "native" });
  // As the server does: one listing of every stream gives the index, the audio plan and the
  // input side of the final check; the plan balances the last round over 3 workers.
  const listing = await readStreamListing(input, { backend: "native" });
  const index = listing.video;
  assert.deepEqual(index, await readPacketIndex(input, { backend: "native" }), "the same index");
  const order = orderFrames(index, input);
  assert.equal(order.frames, info.frameCount, "the packet index lists every frame");
  const plans = planSegments(order, target, input, { workers: 3 });
  const chunks = await cutChunks({ input, index, plans, dir, backend: "native" });
  const encoded = [];
  const timing = chunkTiming(info, index, order);
  for (const chunk of chunks) {
    const output = `${dir}/encoded-${chunk.plan.index}.mp4`;
    const spec = chunkSpec(chunk.plan, { ...info, crf, preset: "ultrafast" }, timing);
    const done = await processChunk({
      input: chunk.path,
      output,
      spec,
      filter: invert,
      parallel: 3,
      backend: chunkBackend,
    });
    assert.equal(done.frames, chunk.plan.end - chunk.plan.start);
    encoded.push({
      path: output,
      frames: done.frames,
      duration: chunkDuration(spec),
      headerHash: done.headerHash,
      level: done.level,
    });
  }
  const output = `${dir}/output.mp4`;
  await joinChunks({
    chunks: encoded,
    output,
    fps: info.fps,
    audioFrom: input,
    audioPlan: audioPlanOf(input, listing) ?? null,
    timescale: index.timeBase.num === 1 ? index.timeBase.den : undefined,
    backend: "native",
  });
  assert.deepEqual(audioPlanOf(input, listing), await planAudio(input, "native"), "the same plan");
  return {
    output,
    dir,
    listing,
    segments: plans.length,
    skipped: plans.reduce((n, p) => n + p.skip, 0),
  };
}

async function checkCase(
  options: GopVideoOptions | { path: string },
  target: number,
  expect: { minSegments: number; midGop?: boolean; chunkBackend?: "native" | "wasm" },
): Promise<void> {
  const input = "path" in options ? options.path : await makeGopVideo(options);
  const run = await segmentRun(input, target, 0, expect.chunkBackend);
  try {
    assert.ok(
      run.segments >= expect.minSegments,
      `${run.segments} segments, wanted at least ${expect.minSegments}`,
    );
    if (expect.midGop !== undefined) {
      assert.equal(run.skipped > 0, expect.midGop, `frames decoded and dropped: ${run.skipped}`);
    }
    const [inTimes, outTimes] = await Promise.all([
      videoPtsTimes(input),
      videoPtsTimes(run.output),
    ]);
    assert.equal(outTimes.length, inTimes.length, "frame count");
    assert.deepEqual(outTimes, inTimes, "every frame's time");
    const [want, got] = await Promise.all([frameMd5s(input, "negate"), frameMd5s(run.output)]);
    const size = "path" in options ? {} : options;
    if ((size.width ?? 160) % 2 === 0 && (size.height ?? 120) % 2 === 0) {
      const first = got.findIndex((md5, i) => md5 !== want[i]);
      assert.equal(first, -1, `frame ${first} differs from the inverted input frame`);
    }
    const info = await probe(input, { backend: "native" });
    const report = await checkFrameExact({
      input,
      output: run.output,
      fps: info.fps,
      backend: "native",
    });
    assert.deepEqual(report.problems, []);
    assert.ok(report.ok);
    // The server's way: the input's listing from the split, only the output read again.
    const known = await checkFrameExact({
      input,
      output: run.output,
      fps: info.fps,
      backend: "native",
      inputListing: run.listing,
    });
    assert.deepEqual(known, report);
    if ("path" in options || options.audio) {
      const [a, b] = await Promise.all([audioSeconds(input), audioSeconds(run.output)]);
      assert.ok(Math.abs(a - b) <= 1 / 30, `audio ${b} s, input ${a} s`);
    }
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
}

Deno.test("segments: a keyframe every second, chunks start on keyframes", async () => {
  await checkCase(GOP_CASES.keyframeEverySecond, 30, { minSegments: 2, midGop: false });
});

Deno.test("segments: one keyframe only, chunks decode from it and drop frames", async () => {
  await checkCase(GOP_CASES.oneKeyframe, 15, { minSegments: 4, midGop: true });
});

Deno.test("segments: long GOP, boundaries between keyframes", async () => {
  await checkCase(GOP_CASES.longGop, 20, { minSegments: 4, midGop: true });
});

Deno.test("segments: B-frames (x264 defaults)", async () => {
  await checkCase(GOP_CASES.bFrames, 20, { minSegments: 3 });
});

Deno.test("segments: open GOP, leading frames decoded after their keyframe", async () => {
  await checkCase(GOP_CASES.openGop, 20, { minSegments: 3, midGop: false });
});

Deno.test("segments: B-frames, cut between keyframes", async () => {
  await checkCase(GOP_CASES.bFrames, 9, { minSegments: 5, midGop: true });
});

Deno.test("segments: 318x178", async () => {
  await checkCase(GOP_CASES.oddSize, 20, { minSegments: 3 });
});

Deno.test("segments: 317x177 (odd, padded to even like the frame path)", async () => {
  await checkCase(GOP_CASES.oddWidthHeight, 20, { minSegments: 3 });
});

Deno.test("segments: audio joined once, in sync", async () => {
  await checkCase(GOP_CASES.withAudio, 30, { minSegments: 2 });
});

Deno.test("segments: variable frame rate, every frame keeps its time", async () => {
  const clip = await makeVfrVideo({ audio: true });
  await checkCase({ path: clip.path }, 12, { minSegments: 5 });
});

Deno.test("segments: an edit list that hides frames, or no timestamps, cannot be split", async () => {
  for (
    const [kind, why] of [["edit-list", /edit list/], ["raw-h264", /no presentation/]] as const
  ) {
    const input = await makeCopiedVideo(kind);
    const index = await readPacketIndex(input, { backend: "native" });
    assert.throws(
      () => orderFrames(index, input),
      (e) => e instanceof SegmentUnsupportedError && why.test(e.message),
    );
  }
});

Deno.test("segments: chunks processed with ffmpeg.wasm (a worker without native ffmpeg)", async () => {
  await checkCase(GOP_CASES.openGop, 20, { minSegments: 3, chunkBackend: "wasm" });
});

Deno.test("joinChunks: hashes that disagree are checked again; really different headers refused", async () => {
  const input = await makeGopVideo(GOP_CASES.keyframeEverySecond);
  const other = await makeGopVideo({ ...GOP_CASES.keyframeEverySecond, width: 128, height: 96 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-join-test-" });
  try {
    const encode = async (path: string, name: string) => {
      const info = await probe(path, { backend: "native" });
      const index = await readPacketIndex(path, { backend: "native" });
      const [plan] = planSegments(orderFrames(index), 30);
      const [chunk] = await cutChunks({
        input: path,
        index,
        plans: [plan],
        dir,
        backend: "native",
      });
      const output = `${dir}/${name}.mp4`;
      const spec = chunkSpec(plan, { ...info, preset: "ultrafast" });
      const done = await processChunk({ input: chunk.path, output, spec, backend: "native" });
      return { path: output, frames: done.frames, headerHash: done.headerHash };
    };
    const a = await encode(input, "a");
    const b = await encode(input, "b");
    const fps = { num: 30, den: 1 };
    // Hashed another way (as a wasm worker's chunk is): checked again here, and the same.
    await joinChunks({
      chunks: [a, { ...b, headerHash: "MD5:0123" }],
      output: `${dir}/joined.mp4`,
      fps,
      backend: "native",
    });
    assert.equal((await videoPtsTimes(`${dir}/joined.mp4`)).length, a.frames + b.frames);
    const small = await encode(other, "small");
    await assert.rejects(
      joinChunks({ chunks: [a, small], output: `${dir}/bad.mp4`, fps, backend: "native" }),
      (e) => e instanceof ChunkMismatchError && /2 different stream headers/.test(e.message),
    );
    await assert.rejects(Deno.stat(`${dir}/bad.mp4`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("processChunk: a chunk that decodes to other than its plan is refused, no output left", async () => {
  const input = await makeGopVideo(GOP_CASES.keyframeEverySecond);
  const dir = await Deno.makeTempDir({ prefix: "vframe-chunk-test-" });
  try {
    const info = await probe(input, { backend: "native" });
    const index = await readPacketIndex(input, { backend: "native" });
    const [plan] = planSegments(orderFrames(index), 30);
    const [chunk] = await cutChunks({ input, index, plans: [plan], dir, backend: "native" });
    const spec = chunkSpec(plan, { ...info, preset: "ultrafast" });
    const output = `${dir}/out.mp4`;
    await assert.rejects(
      processChunk({ input: chunk.path, output, spec: { ...spec, decoded: spec.decoded + 1 } }),
      (e) =>
        e instanceof ChunkMismatchError &&
        /decoded to 30 frames, its plan promised 31/.test(e.message),
    );
    await assert.rejects(
      processChunk({ input: chunk.path, output, spec: { ...spec, width: spec.width + 2 } }),
      (e) =>
        e instanceof ChunkMismatchError &&
        /decoded 160x120 frames, the job's are 162x120/.test(e.message),
    );
    const abort = new AbortController();
    const stopped = processChunk({
      input: chunk.path,
      output,
      spec,
      signal: abort.signal,
      filter: async (frame) => {
        abort.abort(new Error("stop here"));
        return await Promise.resolve(frame.data);
      },
    });
    await assert.rejects(stopped, /stop here/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "chunk-000000.mp4",
    ], "no output, no temporary file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segments: many chunks cut in several ffmpeg runs that seek (open GOP, B-frames)", async () => {
  // 4 chunks in the first run, the rest in a second run that seeks (MP4) before reading.
  await checkCase(GOP_CASES.openGop, 3, { minSegments: 12, midGop: true });
});

Deno.test("segments: a run that seeks cuts the same chunks as one that reads from the start", async () => {
  const input = await makeGopVideo(GOP_CASES.bFrames);
  const index = await readPacketIndex(input, { backend: "native" });
  assert.match(index.formatName ?? "", /mp4/);
  const plans = planSegments(orderFrames(index), 2).slice(4, 12); // all in the second run
  const dir = await Deno.makeTempDir({ prefix: "vframe-cut-test-" });
  try {
    const hashes = async (formatName: string | undefined, sub: string) => {
      await Deno.mkdir(`${dir}/${sub}`);
      const chunks = await cutChunks({
        input,
        index: { ...index, formatName },
        plans,
        dir: `${dir}/${sub}`,
        backend: "native",
      });
      return await Promise.all(chunks.map((c) => frameMd5s(c.path)));
    };
    const seeking = await hashes(index.formatName, "seek");
    const reading = await hashes(undefined, "read");
    assert.deepEqual(seeking, reading);
    assert.equal(seeking.length, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
