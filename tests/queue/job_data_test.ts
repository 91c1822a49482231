import assert from "node:assert/strict";
import { checkJobData } from "../../src/queue/bullmq/job_data.ts";
import { checkSegmentJobData } from "../../src/queue/bullmq/segment_job_data.ts";
import { QueueOptionError } from "../../src/queue/errors.ts";

const keys = { jobId: "j1", chain: "v1:invert", inKey: "i", outKey: "o", cancelKey: "c" };
const limits = { attempt: 1, timeoutMs: 1000, ttlMs: 60_000 };
const frame = { ...keys, ...limits, index: 0, width: 16, height: 16 };
const segment = {
  ...keys,
  ...limits,
  index: 0,
  start: 0,
  spec: { skip: 0, frames: 2, decoded: 2, width: 16, height: 16, fps: { num: 25, den: 1 } },
};

Deno.test("job data: frames and segments pass whole, and name the first bad field", () => {
  assert.equal(checkJobData(frame).index, 0);
  assert.equal(checkSegmentJobData(segment).start, 0);
  const fails = (fn: () => unknown, text: RegExp) =>
    assert.throws(fn, (e) => e instanceof QueueOptionError && text.test(e.message));
  fails(() => checkJobData(null), /^frame job data must be an object/);
  fails(() => checkJobData({ ...frame, jobId: "" }), /frame job data\.jobId must be a non-empty/);
  fails(
    () => checkJobData({ ...frame, width: 0 }),
    /frame job data\.width must be an integer >= 1/,
  );
  fails(() => checkJobData({ ...frame, index: -1 }), /data\.index must be an integer >= 0/);
  fails(() => checkSegmentJobData([]), /segment job data\.jobId/);
  fails(
    () => checkSegmentJobData({ ...segment, start: -1 }),
    /segment job data\.start must be an integer >= 0/,
  );
  fails(
    () => checkSegmentJobData({ ...segment, attempt: 0 }),
    /data\.attempt must be an integer >= 1/,
  );
  fails(() => checkSegmentJobData({ ...segment, spec: {} }), /segment job data\.spec/);
});
