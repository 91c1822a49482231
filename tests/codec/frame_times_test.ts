import assert from "node:assert/strict";
import {
  constantRateError,
  frameTime,
  type FrameTimes,
  frameTimesArgs,
  isConstantRate,
  lastFrameDuration,
  parseFrameTimes,
  timescaleOf,
} from "../../src/codec/frame_times.ts";

const times = (seconds: number[], den = 90000, duration?: number): FrameTimes => ({
  pts: Float64Array.from(seconds),
  timeBase: { num: 1, den },
  duration,
});

Deno.test("frameTimesArgs: the first video stream's packet times, no decoding", () => {
  const args = frameTimesArgs("in.mp4");
  assert.deepEqual(args.slice(-1), ["in.mp4"]);
  assert.ok(args.includes("v:0"));
  assert.ok(args.includes("stream=time_base:packet=pts,flags"));
  assert.ok(!args.includes("-show_frames"), "no decoding");
});

Deno.test("parseFrameTimes: sorted to presentation order, relative to the first, discards left out", () => {
  const out = [
    "packet|1000|K_",
    "packet|4000|__",
    "packet|2000|__",
    "packet|3000|__",
    "packet|N/A|__",
    "packet|500|_D", // before the edit list's start: not shown
    "stream|1/1000",
    "",
  ].join("\n");
  const parsed = parseFrameTimes(out)!;
  assert.deepEqual([...parsed.pts], [0, 1, 2, 3]);
  assert.deepEqual(parsed.timeBase, { num: 1, den: 1000 });
});

Deno.test("parseFrameTimes: two packets at one time are put a tick apart; nothing usable is undefined", () => {
  const parsed = parseFrameTimes("stream|1/90000\npacket|0|K_\npacket|3000|__\npacket|3000|__\n")!;
  assert.deepEqual([...parsed.pts], [0, 3000 / 90000, 3001 / 90000]);
  assert.equal(parseFrameTimes("stream|1/90000\n"), undefined, "no packets");
  assert.equal(parseFrameTimes("packet|0|K_\n"), undefined, "no time base");
  assert.equal(parseFrameTimes(""), undefined);
});

Deno.test("isConstantRate: evenly spaced frames, and Matroska's 1 ms rounding, are constant", () => {
  const fps = { num: 30000, den: 1001 };
  const exact = times(Array.from({ length: 300 }, (_, i) => (i * 3003) / 90000));
  assert.ok(isConstantRate(exact, fps));
  assert.ok(constantRateError(exact, fps) < 1e-9);
  // Matroska stores whole milliseconds: each time up to 0.5 ms off the grid.
  const ms = times(Array.from({ length: 300 }, (_, i) => Math.round(i * 1001 / 30) / 1000), 1000);
  assert.ok(isConstantRate(ms, fps));
});

Deno.test("isConstantRate: pieces at different rates, or one late frame, are variable", () => {
  // 24 frames at 24 fps, 24 at 12, 24 at 48 (72 frames in 3.5 s; average 72 / 3.5 fps).
  const pts: number[] = [];
  for (let i = 0; i < 24; i++) pts.push(i / 24);
  for (let i = 0; i < 24; i++) pts.push(1 + i / 12);
  for (let i = 0; i < 24; i++) pts.push(3 + i / 48);
  const vfr = times(pts);
  const average = { num: 144, den: 7 };
  assert.equal(isConstantRate(vfr, average), false);
  // Timed at the average rate, frame 60 would be shown at 2.92 s instead of 3.25 s.
  assert.ok(constantRateError(vfr, average) > 0.3);
  // One frame 40 ms late in a 25 fps clip whose average rate is unchanged.
  const late = Array.from({ length: 50 }, (_, i) => i / 25);
  late[20] += 0.02;
  assert.equal(isConstantRate(times(late), { num: 25, den: 1 }), false);
  // A tick-sized wobble is not variable.
  late[20] = 20 / 25 + 1 / 90000;
  assert.ok(isConstantRate(times(late), { num: 25, den: 1 }));
});

Deno.test("frameTime: the listed time, then one frame at the rate after the last", () => {
  const t = times([0, 0.5, 0.6]);
  assert.equal(frameTime(t, 1, { num: 10, den: 1 }), 0.5);
  assert.ok(Math.abs(frameTime(t, 4, { num: 10, den: 1 }) - 0.8) < 1e-12);
});

Deno.test("lastFrameDuration: until the stream's end when plausible, else one frame", () => {
  const fps = { num: 25, den: 1 };
  assert.ok(Math.abs(lastFrameDuration(times([0, 1, 2], 90000, 2.1), fps) - 0.1) < 1e-12);
  assert.equal(lastFrameDuration(times([0, 1, 2]), fps), 0.04, "no duration known");
  assert.equal(lastFrameDuration(times([0, 1, 2], 90000, 2), fps), 0.04, "ends at the last");
  assert.equal(lastFrameDuration(times([0, 1, 2], 90000, 9), fps), 0.04, "audio-long");
});

Deno.test("timescaleOf: the time base's ticks when it is 1/N", () => {
  assert.equal(timescaleOf(times([0], 90000)), 90000);
  assert.equal(timescaleOf(times([0], 1000)), 1000);
  assert.equal(
    timescaleOf({ pts: Float64Array.of(0), timeBase: { num: 1001, den: 30000 } }),
    undefined,
  );
});
