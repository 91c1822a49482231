/**
 * Native codec threads: the encoder gets half the cores (at least 1) at the fastest x264 presets
 * and ffmpeg's own choice otherwise; the thread count reaches ffmpeg as an output option.
 */
import assert from "node:assert/strict";
import { encodeArgs } from "../../src/codec/args.ts";
import { DECODE_THREADS, encoderThreads } from "../../src/codec/native/threads.ts";

Deno.test("encoderThreads: half the cores at ultrafast and superfast, ffmpeg's choice otherwise", () => {
  assert.equal(encoderThreads("ultrafast", 2), 1);
  assert.equal(encoderThreads("superfast", 8), 4);
  assert.equal(encoderThreads("ultrafast", 1), 1);
  assert.equal(encoderThreads("ultrafast", 3), 1);
  for (const preset of ["veryfast", "faster", "fast", "medium", "slow", "veryslow"]) {
    assert.equal(encoderThreads(preset, 2), undefined, preset);
  }
  assert.ok(DECODE_THREADS >= 1);
});

Deno.test("encodeArgs: the encoder's threads are an output option, after the inputs", () => {
  const base = {
    input: "pipe:0",
    output: "out.mp4",
    width: 64,
    height: 48,
    fps: { num: 30, den: 1 },
    crf: 23,
  };
  const args = encodeArgs({ ...base, preset: "ultrafast", threads: 1 });
  const at = args.indexOf("-threads");
  assert.ok(at > args.lastIndexOf("-i"), args.join(" "));
  assert.equal(args[at + 1], "1");
  assert.ok(at < args.indexOf("out.mp4"));
  assert.equal(encodeArgs({ ...base, preset: "veryfast" }).indexOf("-threads"), -1);
});
