/**
 * Segments on the embedded backend (in process, on a FilterPool): a segment comes back encoded
 * with the right frames and frame-level progress; a hanging segment ends at its own time limit and
 * is retried; a segment of a cancelled job ends `cancelled`; the per-segment limits and the task
 * checks hold.
 */
import assert from "node:assert/strict";
import { FilterPool } from "../../src/filters/pool.ts";
import { EmbeddedSegmentQueue } from "../../src/queue/segment_embedded.ts";
import { QueueOptionError } from "../../src/queue/errors.ts";
import { resolveUnit } from "../../src/queue/segment_queues.ts";
import { segmentLimits } from "../../src/queue/segment_task.ts";
import { encodedFrames, segmentTasks } from "./segment_tasks.ts";

Deno.test("embedded segments: encoded, progress, time limit and retry, cancel", async () => {
  const pool = await FilterPool.create({ size: 2 });
  const queue = await EmbeddedSegmentQueue.create({
    pool,
    policy: { attempts: 2, backoffMs: 10 },
    fault: "hang=12;flaky=45",
  });
  try {
    const [, hanging, , , flaky, task5] = await segmentTasks("job-emb");
    const progress: number[] = [];
    const o = await queue.process({ ...task5, onProgress: (n) => progress.push(n) });
    assert.ok(o.ok, !o.ok ? o.reason : "");
    assert.equal(o.frames, task5.spec.frames);
    assert.equal(await encodedFrames(o.data), task5.spec.frames);
    assert.deepEqual(progress, Array.from({ length: task5.spec.frames }, (_, i) => i + 1));

    const retried = await queue.process(flaky);
    assert.ok(retried.ok && retried.attempts === 2, JSON.stringify({ ...retried, data: 0 }));

    const t0 = performance.now();
    const hung = await queue.process({ ...hanging, attemptTimeoutMs: 300 });
    assert.equal(hung.ok, false);
    assert.equal(hung.attempts, 2);
    assert.equal(!hung.ok && hung.reason, "timeout after 300 ms");
    assert.ok(performance.now() - t0 < 5_000);

    const pending = queue.process({ ...hanging, attemptTimeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    await queue.cancelJob("job-emb");
    const cancelled = await pending;
    assert.equal(!cancelled.ok && cancelled.reason, "cancelled");
  } finally {
    await queue.close();
    await pool.close();
  }
});

Deno.test("segment limits: 30 s + 1 s per frame per attempt, room for every attempt", () => {
  const spec = { skip: 0, frames: 60, decoded: 60, width: 2, height: 2, fps: { num: 30, den: 1 } };
  assert.deepEqual(segmentLimits({ spec }, 3), { attemptTimeoutMs: 90_000, deadlineMs: 330_000 });
  assert.deepEqual(segmentLimits({ spec, attemptTimeoutMs: 1000 }, 2), {
    attemptTimeoutMs: 1000,
    deadlineMs: 62_000,
  });
});

Deno.test("embedded segments: malformed tasks are refused up front", async () => {
  const pool = await FilterPool.create({ size: 1 });
  const queue = await EmbeddedSegmentQueue.create({ pool });
  try {
    const [task] = await segmentTasks("job-bad");
    await assert.rejects(queue.process({ ...task, chunk: new Uint8Array(0) }), QueueOptionError);
    await assert.rejects(
      queue.process({ ...task, spec: { ...task.spec, decoded: 0 } }),
      /task\.spec: chunk spec decoded must be an integer/,
    );
    await assert.rejects(queue.process({ ...task, attemptTimeoutMs: -1 }), QueueOptionError);
  } finally {
    await queue.close();
    await pool.close();
  }
});

Deno.test("resolveUnit: auto is segment with BullMQ, frame with the embedded pool", () => {
  assert.equal(resolveUnit("auto", "bullmq"), "segment");
  assert.equal(resolveUnit("auto", "embedded"), "frame");
  assert.equal(resolveUnit("segment", "embedded"), "segment");
  assert.equal(resolveUnit("frame", "bullmq"), "frame");
  // deno-lint-ignore no-explicit-any
  assert.throws(() => resolveUnit("chunks" as any, "bullmq"), /unit must be one of/);
});
