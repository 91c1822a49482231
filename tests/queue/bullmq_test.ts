/**
 * What only the BullMQ backend does, against a real Redis and two real worker processes
 * (`deno run -A src/worker.ts`, the fault switch read from `VFRAME_FAULT=fail=3;flaky=5;hang=6`;
 * the happy-path frames use indices ≥ 10): frames spread over processes, jobs carry keys and not
 * bytes, the poll when events are lost, the global rate limit, options. The behaviour every
 * backend shares is in the contract suite (contract.case.ts).
 */
import assert from "node:assert/strict";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { encodeChain } from "../../src/filters/chain_codec.ts";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import { QueueOptionError, RedisUnavailableError } from "../../src/queue/errors.ts";
import { inputKey, outputKey } from "../../src/queue/bullmq/keys.ts";
import type { FrameOutcome } from "../../src/queue/types.ts";
import { startRedis } from "../helpers/redis.ts";
import { CHAIN, expected, makeTasks } from "./frames.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";

const QUEUE = "vframe-test-main";
const FAULT = "fail=3;flaky=5;hang=6";

function okOf(o: FrameOutcome) {
  assert.ok(o.ok, `frame ${o.index} failed: ${!o.ok && o.reason}`);
  return o as Extract<FrameOutcome, { ok: true }>;
}

Deno.test("BullmqQueue with two worker processes", async (t) => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const workers: WorkerProcess[] = [];
  try {
    const started = await Promise.all(
      [0, 1].map(() => startWorker({ redisUrl: server.url, queueName: QUEUE, fault: FAULT })),
    );
    workers.push(...started);
    const ids = workers.map((w) => w.id);
    assert.notEqual(ids[0], ids[1]);

    await t.step("results equal FilterEngine's, frames spread over both workers", async () => {
      const queue = await BullmqQueue.create({ redisUrl: server.url, queueName: QUEUE });
      try {
        assert.equal(queue.backend, "bullmq");
        // Batches of 24 until both workers have taken frames (almost always the first batch; a
        // worker process starved of CPU by parallel tests may miss one).
        const by = new Map<string, number>();
        let total = 0;
        for (let batch = 0; batch < 5 && by.size < 2; batch++) {
          const tasks = makeTasks(`job-1-${batch}`, 24, 10);
          const outcomes = await Promise.all(tasks.map((task) => queue.process(task)));
          for (const [i, o] of outcomes.entries()) {
            const ok = okOf(o);
            assert.equal(ok.index, tasks[i].index);
            assert.equal(ok.attempts, 1);
            assert.deepEqual(ok.data, await expected(tasks[i]));
            by.set(ok.worker, (by.get(ok.worker) ?? 0) + 1);
            total++;
          }
        }
        assert.deepEqual([...by.keys()].sort(), [...ids].sort(), `frames per worker: ${[...by]}`);
        const infos = await queue.workers();
        assert.deepEqual(infos.map((w) => w.id).sort(), [...ids].sort());
        assert.equal(infos.reduce((a, w) => a + w.processed, 0), total);
        assert.equal(await queue.depth(), 0);
        // keys deleted after completion, completed jobs removed
        assert.deepEqual(await redis.keys("vframe:*"), []);
        assert.equal(await redis.exists(`bull:${QUEUE}:completed`), 0);
      } finally {
        await queue.close();
      }
    });

    await t.step("jobs carry keys, not frame bytes; cancelJob removes jobs and keys", async () => {
      const idle = "vframe-test-idle"; // no worker consumes this queue
      const queue = await BullmqQueue.create({ redisUrl: server.url, queueName: idle });
      const inspect = new Queue(idle, { connection: { host: "127.0.0.1", port: server.port } });
      try {
        const tasks = makeTasks("job-2", 3);
        const pending = tasks.map((task) => queue.process(task));
        let waiting = await inspect.getWaiting();
        for (let i = 0; i < 50 && waiting.length < 3; i++) {
          await new Promise((r) => setTimeout(r, 20));
          waiting = await inspect.getWaiting();
        }
        assert.equal(waiting.length, 3);
        assert.equal(await queue.depth(), 3);
        for (const job of waiting) {
          const json = JSON.stringify(job.data);
          assert.ok(json.length < 400, `job data is ${json.length} bytes: ${json}`);
          assert.deepEqual(Object.keys(job.data).sort(), [
            "attempt",
            "cancelKey",
            "chain",
            "height",
            "inKey",
            "index",
            "jobId",
            "outKey",
            "timeoutMs",
            "ttlMs",
            "width",
          ]);
          assert.equal(job.data.inKey, inputKey("job-2", job.data.index));
          assert.equal(job.data.outKey, outputKey("job-2", job.data.index, 1));
          assert.equal(job.data.attempt, 1);
          assert.equal(job.data.chain, encodeChain(CHAIN));
          assert.equal(job.opts.attempts, 1, "the scheduler retries, not BullMQ");
          const stored = await redis.getBuffer(job.data.inKey);
          assert.deepEqual(new Uint8Array(stored!), tasks[job.data.index].data);
          const ttl = await redis.pttl(job.data.inKey);
          assert.ok(ttl > 590_000 && ttl <= 600_000, `TTL ${ttl}`);
        }
        const t0 = performance.now();
        await queue.cancelJob("job-2");
        const outcomes = await Promise.all(pending);
        assert.ok(performance.now() - t0 < 3000, "cancelled frames resolve promptly");
        for (const o of outcomes) assert.deepEqual([o.ok, !o.ok && o.reason], [false, "cancelled"]);
        assert.equal((await inspect.getWaiting()).length, 0);
        // only the cancel marker is left, and it expires
        assert.deepEqual(await redis.keys("vframe:*"), ["vframe:job-2:cancelled"]);
        assert.ok(await redis.pttl("vframe:job-2:cancelled") > 0);
        const late = await queue.process(tasks[0]);
        assert.deepEqual([late.ok, !late.ok && late.reason], [false, "cancelled"]);
      } finally {
        await inspect.close();
        await queue.close();
      }
    });

    await t.step("fault switch from VFRAME_FAULT in worker processes", async () => {
      const queue = await BullmqQueue.create({
        redisUrl: server.url,
        queueName: QUEUE,
        policy: { attempts: 3, backoffMs: 50, attemptTimeoutMs: 400 },
      });
      try {
        const tasks = makeTasks("job-3", 8);
        const outcomes = await Promise.all(tasks.map((task) => queue.process(task)));
        for (const i of [0, 1, 2, 4, 7]) assert.equal(okOf(outcomes[i]).attempts, 1);
        const flaky = okOf(outcomes[5]);
        assert.equal(flaky.attempts, 2);
        assert.deepEqual(flaky.data, await expected(tasks[5]));
        const failed = outcomes[3];
        assert.equal(failed.ok, false);
        assert.equal(failed.attempts, 3);
        assert.equal(
          !failed.ok && failed.reason,
          "FaultInjectedError: injected fault on frame 3, attempt 3",
        );
        const hung = outcomes[6];
        assert.deepEqual([hung.ok, !hung.ok && hung.reason, hung.attempts], [
          false,
          "timeout after 400 ms",
          3,
        ]);
        assert.deepEqual(await redis.keys("vframe:*"), ["vframe:job-2:cancelled"]);
      } finally {
        await queue.close();
      }
    });

    await t.step("lost events: the fallback poll alone completes frames", async () => {
      const queue = await BullmqQueue.create({
        redisUrl: server.url,
        queueName: QUEUE,
        events: false,
        pollMs: 100,
        policy: { attempts: 2, backoffMs: 10, attemptTimeoutMs: 300 },
      });
      try {
        const tasks = makeTasks("job-4", 8);
        const outcomes = await Promise.all(tasks.map((task) => queue.process(task)));
        for (const i of [0, 1, 2, 4, 5, 7]) {
          assert.deepEqual(okOf(outcomes[i]).data, await expected(tasks[i]));
        }
        assert.equal(outcomes[3].ok, false); // failed state found by the poll, not an event
        assert.equal(outcomes[6].ok, false);
      } finally {
        await queue.close();
      }
    });

    await t.step(
      "global rate limit is honoured roughly, and removed by the next server",
      async () => {
        const inspect = new Queue(QUEUE, { connection: { host: "127.0.0.1", port: server.port } });
        try {
          const limited = await BullmqQueue.create({
            redisUrl: server.url,
            queueName: QUEUE,
            ratePerSecond: 20,
          });
          try {
            assert.deepEqual(await inspect.getGlobalRateLimit(), { max: 2, duration: 100 });
            const tasks = makeTasks("job-6", 21, 10);
            const t0 = performance.now();
            const outcomes = await Promise.all(tasks.map((task) => limited.process(task)));
            const elapsed = performance.now() - t0;
            outcomes.forEach(okOf);
            // 21 frames at 20/s (windows of 2 per 100 ms): about a second
            assert.ok(elapsed >= 850, `21 frames at 20/s took ${elapsed} ms`);
          } finally {
            await limited.close();
          }
          const free = await BullmqQueue.create({ redisUrl: server.url, queueName: QUEUE });
          try {
            assert.equal(await inspect.getGlobalRateLimit(), null);
            const tasks = makeTasks("job-7", 4, 10);
            (await Promise.all(tasks.map((task) => free.process(task)))).forEach(okOf);
          } finally {
            await free.close();
          }
        } finally {
          await inspect.close();
        }
      },
    );

    await t.step("bad options and an unreachable Redis fail up front", async () => {
      await assert.rejects(
        BullmqQueue.create({ redisUrl: "http://x" }),
        (e: Error) => e instanceof QueueOptionError && /redis:\/\//.test(e.message),
      );
      await assert.rejects(
        BullmqQueue.create({ redisUrl: server.url, frameTtlMs: 1000 }),
        /frameTtlMs must be an integer > policy.deadlineMs \(60000\), got 1000/,
      );
      await assert.rejects(
        BullmqQueue.create({ redisUrl: server.url, ratePerSecond: 0 }),
        /ratePerSecond .* got 0/,
      );
      const closed = await Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (closed.addr as Deno.NetAddr).port;
      closed.close();
      await assert.rejects(
        BullmqQueue.create({ redisUrl: `redis://127.0.0.1:${port}` }),
        (e: Error) => e instanceof RedisUnavailableError && /cannot reach Redis/.test(e.message),
      );
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    redis.disconnect();
    await server.stop();
  }
});
