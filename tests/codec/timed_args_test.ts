import assert from "node:assert/strict";
import { concatArgs, encodeArgs } from "../../src/codec/args.ts";
import { ffconcatList } from "../../src/codec/wasm/segmented_encoder.ts";

const base = {
  input: "pipe:0",
  output: "out.mp4",
  width: 64,
  height: 48,
  fps: { num: 25, den: 1 },
  crf: 23,
  preset: "veryfast",
};

Deno.test("encodeArgs: constant rate reads raw frames at -framerate; timed reads Matroska", () => {
  const raw = encodeArgs(base);
  assert.deepEqual(raw.slice(raw.indexOf("-f"), raw.indexOf("-f") + 2), ["-f", "rawvideo"]);
  assert.ok(raw.includes("-framerate"));
  assert.ok(!raw.includes("-enc_time_base:v"), "the constant path is as before");
  const timed = encodeArgs({ ...base, timed: true, lastFrameDuration: 0.25, timescale: 90000 });
  const at = timed.indexOf("-f");
  assert.deepEqual(timed.slice(at, at + 2), ["-f", "matroska"]);
  assert.ok(!timed.includes("-framerate") && !timed.includes("-video_size"));
  const etb = timed.indexOf("-enc_time_base:v");
  assert.deepEqual(timed.slice(etb, etb + 2), ["-enc_time_base:v", "-1"]);
  const r = timed.indexOf("-r");
  assert.deepEqual(timed.slice(r, r + 2), ["-r", "1000000/250000"], "the last frame's duration");
  assert.ok(r > timed.indexOf("-i"), "-r is an output option (an input -r would retime)");
  const ts = timed.indexOf("-video_track_timescale");
  assert.equal(timed[ts + 1], "90000");
  const fps = timed.indexOf("-fps_mode");
  assert.equal(timed[fps + 1], "passthrough");
});

Deno.test("concatArgs: timed segments get every packet's duration set, times kept", () => {
  const plain = concatArgs({ list: "l.ffconcat", output: "o.mp4", timescale: 25 });
  assert.ok(!plain.includes("-bsf:v"));
  const timed = concatArgs({
    list: "l.ffconcat",
    output: "o.mp4",
    timescale: 90000,
    lastFrameDuration: 0.02,
  });
  const bsf = timed.indexOf("-bsf:v");
  assert.equal(timed[bsf + 1], "setts=pts=PTS:dts=DTS:duration=round(0.020000000/TB)");
});

Deno.test("ffconcatList: each timed segment lasts until the next one starts", () => {
  assert.equal(
    ffconcatList(["/a.mp4", "/b.mp4"]),
    "ffconcat version 1.0\nfile '/a.mp4'\nfile '/b.mp4'\n",
  );
  assert.equal(
    ffconcatList(["/a.mp4", "/b.mp4", "/c.mp4"], [0, 1_041_667, 3_000_000]),
    "ffconcat version 1.0\nfile '/a.mp4'\nduration 1.041667\nfile '/b.mp4'\nduration 1.958333\n" +
      "file '/c.mp4'\n",
  );
});
