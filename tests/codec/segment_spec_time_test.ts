import assert from "node:assert/strict";
import { checkChunkSpec, chunkSpec, frameTimeInInput } from "../../src/codec/segment/spec.ts";
import type { SegmentPlan } from "../../src/codec/segment/plan.ts";

const plan = (start: number, end: number): SegmentPlan => ({
  index: 1,
  start,
  end,
  from: start - 2,
  to: end + 1,
  drop: [],
  skip: 2,
  decoded: end - start + 3,
});

Deno.test("chunkSpec: a segment's frames keep their time in the whole input (constant rate)", () => {
  const spec = chunkSpec(plan(50, 75), { width: 64, height: 48, fps: { num: 25, den: 1 } });
  assert.equal(spec.startTime, 2);
  assert.equal(frameTimeInInput(spec, 0), 2);
  assert.equal(frameTimeInInput(spec, 10), 2.4);
  assert.equal(checkChunkSpec(JSON.parse(JSON.stringify(spec))).startTime, 2);
});

Deno.test("chunkSpec: a segment's frames keep their time in the whole input (variable rate)", () => {
  // Frames at 0, 0.1, 0.2, 0.4, 0.8, 0.9 s (ticks of 1/1000 s, the first at 500).
  const pts = Float64Array.from([500, 600, 700, 900, 1300, 1400]);
  const spec = chunkSpec(plan(3, 5), { width: 64, height: 48, fps: { num: 10, den: 1 } }, {
    pts,
    timeBase: { num: 1, den: 1000 },
    lastFrameDuration: 0.1,
  });
  assert.equal(spec.startTime, 0.4);
  assert.deepEqual(spec.times, [0, 0.4]);
  assert.equal(frameTimeInInput(spec, 1), 0.8);
});

Deno.test("checkChunkSpec refuses a bad startTime; an old spec without one starts at 0", () => {
  const spec = chunkSpec(plan(0, 10), { width: 64, height: 48, fps: { num: 25, den: 1 } });
  assert.throws(() => checkChunkSpec({ ...spec, startTime: -1 }), RangeError);
  assert.throws(() => checkChunkSpec({ ...spec, startTime: "1" }), RangeError);
  const { startTime: _, ...old } = spec;
  assert.equal(frameTimeInInput(checkChunkSpec(old), 5), 0.2);
});
