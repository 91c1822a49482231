import assert from "node:assert/strict";
import { audioActionFor, decodeArgs, encodeArgs, probeArgs } from "../../src/codec/args.ts";
import { padToEven } from "../../src/codec/pad.ts";
import {
  checkDimensions,
  checkFrameCount,
  DEFAULT_LIMITS,
  resolveLimits,
} from "../../src/codec/limits.ts";
import { failureFromStderr, stderrTail } from "../../src/codec/failure.ts";
import { CodecError, InvalidInputError } from "../../src/codec/errors.ts";

function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

Deno.test("audioActionFor copies what MP4 holds and re-encodes the rest", () => {
  for (const c of ["aac", "mp3", "ac3", "eac3", "alac", "opus"]) {
    assert.equal(audioActionFor(c), "copy");
  }
  for (const c of ["pcm_s16le", "vorbis", "flac", "wmav2"]) assert.equal(audioActionFor(c), "aac");
});

Deno.test("decodeArgs asks for upright yuv420p y4m, one frame per decoded frame", () => {
  const args = decodeArgs({ input: "in.mp4", output: "pipe:1", unseekableInput: true });
  assert.equal(after(args, "-i"), "in.mp4");
  assert.equal(after(args, "-f"), "yuv4mpegpipe");
  assert.equal(after(args, "-pix_fmt"), "yuv420p");
  assert.equal(after(args, "-fps_mode"), "passthrough");
  assert.equal(after(args, "-seekable"), "0");
  assert.ok(args.indexOf("-seekable") < args.indexOf("-i"));
  assert.equal(args.at(-1), "pipe:1");
  assert.ok(!decodeArgs({ input: "a", output: "b" }).includes("-seekable"));
  assert.ok(probeArgs("x", { countPackets: true }).includes("-count_packets"));
});

Deno.test("encodeArgs: x264 yuv420p faststart MP4, audio mapped per stream with offset", () => {
  const args = encodeArgs({
    input: "pipe:0",
    output: "out.mp4",
    width: 162,
    height: 92,
    fps: { num: 30000, den: 1001 },
    crf: 20,
    preset: "ultrafast",
    audio: { input: "in.mkv", actions: ["copy", "aac"], videoOffset: 0.5 },
  });
  assert.equal(after(args, "-video_size"), "162x92");
  assert.equal(after(args, "-framerate"), "30000/1001");
  assert.equal(after(args, "-itsoffset"), "0.500000");
  assert.ok(args.indexOf("-itsoffset") < args.indexOf("pipe:0"));
  assert.equal(after(args, "-c:v"), "libx264");
  assert.equal(after(args, "-crf"), "20");
  assert.equal(after(args, "-preset"), "ultrafast");
  assert.equal(after(args, "-movflags"), "+faststart");
  assert.equal(after(args, "-c:a:0"), "copy");
  assert.equal(after(args, "-c:a:1"), "aac");
  assert.deepEqual(args.filter((a) => a.startsWith("1:a:")), ["1:a:0", "1:a:1"]);
  const silent = encodeArgs({
    input: "i",
    output: "o",
    width: 2,
    height: 2,
    fps: { num: 25, den: 1 },
    crf: 23,
    preset: "veryfast",
  });
  assert.ok(!silent.some((a) => a.startsWith("-c:a")));
  assert.ok(!silent.includes("-itsoffset"));
});

Deno.test("padToEven repeats the last luma column/row and keeps chroma", () => {
  // 3x3: Y 9 bytes, U 4, V 4
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20, 21, 22, 23]);
  const out = padToEven(data, 3, 3);
  assert.deepEqual([...out.subarray(0, 16)], [1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 7, 8, 9, 9]);
  assert.deepEqual([...out.subarray(16)], [10, 11, 12, 13, 20, 21, 22, 23]);
  const even = new Uint8Array(6);
  assert.equal(padToEven(even, 2, 2), even);
});

Deno.test("limits: defaults, validation, and errors that name the limit", () => {
  assert.deepEqual(resolveLimits(), { ...DEFAULT_LIMITS });
  assert.throws(() => resolveLimits({ maxFrames: 0 }), /maxFrames must be an integer >= 1, got 0/);
  const limits = resolveLimits({ maxDimension: 100, maxFrames: 10 });
  assert.throws(
    () => checkDimensions(160, 90, limits, "x.mp4"),
    (e: unknown) =>
      e instanceof InvalidInputError && e.reason === "too-large" &&
      /160x90.*100 px/.test(e.message),
  );
  checkDimensions(100, 100, limits, "x");
  assert.throws(() => checkFrameCount(11, limits, "x"), /limit of 10/);
});

Deno.test("failureFromStderr classifies input problems and keeps the tail", () => {
  const ctx = { backend: "native" as const, input: "in.mp4", action: "decode", exitCode: 1 };
  const moov = failureFromStderr("[mov] moov atom not found\nin.mp4: Invalid data", ctx);
  assert.ok(moov instanceof InvalidInputError && moov.reason === "truncated");
  const junk = failureFromStderr("in.mp4: Invalid data found when processing input", ctx);
  assert.ok(junk instanceof InvalidInputError && junk.reason === "not-video");
  const other = failureFromStderr("something odd happened", ctx);
  assert.ok(other instanceof CodecError && !(other instanceof InvalidInputError));
  assert.match(other.message, /exit code 1: something odd happened/);
  assert.equal(stderrTail("a\nAborted()\nb\n", 5), "a\nb");
});
