/**
 * Worker processes dying: a SIGKILLed worker's frames are redelivered to the survivor (stalled-job
 * recovery) and nothing is lost; a SIGTERMed worker stops gracefully, releasing its frame.
 * Uses the production stalled-job defaults (lock 5 s, stalled check every 2 s).
 */
import assert from "node:assert/strict";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import type { FrameOutcome, FrameTask } from "../../src/queue/types.ts";
import { startRedis } from "../helpers/redis.ts";
import { expected, makeTasks } from "./frames.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";

function okOf(o: FrameOutcome) {
  assert.ok(o.ok, `frame ${o.index} failed: ${!o.ok && o.reason}`);
  return o as Extract<FrameOutcome, { ok: true }>;
}

/** Waits until `worker` holds `count` active jobs of `queueName` (at most 15 s). */
async function holding(inspect: Queue, worker: WorkerProcess, count: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const active = await inspect.getActive();
    if (active.filter((j) => j.processedBy === worker.id).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`worker ${worker.id} never held ${count} jobs`);
}

Deno.test("worker processes: SIGTERM is graceful, SIGKILLed frames are redelivered", async (t) => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const spawned: WorkerProcess[] = [];
  const queueName = "vframe-test-kill";
  const inspect = new Queue(queueName, { connection: { host: "127.0.0.1", port: server.port } });
  const start = async (fault: string, concurrency = 1) => {
    const w = await startWorker({ redisUrl: server.url, queueName, fault, concurrency });
    spawned.push(w);
    return w;
  };
  let survivor: WorkerProcess | undefined;
  try {
    await t.step(
      "SIGTERM: the worker ends its active frame, which completes elsewhere",
      async () => {
        const queue = await BullmqQueue.create({
          redisUrl: server.url,
          queueName,
          policy: { attempts: 3, backoffMs: 50, attemptTimeoutMs: 1500 },
        });
        try {
          const stuck = await start("hang=0-999"); // holds every frame until its time limit
          const [task] = makeTasks("job-term", 1);
          const pending = queue.process(task);
          await holding(inspect, stuck, 1);
          const t0 = performance.now();
          const code = await stuck.stop("SIGTERM");
          const exitMs = performance.now() - t0;
          assert.equal(code, 0, stuck.lines.join("\n"));
          // It stopped taking jobs but let its active attempt run to its 1.5 s limit (the job then
          // goes back to the queue for a retry), and only then exited.
          const order = [
            /^vframe worker stopping: SIGTERM/,
            /^vframe worker: job \S+ attempt 1 failed: timeout after 1500 ms$/,
            /^vframe worker stopped: id=\S+ processed=0$/,
          ].map((re) => stuck.lines.findIndex((l) => re.test(l)));
          assert.ok(
            order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])),
            stuck.lines.join("\n"),
          );
          assert.ok(exitMs < 10_000, `graceful stop took ${exitMs} ms`);
          survivor = await start("");
          const o = okOf(await pending);
          assert.equal(o.worker, survivor.id);
          assert.equal(o.attempts, 2);
          assert.deepEqual(o.data, await expected(task));
          const names = (await inspect.getWorkers()).map((c) => c.rawname);
          assert.ok(!names.some((n) => n.endsWith(`:w:${stuck.id}`)), `still listed: ${names}`);
        } finally {
          await queue.close();
        }
      },
    );

    await t.step("SIGKILL mid-job: frames come back to the survivor, none lost", async () => {
      const queue = await BullmqQueue.create({
        redisUrl: server.url,
        queueName,
        policy: { attempts: 3, attemptTimeoutMs: 60_000, deadlineMs: 120_000 },
        frameTtlMs: 600_000,
      });
      try {
        assert.ok(survivor, "the first step started the survivor");
        const victim = await start("hang=0-999", 2); // holds two frames forever
        // Submit pairs of frames until the victim holds two (the survivor filters the others).
        const tasks: FrameTask[] = [];
        const pending: Promise<FrameOutcome>[] = [];
        const done = new Map<number, number>();
        const held = async () =>
          (await inspect.getActive()).filter((j) => j.processedBy === victim.id).length;
        for (let round = 0; round < 20 && await held() < 2; round++) {
          for (const task of makeTasks("job-kill", 2, 2 * round)) {
            tasks.push(task);
            pending.push(
              queue.process(task).then((o) => {
                done.set(o.index, performance.now());
                return o;
              }),
            );
          }
          await new Promise((r) => setTimeout(r, 150));
        }
        await holding(inspect, victim, 2);
        const heldIds = (await inspect.getActive())
          .filter((j) => j.processedBy === victim.id)
          .map((j) => j.data.index as number);
        assert.equal(heldIds.length, 2);
        const killedAt = performance.now();
        await victim.stop("SIGKILL");
        const outcomes = await Promise.all(pending);
        for (const [i, o] of outcomes.entries()) {
          const ok = okOf(o);
          assert.equal(ok.worker, survivor!.id);
          assert.deepEqual(ok.data, await expected(tasks[i]));
        }
        const redeliveryMs = Math.max(...heldIds.map((i) => done.get(i)! - killedAt));
        console.log(
          `redelivery after SIGKILL: ${Math.round(redeliveryMs)} ms for frames ${heldIds}` +
            " (lockDuration 5000 ms, stalledInterval 2000 ms)",
        );
        assert.ok(redeliveryMs < 15_000, `redelivery took ${redeliveryMs} ms`);
        assert.deepEqual(await redis.keys("vframe:*"), []);
      } finally {
        await queue.close();
      }
    });
  } finally {
    await Promise.all(spawned.map((w) => w.stop("SIGTERM")));
    await inspect.close();
    redis.disconnect();
    await server.stop();
  }
});
