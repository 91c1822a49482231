/**
 * What only the embedded backend does: frames spread over its threads, the token-bucket rate
 * limit, a shared pool left open, its options. The behaviour every backend shares is in the
 * contract suite (contract.case.ts).
 */
import assert from "node:assert/strict";
import { FilterPool } from "../../src/filters/pool.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import type { FrameOutcome } from "../../src/queue/types.ts";
import { expected, makeTasks } from "./frames.ts";

function okOf(o: FrameOutcome) {
  assert.ok(o.ok, `frame ${o.index} failed: ${!o.ok && o.reason}`);
  return o as Extract<FrameOutcome, { ok: true }>;
}

Deno.test("EmbeddedQueue: frames spread over the threads; its own pool closes with it", async () => {
  const queue = await EmbeddedQueue.create({ threads: 2, fault: "" });
  try {
    assert.equal(queue.backend, "embedded");
    assert.equal(queue.threads, 2);
    const tasks = makeTasks("job-a", 12);
    const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
    for (const [i, o] of outcomes.entries()) {
      const ok = okOf(o);
      assert.deepEqual(ok.data, await expected(tasks[i]));
      assert.match(ok.worker, /^.+:\d+\/t[01]$/);
    }
    const workers = await queue.workers();
    assert.deepEqual(workers.map((w) => w.id.replace(/^.*\//, "")), ["t0", "t1"]);
    assert.equal(workers.reduce((a, w) => a + w.processed, 0), 12);
    assert.ok(workers.every((w) => w.busy === 0));
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: rate limit, and a shared pool outlives the queue", async () => {
  const pool = await FilterPool.create({ size: 2 });
  try {
    const queue = await EmbeddedQueue.create({ pool, ratePerSecond: 40, fault: "" });
    assert.equal(queue.threads, 2);
    assert.equal(queue.ratePerSecond, 40);
    const tasks = makeTasks("job-e", 21);
    const t0 = performance.now();
    const pending = tasks.map((t) => queue.process(t));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await queue.depth() > 10, "frames wait for rate tokens");
    const outcomes = await Promise.all(pending);
    const elapsed = performance.now() - t0;
    outcomes.forEach(okOf);
    // 21 frames at 40/s with burst 1: the 21st starts 500 ms after the first
    assert.ok(elapsed >= 480, `21 frames at 40/s took ${elapsed} ms, want >= 500`);
    await queue.close();
    const again = await EmbeddedQueue.create({ pool, fault: "" });
    okOf(await again.process(tasks[0])); // the pool still runs
    await again.close();
  } finally {
    await pool.close();
  }
});

Deno.test("EmbeddedQueue: bad options fail up front", async () => {
  await assert.rejects(EmbeddedQueue.create({ threads: 0 }), /threads must be .* got 0/);
  await assert.rejects(EmbeddedQueue.create({ ratePerSecond: -1 }), /ratePerSecond .* got -1/);
  await assert.rejects(EmbeddedQueue.create({ fault: "oops" }), /must start with kind=INDICES/);
  await assert.rejects(EmbeddedQueue.create({ policy: { attempts: 0 } }), /policy\.attempts/);
});
