/**
 * Which BullMQ workers are alive, from their heartbeats, against a real Redis and real worker
 * processes: `queue.workers()` lists live workers only; a SIGKILLed worker drops out within a few
 * seconds (its key's 3 s TTL), is listed offline for a while, then forgotten; a worker that stops
 * gracefully is gone at once; the preview's `/api/status` and metrics count live workers only.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createPreviewHandler } from "../../src/preview/handler.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import type { QueueStatus } from "../../src/preview/status.ts";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import { readHeartbeats } from "../../src/queue/bullmq/heartbeat.ts";
import { workerIndexKey, workerKey } from "../../src/queue/bullmq/keys.ts";
import type { WorkerInfo } from "../../src/queue/types.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { startRedis } from "../helpers/redis.ts";
import { parseMetrics } from "../preview/fixtures.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";

const QUEUE = "vframe-test-liveness";

/** Polls `check` every 100 ms for at most `ms`; returns how long it took. */
async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - t0;
}

const ids = (workers: WorkerInfo[]) => workers.map((w) => w.id).sort();

Deno.test("BullMQ worker liveness: heartbeats, SIGKILL, graceful stop, the preview's view", async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const spawned: WorkerProcess[] = [];
  const queue = await BullmqQueue.create({
    redisUrl: server.url,
    queueName: QUEUE,
    keepOfflineMs: 5_000,
  });
  const handler = createPreviewHandler({
    registry: new JobRegistry(),
    metrics: new VframeMetrics(),
    queue,
  });
  const status = async (): Promise<QueueStatus> =>
    (await (await handler.handle(new Request("http://127.0.0.1/api/status"))).json()).queue;
  try {
    assert.deepEqual(await queue.workers(), [], "no worker yet");
    assert.equal(
      queue.workerHint,
      `start \`deno task worker --redis ${server.url} --queue ${QUEUE}\``,
    );

    const [doomed, survivor] = await Promise.all(
      [0, 1].map(() => startWorker({ redisUrl: server.url, queueName: QUEUE, concurrency: 1 })),
    );
    spawned.push(doomed, survivor);
    // Alive from the moment the ready line is printed.
    const live = await queue.workers();
    assert.deepEqual(ids(live), [doomed.id, survivor.id].sort());
    for (const w of live) {
      assert.equal(w.alive, true);
      assert.ok(w.lastSeenMs >= 0 && w.lastSeenMs < 2_000, `last seen ${w.lastSeenMs} ms ago`);
      assert.equal(w.concurrency, 1);
      assert.ok(w.startedAt && !Number.isNaN(Date.parse(w.startedAt)), w.startedAt);
    }
    const key = workerKey(QUEUE, doomed.id);
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 1_000 && ttl <= 3_000, `heartbeat TTL ${ttl} ms`);
    const record = JSON.parse((await redis.get(key))!);
    assert.deepEqual(Object.keys(record).sort(), [
      "busy",
      "concurrency",
      "host",
      "id",
      "pid",
      "processed",
      "startedAt",
    ]);
    assert.equal(record.id, doomed.id);
    assert.equal(record.pid, doomed.child.pid);

    // SIGKILL: no goodbye, the key expires (TTL 3 s), and the worker drops out of workers().
    doomed.kill("SIGKILL");
    await doomed.exited;
    const goneMs = await within(
      6_000,
      "the killed worker leaves workers()",
      async () => !(await queue.workers()).some((w) => w.id === doomed.id),
    );
    console.log(`SIGKILLed worker left workers() after ${Math.round(goneMs)} ms`);
    assert.deepEqual(ids(await queue.workers()), [survivor.id]);
    const all = await queue.workers({ includeOffline: true });
    const offline = all.find((w) => w.id === doomed.id);
    assert.ok(offline, `listed offline for a while: ${JSON.stringify(all)}`);
    assert.equal(offline.alive, false);
    assert.ok(offline.lastSeenMs >= 2_000, `last seen ${offline.lastSeenMs} ms ago`);

    // The preview: live workers in `workers` (and the metric), the dead one apart in `offline`.
    await within(3_000, "the preview sees the kill", async () => {
      const q = await status();
      return q.workers.length === 1 && q.offline.length === 1;
    });
    const q = await status();
    assert.deepEqual(ids(q.workers), [survivor.id]);
    assert.deepEqual(q.offline.map((w) => [w.id, w.alive]), [[doomed.id, false]]);
    const metrics = parseMetrics(
      await (await handler.handle(new Request("http://127.0.0.1/metrics"))).text(),
    );
    assert.equal(metrics.get('vframe_queue_workers{backend="bullmq"}'), 1);

    // Forgotten once offline longer than keepOfflineMs (5 s here, 60 s by default).
    await within(
      8_000,
      "the killed worker is forgotten",
      async () => !(await queue.workers({ includeOffline: true })).some((w) => w.id === doomed.id),
    );
    assert.equal(await redis.zscore(workerIndexKey(QUEUE), doomed.id), null);

    // A graceful stop deletes the heartbeat at once: gone, not offline.
    assert.equal(await survivor.stop("SIGTERM"), 0);
    assert.deepEqual(await queue.workers({ includeOffline: true }), []);
    assert.equal(await redis.exists(workerKey(QUEUE, survivor.id)), 0);
    assert.deepEqual(await readHeartbeats(redis, QUEUE), []);
  } finally {
    handler.close();
    for (const w of spawned) await w.stop("SIGKILL");
    await queue.close();
    redis.disconnect();
    await server.stop();
  }
});
