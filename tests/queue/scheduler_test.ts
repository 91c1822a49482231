/**
 * The shared scheduler with a scripted transport: no threads, no Redis. What the contract suite
 * cannot provoke on demand: lost work, a transport that ignores aborts, finish bookkeeping.
 */
import assert from "node:assert/strict";
import { RemoteAttemptError, WorkLostError } from "../../src/queue/errors.ts";
import { resolvePolicy } from "../../src/queue/policy.ts";
import { Scheduler } from "../../src/queue/scheduler.ts";
import { FRAME_UNIT } from "../../src/queue/task.ts";
import type { AttemptContext, Delivery, Transport } from "../../src/queue/transport.ts";
import type { FrameOutcome, FrameTask, RetryPolicy } from "../../src/queue/types.ts";
import { makeTasks } from "./frames.ts";

type Script = (task: FrameTask, ctx: AttemptContext) => Promise<Delivery<Uint8Array>>;

/** A transport that runs `script` for every attempt and records what the scheduler asked. */
class ScriptedTransport implements Transport<FrameTask, Uint8Array> {
  readonly attempts: { index: number; attempt: number; timeoutMs: number }[] = [];
  readonly finished: { index: number; ok: boolean }[] = [];
  readonly cancelled: string[] = [];
  closed = 0;
  constructor(readonly script: Script, readonly finishMs = 0) {}
  open(task: FrameTask) {
    return {
      attempt: (ctx: AttemptContext) => {
        this.attempts.push({ index: task.index, attempt: ctx.attempt, timeoutMs: ctx.timeoutMs });
        return this.script(task, ctx);
      },
      finish: async (ok: boolean) => {
        await new Promise((r) => setTimeout(r, this.finishMs));
        this.finished.push({ index: task.index, ok });
      },
    };
  }
  cancelJob(jobId: string) {
    this.cancelled.push(jobId);
    return Promise.resolve();
  }
  workers() {
    return Promise.resolve([{ id: "w", processed: 0, busy: 0, alive: true, lastSeenMs: 0 }]);
  }
  depth() {
    return Promise.resolve(0);
  }
  close() {
    this.closed++;
    return Promise.resolve();
  }
}

function scheduler(script: Script, policy: Partial<RetryPolicy> = {}, finishMs = 0) {
  const transport = new ScriptedTransport(script, finishMs);
  const queue = new Scheduler({
    backend: "embedded",
    unit: FRAME_UNIT,
    transport,
    policy: resolvePolicy(policy),
  });
  return { transport, queue };
}

const done = (task: FrameTask) => Promise.resolve({ result: task.data, worker: "w1" });
const never = () => new Promise<never>(() => {});

Deno.test("scheduler: lost work is queued again without using an attempt", async () => {
  let calls = 0;
  const { transport, queue } = scheduler((task) => {
    calls++;
    return calls <= 2 ? Promise.reject(new WorkLostError("frame job disappeared")) : done(task);
  }, { attempts: 1 });
  const [task] = makeTasks("job", 1);
  const o = await queue.process(task);
  assert.deepEqual([o.ok, o.attempts], [true, 1]);
  assert.deepEqual(transport.attempts.map((a) => a.attempt), [1, 1, 1]);
  assert.deepEqual(transport.finished, [{ index: 0, ok: true }]);
  await queue.close();
});

Deno.test("scheduler: work lost for ever ends at the deadline with the last error", async () => {
  const { queue } = scheduler(
    () => Promise.reject(new WorkLostError("frame job disappeared from the queue")),
    { deadlineMs: 700 },
  );
  const t0 = performance.now();
  const o = await queue.process(makeTasks("job", 1)[0]);
  const ms = performance.now() - t0;
  assert.equal(
    !o.ok && o.reason,
    "deadline of 700 ms exceeded (last error: frame job disappeared from the queue)",
  );
  assert.ok(ms < 1500, `took ${ms} ms`);
  await queue.close();
});

Deno.test("scheduler: answers by the deadline even when the transport ignores aborts", async () => {
  const { transport, queue } = scheduler(never, { deadlineMs: 200 }, 1500);
  const t0 = performance.now();
  const o = await queue.process(makeTasks("job", 1)[0]);
  const ms = performance.now() - t0;
  assert.deepEqual([o.ok, !o.ok && o.reason, o.attempts], [
    false,
    "deadline of 200 ms exceeded",
    1,
  ]);
  assert.ok(ms < 1000, `answered after ${ms} ms although finish takes 1.5 s`);
  assert.deepEqual(transport.finished, []); // still finishing; close() waits for it
  await queue.close();
  assert.deepEqual(transport.finished, [{ index: 0, ok: false }]);
  assert.equal(transport.closed, 1);
});

Deno.test("scheduler: the attempt's time limit never passes the deadline", async () => {
  let n = 0;
  const { transport, queue } = scheduler(
    () => Promise.reject(new RemoteAttemptError(`boom ${++n}`)),
    { attempts: 3, backoffMs: 0, attemptTimeoutMs: 10_000, deadlineMs: 5000 },
  );
  const o = await queue.process(makeTasks("job", 1)[0]);
  assert.deepEqual([o.ok, !o.ok && o.reason, o.attempts], [false, "boom 3", 3]);
  for (const a of transport.attempts) assert.ok(a.timeoutMs <= 5000, `${a.timeoutMs}`);
  await queue.close();
});

Deno.test("scheduler: a remote permanent failure is not retried", async () => {
  const { transport, queue } = scheduler(
    () => Promise.reject(new RemoteAttemptError("FilterChainError: bad", { permanent: true })),
    { attempts: 5 },
  );
  const o = await queue.process(makeTasks("job", 1)[0]);
  assert.deepEqual([o.ok, !o.ok && o.reason, o.attempts], [false, "FilterChainError: bad", 1]);
  assert.equal(transport.attempts.length, 1);
  await queue.close();
});

Deno.test("scheduler: cancelJob waits for the job's tasks to finish; other jobs go on", async () => {
  const { transport, queue } = scheduler(
    (task) => task.jobId === "a" ? never() : done(task),
    {},
    50,
  );
  const a = makeTasks("a", 2).map((t) => queue.process(t));
  const b = queue.process(makeTasks("b", 1, 5)[0]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await queue.depth(), 0);
  await queue.cancelJob("a");
  assert.deepEqual(transport.cancelled, ["a"]);
  // both frames of "a" finished (their keys released) before cancelJob resolved
  assert.deepEqual(
    transport.finished.filter((f) => f.index < 2).map((f) => f.ok),
    [false, false],
  );
  for (const o of await Promise.all(a)) assert.equal(!o.ok && o.reason, "cancelled");
  assert.equal((await b).ok, true);
  await queue.close();
});

Deno.test("scheduler: depth counts tasks in a backoff", async () => {
  const { queue } = scheduler(() => Promise.reject(new Error("flaky")), {
    attempts: 2,
    backoffMs: 300,
  });
  const pending: Promise<FrameOutcome> = queue.process(makeTasks("job", 1)[0]);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await queue.depth(), 1);
  const o = await pending;
  assert.deepEqual([!o.ok && o.reason, o.attempts], ["flaky", 2]);
  assert.equal(await queue.depth(), 0);
  await queue.close();
});

/**
 * A transport whose workers come and go (`alive`): an attempt waits, like a job in Redis, until a
 * worker is alive, then delivers.
 */
class FlakyWorkersTransport extends ScriptedTransport {
  alive = false;
  readonly workerHint = "start `deno task worker --redis redis://test`";
  #wake = Promise.withResolvers<void>();
  constructor() {
    super(async (task) => {
      while (!this.alive) await this.#wake.promise;
      return { result: task.data, worker: "w1" };
    });
  }
  setAlive(alive: boolean) {
    this.alive = alive;
    if (alive) {
      this.#wake.resolve();
      this.#wake = Promise.withResolvers<void>();
    }
  }
  override workers() {
    return Promise.resolve(
      this.alive ? [{ id: "w1", processed: 0, busy: 0, alive: true, lastSeenMs: 0 }] : [],
    );
  }
}

function holdScheduler(policy: Partial<RetryPolicy>) {
  const transport = new FlakyWorkersTransport();
  const queue = new Scheduler({
    backend: "bullmq",
    unit: FRAME_UNIT,
    transport,
    policy: resolvePolicy(policy),
    livenessCheckMs: 20,
  });
  return { transport, queue };
}

Deno.test("scheduler: with no live worker a task is held past its deadline, not failed, and goes on when one appears", async () => {
  const { transport, queue } = holdScheduler({
    attempts: 1,
    deadlineMs: 300,
    noWorkerTimeoutMs: 5_000,
  });
  const [task] = makeTasks("job", 1);
  const t0 = performance.now();
  const pending = queue.process(task);
  setTimeout(() => transport.setAlive(true), 800); // well past the 300 ms deadline
  const o = await pending;
  const ms = performance.now() - t0;
  assert.ok(o.ok, `held frame failed: ${!o.ok && o.reason}`);
  assert.equal(o.attempts, 1, "the hold used no attempt");
  assert.ok(ms >= 750 && ms < 3_000, `resolved after ${ms} ms`);
  assert.deepEqual(transport.attempts.map((a) => a.attempt), [1]);
  await queue.close();
});

Deno.test("scheduler: no live worker for noWorkerTimeoutMs fails the task as fatal, with the hint", async () => {
  const { transport, queue } = holdScheduler({ deadlineMs: 10_000, noWorkerTimeoutMs: 400 });
  const tasks = makeTasks("job", 3);
  const t0 = performance.now();
  const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
  const ms = performance.now() - t0;
  for (const o of outcomes) {
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.fatal, true, "the job's failure, not the frame's");
    assert.equal(
      !o.ok && o.reason,
      "no live worker for 0.4 s: start `deno task worker --redis redis://test`",
    );
  }
  assert.ok(ms >= 380 && ms < 2_000, `failed after ${ms} ms (deadline 10 s)`);
  await queue.close();
  assert.deepEqual(transport.finished.map((f) => f.ok), [false, false, false], "keys released");
});

Deno.test("scheduler: held time is bounded per task and a live worker's deadline still applies", async () => {
  const { transport, queue } = holdScheduler({
    attempts: 1,
    deadlineMs: 400,
    noWorkerTimeoutMs: 600,
  });
  transport.setAlive(true);
  // Alive, but the attempt never answers: the plain deadline ends it, not fatal.
  const stuck = new ScriptedTransport(never);
  const plain = new Scheduler({
    backend: "embedded",
    unit: FRAME_UNIT,
    transport: stuck,
    policy: resolvePolicy({ deadlineMs: 300, noWorkerTimeoutMs: 100 }),
    livenessCheckMs: 20,
  });
  const [task] = makeTasks("job", 1);
  const o = await plain.process(task);
  assert.deepEqual([o.ok, !o.ok && o.reason, !o.ok && o.fatal], [
    false,
    "deadline of 300 ms exceeded",
    undefined,
  ]);
  await plain.close();
  // Workers gone for 300 ms, back, gone again: the held time adds up to the 600 ms bound.
  transport.setAlive(false);
  const t0 = performance.now();
  const pending = queue.process(makeTasks("job2", 1)[0]);
  await new Promise((r) => setTimeout(r, 300));
  transport.alive = true; // alive again, but the attempt stays parked until woken
  await new Promise((r) => setTimeout(r, 150));
  transport.alive = false;
  const held = await pending;
  const ms = performance.now() - t0;
  assert.equal(!held.ok && held.fatal, true, `outcome ${JSON.stringify(held)}`);
  assert.ok(ms >= 700 && ms < 2_000, `failed after ${ms} ms (300 held + 150 alive + 300 held)`);
  await queue.close();
});
