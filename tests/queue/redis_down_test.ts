/** Redis going away under the BullMQ backend: no frame hangs, close() returns. */
import assert from "node:assert/strict";
import { BullmqQueue } from "../../src/queue/bullmq.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeTasks } from "./frames.ts";

Deno.test("BullmqQueue: Redis dies mid-job, frames end at their deadline, close() returns", async () => {
  const server = await startRedis();
  let queue: BullmqQueue | undefined;
  try {
    queue = await BullmqQueue.create({
      redisUrl: server.url,
      queueName: "vframe-test-down",
      policy: { deadlineMs: 1000 },
    });
    const t0 = performance.now();
    const pending = makeTasks("job-down", 3).map((t) => queue!.process(t)); // no worker runs
    await new Promise((r) => setTimeout(r, 200));
    await server.stop();
    const outcomes = await Promise.all(pending);
    const elapsed = performance.now() - t0;
    for (const o of outcomes) {
      assert.deepEqual([o.ok, !o.ok && o.reason], [false, "deadline of 1000 ms exceeded"]);
    }
    // deadline + at most 0.5 s attempt lookup + 1 s key cleanup, both given up on
    assert.ok(elapsed < 3500, `frames took ${elapsed} ms with Redis gone`);
    const c0 = performance.now();
    await queue.close();
    assert.ok(performance.now() - c0 < 6000, "close() with Redis gone");
  } finally {
    await queue?.close();
    await server.stop();
  }
});
