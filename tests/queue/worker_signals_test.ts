/**
 * Stop signals on real worker processes: one Ctrl-C on `deno task worker` reaches the worker
 * twice (deno task forwards it, and the terminal sends it to the whole process group) and must
 * count once; a second signal after the 300 ms window forces; SIGTERM ends the process in bounded
 * time even when Redis is unreachable.
 */
import assert from "node:assert/strict";
import { Queue } from "bullmq";
import { BullmqQueue } from "../../src/queue/bullmq/queue.ts";
import type { FrameOutcome } from "../../src/queue/types.ts";
import { expected, makeTasks } from "./frames.ts";
import { startRedis } from "../helpers/redis.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";

/** Waits until `worker` holds `count` active jobs of the queue (at most 15 s). */
async function holding(inspect: Queue, worker: WorkerProcess, count = 1): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const active = await inspect.getActive();
    if (active.filter((j) => j.processedBy === worker.id).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`worker ${worker.id} never held ${count} jobs:\n${worker.lines.join("\n")}`);
}

/** The exit code, or undefined if the process is still running after `ms`. */
async function exitWithin(worker: WorkerProcess, ms: number): Promise<number | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms));
  try {
    return await Promise.race([worker.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("worker signals: one Ctrl-C is one request, a later one forces", async (t) => {
  const redis = await startRedis();
  const connection = { host: "127.0.0.1", port: redis.port };
  const inspects: Queue[] = [];
  /** A fresh queue name per step, and a BullMQ handle to look into it. */
  const fresh = (name: string) => {
    const inspect = new Queue(name, { connection });
    inspect.on("error", () => {}); // Redis is killed in the last step
    inspects.push(inspect);
    return { queueName: name, inspect };
  };
  const spawned: WorkerProcess[] = [];
  try {
    await t.step("Ctrl-C on `deno task worker`: the active frame finishes, exit 0", async () => {
      const { queueName, inspect } = fresh("vframe-test-sig-1");
      // slow=0: frame 0 keeps the thread busy 1 s, then is filtered
      const worker = await startWorker({
        redisUrl: redis.url,
        queueName,
        fault: "slow=0",
        viaTask: true,
      });
      spawned.push(worker);
      const queue = await BullmqQueue.create({ redisUrl: redis.url, queueName });
      try {
        const [task] = makeTasks("job-ctrl-c", 1);
        const pending = queue.process(task);
        await holding(inspect, worker);
        worker.kill("SIGINT", { group: true }); // what the terminal does on Ctrl-C
        const code = await exitWithin(worker, 15_000);
        const log = worker.lines.join("\n");
        assert.equal(code, 0, log);
        assert.ok(!/second SIGINT/.test(log), log);
        assert.equal(worker.lines.filter((l) => /^vframe worker stopping:/.test(l)).length, 1, log);
        assert.match(log, /^vframe worker stopped: id=\S+ processed=1$/m);
        const o: FrameOutcome = await pending;
        assert.ok(o.ok, `${!o.ok && o.reason}`);
        assert.equal(o.worker, worker.id);
        assert.equal(o.attempts, 1);
        assert.deepEqual(o.data, await expected(task));
      } finally {
        await queue.close();
      }
    });

    await t.step(
      "a duplicate within 300 ms is ignored; a SIGINT after that exits with 130",
      async () => {
        const { queueName, inspect } = fresh("vframe-test-sig-2");
        const worker = await startWorker({ redisUrl: redis.url, queueName, fault: "hang=0" });
        spawned.push(worker);
        const queue = await BullmqQueue.create({
          redisUrl: redis.url,
          queueName,
          policy: { attemptTimeoutMs: 30_000 },
        });
        try {
          const pending = queue.process(makeTasks("job-force", 1)[0]);
          await holding(inspect, worker);
          worker.kill("SIGINT");
          await new Promise((r) => setTimeout(r, 100));
          worker.kill("SIGINT"); // the same request (as deno task's forwarded copy): ignored
          await worker.waitFor(/^vframe worker stopping: SIGINT/);
          await new Promise((r) => setTimeout(r, 700));
          assert.equal(await exitWithin(worker, 0), undefined, worker.lines.join("\n"));
          const t0 = performance.now();
          worker.kill("SIGINT");
          const code = await exitWithin(worker, 5000);
          assert.equal(code, 130, worker.lines.join("\n"));
          assert.ok(performance.now() - t0 < 5000);
          assert.match(worker.lines.join("\n"), /second SIGINT, exiting now/);
          await queue.cancelJob("job-force");
          await pending;
        } finally {
          await queue.close();
        }
      },
    );

    await t.step("SIGTERM with Redis unreachable: exit within 10 s", async () => {
      const { queueName, inspect } = fresh("vframe-test-sig-3");
      const idle = await startWorker({ redisUrl: redis.url, queueName: `${queueName}-idle` });
      const busy = await startWorker({
        redisUrl: redis.url,
        queueName,
        fault: "hang=0",
        args: ["--stop-timeout", "2000"],
      });
      spawned.push(idle, busy);
      const queue = await BullmqQueue.create({
        redisUrl: redis.url,
        queueName,
        policy: { attemptTimeoutMs: 60_000, deadlineMs: 90_000 },
        frameTtlMs: 600_000,
      });
      try {
        const pending = queue.process(makeTasks("job-down", 1)[0]);
        await holding(inspect, busy);
        await redis.kill();
        await new Promise((r) => setTimeout(r, 500));
        const t0 = performance.now();
        idle.kill("SIGTERM");
        busy.kill("SIGTERM");
        const [idleCode, busyCode] = await Promise.all([
          exitWithin(idle, 12_000),
          exitWithin(busy, 12_000),
        ]);
        const ms = performance.now() - t0;
        console.log(`both workers exited ${Math.round(ms)} ms after SIGTERM, with Redis down`);
        assert.equal(idleCode, 0, idle.lines.join("\n"));
        assert.equal(busyCode, 0, busy.lines.join("\n"));
        assert.ok(ms < 10_000, `exit took ${ms} ms with Redis down`);
        assert.match(busy.lines.join("\n"), /1 frames still active after 2000 ms/);
        await redis.restart();
        await queue.cancelJob("job-down");
        await pending;
      } finally {
        await queue.close();
      }
    });
  } finally {
    await Promise.all(spawned.map((w) => w.stop("SIGKILL")));
    await Promise.all(inspects.map((i) => i.close()));
    await redis.stop();
  }
});
