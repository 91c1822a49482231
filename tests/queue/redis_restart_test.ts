/**
 * Redis killed mid-job (SIGKILL) and back about 3 s later on the same port, empty: jobs, frame
 * keys and queue state are gone. Frames whose job vanished are queued again while their deadline
 * allows, so a Redis restart costs time, not frames. Real worker process, real redis-server.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import type { FrameOutcome } from "../../src/queue/types.ts";
import { expected, makeTasks } from "./frames.ts";
import { startRedis } from "../helpers/redis.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";

Deno.test("BullmqQueue: a Redis restart mid-job costs time, not frames", async () => {
  const redis = await startRedis();
  const queueName = "vframe-test-restart";
  let worker: WorkerProcess | undefined;
  let queue: BullmqQueue | undefined;
  try {
    // frames 0 and 1 keep the single worker thread busy 1 s each, so the rest wait in Redis
    worker = await startWorker({ redisUrl: redis.url, queueName, fault: "slow=0,1" });
    queue = await BullmqQueue.create({
      redisUrl: redis.url,
      queueName,
      pollMs: 200,
      policy: { attempts: 3, attemptTimeoutMs: 5000, deadlineMs: 30_000 },
    });
    const tasks = makeTasks("job-restart", 16);
    let before = 0;
    let killed = false;
    const pending = tasks.map((t) =>
      queue!.process(t).then((o: FrameOutcome) => {
        if (!killed) before++;
        return o;
      })
    );
    await new Promise((r) => setTimeout(r, 400));
    killed = true;
    await redis.kill();
    await new Promise((r) => setTimeout(r, 3000));
    await redis.restart();
    const t0 = performance.now();
    const outcomes = await Promise.all(pending);
    const after = performance.now() - t0;
    assert.ok(before < 10, `only ${16 - before} frames were outstanding at the kill`);
    for (const [i, o] of outcomes.entries()) {
      assert.ok(o.ok, `frame ${i} fell back: ${!o.ok && o.reason}`);
      assert.deepEqual(o.data, await expected(tasks[i]));
    }
    console.log(
      `${16 - before} frames outstanding at the kill; all done ${Math.round(after)} ms after ` +
        "Redis came back",
    );
    const inspect = new Redis(redis.url);
    try {
      assert.deepEqual(await inspect.keys("vframe:*"), []);
    } finally {
      inspect.disconnect();
    }
  } finally {
    await queue?.close();
    await worker?.stop("SIGTERM");
    await redis.stop();
  }
});
