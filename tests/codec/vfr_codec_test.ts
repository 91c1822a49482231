/**
 * Variable frame rate through the codec API, on both backends: the probe finds it (also where
 * the header's rates agree), the decoder gives each frame its own time, and the encoder shows each
 * frame at its time — given by the frames (`timing: "pts"`, the building block a segment encoder
 * reuses) or read from the input (`timesFrom`) — checked frame by frame with the native ffprobe.
 */
import assert from "node:assert/strict";
import { decodeFrames, type Frame, openEncoder, probe } from "../../src/codec/mod.ts";
import { frameSize } from "../../src/codec/frame.ts";
import type { CodecBackendName, EncodeOptions } from "../../src/codec/types.ts";
import { makeVfrVideo, probeTimes } from "../helpers/vfr_video.ts";
import { BACKENDS } from "./backends.ts";

/** Largest allowed distance between an output frame's time and its input's: 1 ms or a tick. */
function tolerance(tick: number): number {
  return Math.max(0.001, tick) + 1e-6;
}

function assertTimes(actual: number[], expected: number[], tick: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: frame count`);
  expected.forEach((t, i) => {
    assert.ok(
      Math.abs(actual[i] - t) <= tolerance(tick),
      `${label}: frame ${i} at ${actual[i]} s, expected ${t} s`,
    );
  });
}

async function collect(input: string, backend: CodecBackendName): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(input, { backend })) frames.push(frame);
  return frames;
}

/** A gray frame whose luma is `value`. */
function grayFrame(index: number, pts: number, width: number, height: number): Frame {
  const data = new Uint8Array(frameSize(width, height)).fill(128);
  data.fill((index * 7) % 200 + 20, 0, width * height);
  return { index, pts, width, height, data };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-vfr-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const backend of BACKENDS) {
  Deno.test(`[${backend}] probe finds a variable frame rate in MP4 and Matroska, not in a constant one`, async () => {
    const vfr = await makeVfrVideo();
    const mkv = await makeVfrVideo({ container: "mkv" });
    const even = await makeVfrVideo({ pieces: [{ frames: 30, fps: 30 }] });
    const info = await probe(vfr.path, { backend });
    assert.equal(info.variableFrameRate, true);
    assert.equal(info.frameCount, 72);
    const mkvInfo = await probe(mkv.path, { backend });
    assert.equal(mkvInfo.variableFrameRate, true);
    assert.equal(mkvInfo.frameCount, 72, "counted from the packet times");
    const evenInfo = await probe(even.path, { backend });
    assert.equal(evenInfo.variableFrameRate, false);
    assert.deepEqual(evenInfo.fps, { num: 30, den: 1 });
  });

  Deno.test(`[${backend}] probe: one late frame where the header's rates agree is found in the MP4 index`, async () => {
    // 200 frames at 25 fps, frame 150 shown 20 ms late: nominal and average rates are both 25.
    const times = Array.from({ length: 200 }, (_, i) => i / 25);
    times[150] += 0.02;
    const clip = await makeVfrVideo({ times, audio: false, width: 64, height: 48 });
    const info = await probe(clip.path, { backend });
    assert.deepEqual(info.fps, { num: 25, den: 1 });
    assert.equal(info.variableFrameRate, true);
  });

  Deno.test(`[${backend}] decodeFrames gives each frame of a variable-rate file its own time`, async () => {
    const clip = await makeVfrVideo();
    const frames = await collect(clip.path, backend);
    assertTimes(frames.map((f) => f.pts), clip.pts, 1 / 90000, "decoded");
    // Frame 60 is shown at 3.25 s; at the average rate it would be at 2.92 s.
    assert.ok(Math.abs(frames[60].pts - 3.25) < 1e-6, `frame 60 at ${frames[60].pts}`);
  });

  Deno.test(`[${backend}] decodeFrames with probe: false: the same frames, timed at index / fps`, async () => {
    const clip = await makeVfrVideo();
    const probed = await collect(clip.path, backend);
    const frames: Frame[] = [];
    for await (const f of decodeFrames(clip.path, { backend, probe: false })) frames.push(f);
    assert.equal(frames.length, probed.length);
    assert.deepEqual(frames[60].data, probed[60].data);
    // Not probed: the variable rate is not known, frame 60 is at 60 / fps (the header's rate).
    const fps = frames[1].pts;
    assert.ok(
      fps > 0 && Math.abs(frames[60].pts - 60 * fps) < 1e-9,
      `frame 60 at ${frames[60].pts}`,
    );
    assert.ok(Math.abs(frames[60].pts - 3.25) > 0.1, "not the probed time");
  });

  const encoders: [string, Partial<EncodeOptions>][] = backend === "wasm"
    ? [["one encoder", { workers: 1 }], ["segments", { workers: 2, segmentFrames: 4 }]]
    : [["", {}]];
  for (const [label, extra] of encoders) {
    Deno.test(`[${backend}] ${label ? label + ": " : ""}timing "pts" shows each frame at its own time`, async () => {
      // Gaps of 10 ms to 1.2 s, a sub-frame step, and a first frame not at 0 (times count from it).
      const times = [0.5, 0.51, 0.55, 0.9, 0.9004, 1.0, 2.2, 2.25, 2.3, 2.35, 2.4, 3.0, 3.1, 3.5];
      await withDir(async (dir) => {
        const output = `${dir}/timed.mp4`;
        const encoder = await openEncoder({
          output,
          width: 64,
          height: 48,
          fps: { num: 25, den: 1 },
          backend,
          timing: "pts",
          lastFrameDuration: 0.25,
          timescale: 10000,
          ...extra,
        });
        for (const [i, t] of times.entries()) await encoder.write(grayFrame(i, t, 64, 48));
        await encoder.close();
        const out = await probeTimes(output);
        assert.equal(out.videoTick, 1 / 10000, "the timescale asked for");
        assertTimes(out.videoPts, times.map((t) => t - times[0]), out.videoTick, "encoded");
        // The last frame lasts as asked: the file (its edit list) ends 0.25 s after it.
        const end = times[times.length - 1] - times[0] + 0.25;
        assert.ok(Math.abs(out.duration - end) < 0.002, `duration ${out.duration}`);
      });
    });
  }

  Deno.test(`[${backend}] timesFrom keeps a variable-rate input's times and its audio in sync`, async () => {
    const clip = await makeVfrVideo({ audio: true });
    await withDir(async (dir) => {
      const info = await probe(clip.path, { backend });
      const output = `${dir}/kept.mp4`;
      const encoder = await openEncoder({
        output,
        width: info.width,
        height: info.height,
        fps: info.fps,
        audioFrom: clip.path,
        timesFrom: clip.path,
        backend,
        segmentFrames: 10,
      });
      // Frames timed at the average rate (as a byte-stream decode gives them): timesFrom wins.
      for (const frame of await collect(clip.path, backend)) {
        await encoder.write({ ...frame, pts: frame.index * info.fps.den / info.fps.num });
      }
      await encoder.close();
      const input = await probeTimes(clip.path);
      const out = await probeTimes(output);
      assertTimes(out.videoPts, input.videoPts, input.videoTick, "output vs input");
      assert.equal(out.videoTick, input.videoTick, "the input's timescale");
      assert.ok(Math.abs(out.videoDuration - input.videoDuration) < 0.002, "video duration");
      assert.ok(out.audio && input.audio);
      assert.ok(Math.abs(out.audio.start - input.audio.start) < 0.001, "audio start");
      assert.ok(Math.abs(out.audio.duration - input.audio.duration) < 0.03, "audio duration");
      assert.ok(Math.abs(out.videoStart - input.videoStart) < 0.001, "video start");
    });
  });

  Deno.test(`[${backend}] timing "pts": a frame time that goes back is refused; abort leaves nothing`, async () => {
    await withDir(async (dir) => {
      const output = `${dir}/bad.mp4`;
      const encoder = await openEncoder({
        output,
        width: 64,
        height: 48,
        fps: { num: 25, den: 1 },
        backend,
        timing: "pts",
        workers: 1,
      });
      await encoder.write(grayFrame(0, 0, 64, 48));
      await encoder.write(grayFrame(1, 0.5, 64, 48));
      await assert.rejects(encoder.write(grayFrame(2, 0.4, 64, 48)), RangeError);
      await assert.rejects(encoder.write(grayFrame(2, NaN, 64, 48)), RangeError);
      await encoder.abort();
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no output, no temporary file");
    });
  });
}

Deno.test("openEncoder: timing options are checked before anything starts", async () => {
  const base = { output: "/tmp/never.mp4", width: 64, height: 48, fps: { num: 25, den: 1 } };
  await assert.rejects(
    openEncoder({ ...base, timing: "vfr" as unknown as "pts" }),
    /timing must be 'constant' or 'pts'/,
  );
  await assert.rejects(openEncoder({ ...base, lastFrameDuration: 0 }), RangeError);
  await assert.rejects(openEncoder({ ...base, timescale: 0.5 }), RangeError);
  await assert.rejects(openEncoder({ ...base, timesFrom: "" }), TypeError);
});
