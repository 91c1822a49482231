/** Redis going away for good under the BullMQ backend: no frame hangs, close() returns. */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { Heartbeat } from "../../src/queue/bullmq/heartbeat.ts";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeTasks } from "./frames.ts";

Deno.test("BullmqQueue: Redis dies mid-job, frames end at their deadline, close() returns", async () => {
  const server = await startRedis();
  let queue: BullmqQueue | undefined;
  // A worker that is alive (it heartbeats) but takes no job, so frames stay pending; with no live
  // worker at all they would be held for the no-worker timeout instead (e2e_no_worker_test.ts).
  const beatRedis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  beatRedis.on("error", () => {});
  const beat = new Heartbeat({
    redis: beatRedis,
    queueName: "vframe-test-down",
    record: () => ({
      id: "idle:1",
      host: "idle",
      pid: 1,
      concurrency: 1,
      busy: 0,
      processed: 0,
      startedAt: new Date().toISOString(),
    }),
  });
  try {
    await beat.start();
    queue = await BullmqQueue.create({
      redisUrl: server.url,
      queueName: "vframe-test-down",
      policy: { deadlineMs: 1000 },
    });
    const t0 = performance.now();
    const pending = makeTasks("job-down", 3).map((t) => queue!.process(t)); // no worker takes them
    await new Promise((r) => setTimeout(r, 200));
    await server.stop();
    const outcomes = await Promise.all(pending);
    const elapsed = performance.now() - t0;
    for (const o of outcomes) {
      assert.equal(o.ok, false);
      assert.match(!o.ok ? o.reason : "", /^deadline of 1000 ms exceeded/);
    }
    // process() answers by the deadline; the keys' cleanup goes on in the background
    assert.ok(elapsed < 1000 + 1000, `frames took ${elapsed} ms with Redis gone`);
    const c0 = performance.now();
    await queue.close();
    assert.ok(performance.now() - c0 < 6000, "close() with Redis gone");
  } finally {
    await beat.stop({ waitMs: 100 });
    beatRedis.disconnect();
    await queue?.close();
    await server.stop();
  }
});
