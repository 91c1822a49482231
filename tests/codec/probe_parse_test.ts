import assert from "node:assert/strict";
import { InvalidInputError } from "../../src/codec/errors.ts";
import { normalizeRotation, parseProbeOutput, parseRational } from "../../src/codec/probe_parse.ts";

const video = (extra: Record<string, unknown> = {}) => ({
  index: 0,
  codec_type: "video",
  codec_name: "h264",
  width: 1920,
  height: 1080,
  pix_fmt: "yuv420p",
  r_frame_rate: "30000/1001",
  avg_frame_rate: "30000/1001",
  start_time: "0.000000",
  duration: "10.010000",
  nb_frames: "300",
  ...extra,
});
const aac = { index: 1, codec_type: "audio", codec_name: "aac", sample_rate: "48000", channels: 2 };
const json = (streams: unknown[], format = "mov,mp4,m4a,3gp,3g2,mj2") =>
  JSON.stringify({ streams, format: { format_name: format, duration: "10.0", start_time: "0.0" } });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidInputError, String(e));
    return e.reason;
  }
  throw new Error("did not throw");
}

Deno.test("parseRational reduces and refuses 0/0", () => {
  assert.deepEqual(parseRational("60000/2002"), { num: 30000, den: 1001 });
  assert.deepEqual(parseRational("25"), { num: 25, den: 1 });
  assert.equal(parseRational("0/0"), undefined);
  assert.equal(parseRational(undefined), undefined);
});

Deno.test("normalizeRotation maps any angle to a quarter turn in 0..270", () => {
  assert.deepEqual([0, 90, -90, 180, -180, 270, 360, 450].map(normalizeRotation), [
    0,
    90,
    270,
    180,
    180,
    270,
    0,
    90,
  ]);
});

Deno.test("parseProbeOutput builds VideoInfo with audio", () => {
  const { info, frameCountSource } = parseProbeOutput(json([video(), aac]), "", "in.mp4");
  assert.deepEqual(info, {
    width: 1920,
    height: 1080,
    fps: { num: 30000, den: 1001 },
    frameCount: 300,
    duration: 10.01,
    rotation: 0,
    pixelFormat: "yuv420p",
    videoCodec: "h264",
    variableFrameRate: false,
    audio: [{ index: 1, codec: "aac", sampleRate: 48000, channels: 2 }],
  });
  assert.equal(frameCountSource, "container");
});

Deno.test("parseProbeOutput: the header vouches for a constant rate only when it can", () => {
  const rate = (extra: Record<string, unknown>, format?: string) =>
    parseProbeOutput(json([video(extra)], format), "", "x").headerRate;
  // An index's count, equal nominal and average rates, a duration of exactly that many frames.
  assert.equal(rate({}), "constant");
  // The average differs from the rate of the first frames: frames are unevenly spaced.
  assert.equal(rate({ avg_frame_rate: "405000/20039", r_frame_rate: "48/1" }), "unchecked");
  // Equal rates, but the duration is not the frame count at that rate.
  assert.equal(rate({ duration: "12.5" }), "unchecked");
  // No listed count (Matroska): the average is a guess from the first seconds.
  assert.equal(rate({ nb_frames: undefined }, "matroska,webm"), "unchecked");
  assert.equal(rate({ r_frame_rate: "0/0" }), "unchecked");
});

Deno.test("parseProbeOutput swaps the size for a 90° display matrix (ffprobe prints -90)", () => {
  const { info } = parseProbeOutput(
    json([video({ side_data_list: [{ side_data_type: "Display Matrix", rotation: -90 }] })]),
    "",
    "x",
  );
  assert.equal(info.rotation, 90);
  assert.equal(info.width, 1080);
  assert.equal(info.height, 1920);
  const tag = parseProbeOutput(json([video({ tags: { rotate: "180" } })]), "", "x").info;
  assert.equal(tag.rotation, 180);
  assert.equal(tag.width, 1920);
});

Deno.test("parseProbeOutput falls back to counted packets, then to an estimate", () => {
  const counted = parseProbeOutput(
    json([video({ nb_frames: undefined, nb_read_packets: "299" })]),
    "",
    "x",
  );
  assert.equal(counted.info.frameCount, 299);
  assert.equal(counted.frameCountSource, "counted");
  const estimated = parseProbeOutput(json([video({ nb_frames: undefined })]), "", "x");
  assert.equal(estimated.info.frameCount, 300);
  assert.equal(estimated.frameCountSource, "estimated");
});

Deno.test("parseProbeOutput refuses non-videos with a reason", () => {
  assert.equal(
    reason(() => parseProbeOutput("{}", "x: Invalid data found when processing input", "x")),
    "not-video",
  );
  assert.equal(reason(() => parseProbeOutput("{}", "[mov] moov atom not found", "x")), "truncated");
  assert.equal(reason(() => parseProbeOutput(json([aac]), "", "x")), "audio-only");
  assert.equal(
    reason(() => parseProbeOutput(json([video({ codec_name: "png" })], "png_pipe"), "", "x")),
    "image",
  );
  assert.equal(reason(() => parseProbeOutput(json([video({ width: 0 })]), "", "x")), "not-video");
  assert.equal(
    reason(() =>
      parseProbeOutput(json([video({ avg_frame_rate: "0/0", r_frame_rate: "0/0" })]), "", "x")
    ),
    "not-video",
  );
  // cover art is not a video stream
  assert.equal(
    reason(() =>
      parseProbeOutput(json([aac, video({ disposition: { attached_pic: 1 } })]), "", "x")
    ),
    "audio-only",
  );
});
