/**
 * The FrameQueue contract: one suite of cases that every backend must pass, the way Hono tests
 * its routers (`runTest(factory)` in one file, one small test file per backend calling it).
 * contract_embedded_test.ts and contract_bullmq_test.ts run it.
 *
 * Every queue a case opens has workers with the fault switch {@link FAULT}; frames 0 and ≥ 10
 * behave.
 */
import assert from "node:assert/strict";
import type { QueueBackendName } from "../../src/queue/backends.ts";
import { QueueOptionError } from "../../src/queue/errors.ts";
import type { FrameOutcome, FrameQueue, RetryPolicy } from "../../src/queue/types.ts";
import { BAD_CHAIN, expected, makeFrame, makeTasks } from "./frames.ts";

/** The fault switch of every contract queue's workers. */
export const FAULT = "flaky=1;fail=2;hang=3,5-7;slow=4";

/** A queue opened for one case, with its workers. */
export interface ContractQueue {
  queue: FrameQueue;
  /**
   * What the backend still holds for finished work (Redis keys of frames and jobs), as names;
   * cancel markers (`…:cancelled`, which expire by themselves) are not listed.
   */
  leftovers(): Promise<string[]>;
  /** Closes the queue and stops its workers at once. */
  close(): Promise<void>;
}

/** What a backend's test file gives {@link runContract}. */
export interface ContractBackend {
  name: QueueBackendName;
  /** Starts what every case needs (a Redis server); `teardown` stops it. */
  setup(): Promise<{
    /** A fresh queue (a fresh queue name) whose workers inject {@link FAULT}. */
    open(policy?: Partial<RetryPolicy>): Promise<ContractQueue>;
    teardown(): Promise<void>;
  }>;
  /** Options of the Deno.test (e.g. sanitizers). */
  test?: Partial<Deno.TestDefinition>;
}

type Ok = Extract<FrameOutcome, { ok: true }>;
type Failed = Extract<FrameOutcome, { ok: false }>;

function okOf(o: FrameOutcome): Ok {
  assert.ok(o.ok, `frame ${o.index} failed: ${!o.ok && o.reason}`);
  return o as Ok;
}

function failedOf(o: FrameOutcome): Failed {
  assert.equal(o.ok, false, `frame ${o.index} should have failed`);
  return o as Failed;
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await p;
  return [value, performance.now() - t0];
}

/** Waits until `check` returns true (every 50 ms, at most `ms`), else fails with `what`. */
async function eventually(
  check: () => Promise<boolean>,
  ms: number,
  what: () => Promise<string> | string,
) {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) assert.fail(await what());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Slack for timers on a busy shared machine, ms. */
const SLACK = 1500;

/** One case: opens its own queue(s) through `open`. */
type Case = (open: (policy?: Partial<RetryPolicy>) => Promise<ContractQueue>) => Promise<void>;

async function using(
  open: (policy?: Partial<RetryPolicy>) => Promise<ContractQueue>,
  policy: Partial<RetryPolicy>,
  body: (q: FrameQueue, c: ContractQueue) => Promise<void>,
): Promise<void> {
  const c = await open(policy);
  try {
    await body(c.queue, c);
  } finally {
    await c.close();
  }
}

const CASES: [string, Case][] = [
  [
    "success: frames are filtered as FilterEngine does, first try",
    (open) =>
      using(open, {}, async (queue, c) => {
        const tasks = makeTasks("job-ok", 8, 10);
        const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
        for (const [i, o] of outcomes.entries()) {
          const ok = okOf(o);
          assert.equal(ok.index, tasks[i].index);
          assert.equal(ok.attempts, 1);
          assert.ok(ok.worker.length > 0);
          assert.ok(ok.latencyMs >= 0);
          assert.deepEqual(ok.data, await expected(tasks[i]));
        }
        assert.deepEqual(tasks[0].data, makeFrame(11), "the original frame is not modified");
        const workers = await queue.workers();
        assert.ok(workers.length >= 1);
        assert.ok(workers.reduce((a, w) => a + w.processed, 0) >= 8, JSON.stringify(workers));
        assert.equal(await queue.depth(), 0);
        await eventually(
          async () => (await c.leftovers()).length === 0,
          3000,
          async () => `left behind: ${await c.leftovers()}`,
        );
      }),
  ],

  [
    "a flaky frame is retried after the backoff and then succeeds",
    (open) =>
      using(open, { attempts: 3, backoffMs: 150 }, async (queue) => {
        const [task] = makeTasks("job-flaky", 1, 1);
        const [o, ms] = await timed(queue.process(task));
        const ok = okOf(o);
        assert.equal(ok.attempts, 2);
        assert.deepEqual(ok.data, await expected(task));
        assert.ok(ms >= 140, `retry after a 150 ms backoff took only ${ms} ms`);
      }),
  ],

  [
    "a failing frame gives up after the attempts: reason and attempts reported",
    (open) =>
      using(open, { attempts: 3, backoffMs: 20 }, async (queue) => {
        const [task] = makeTasks("job-fail", 1, 2);
        const [o, ms] = await timed(queue.process(task));
        const failed = failedOf(o);
        assert.equal(failed.attempts, 3);
        assert.equal(failed.reason, "FaultInjectedError: injected fault on frame 2, attempt 3");
        assert.ok(ms >= 55, `backoffs of 20 and 40 ms, took ${ms} ms`);
      }),
  ],

  [
    "each attempt has a time limit: a hanging and a slow frame time out",
    (open) =>
      using(open, { attempts: 2, backoffMs: 0, attemptTimeoutMs: 300 }, async (queue) => {
        const [hang] = makeTasks("job-limit", 1, 3);
        const [slow] = makeTasks("job-limit", 1, 4); // the pool terminates and replaces the thread
        const [[h, ms], s] = await Promise.all([timed(queue.process(hang)), queue.process(slow)]);
        assert.deepEqual([failedOf(h).reason, h.attempts], ["timeout after 300 ms", 2]);
        assert.ok(ms >= 590 && ms < 600 + 10 * SLACK, `two 300 ms limits took ${ms} ms`);
        assert.deepEqual([failedOf(s).reason, s.attempts], ["timeout after 300 ms", 2]);
        const [fine] = makeTasks("job-limit", 1, 10);
        assert.deepEqual(okOf(await queue.process(fine)).data, await expected(fine));
      }),
  ],

  [
    "the deadline ends a frame whatever attempts are left, and process() resolves by it",
    (open) =>
      using(
        open,
        { attempts: 5, backoffMs: 0, attemptTimeoutMs: 10_000, deadlineMs: 600 },
        async (queue) => {
          const [task] = makeTasks("job-deadline", 1, 3);
          const [o, ms] = await timed(queue.process(task));
          assert.equal(failedOf(o).reason, "deadline of 600 ms exceeded");
          assert.equal(o.attempts, 1);
          assert.ok(ms >= 595 && ms < 600 + SLACK, `deadline of 600 ms answered after ${ms} ms`);
        },
      ),
  ],

  [
    "a deadline during a backoff keeps the last error",
    (open) =>
      using(open, { attempts: 5, backoffMs: 2000, deadlineMs: 700 }, async (queue) => {
        const [task] = makeTasks("job-deadline2", 1, 2);
        const [o, ms] = await timed(queue.process(task));
        assert.equal(
          failedOf(o).reason,
          "deadline of 700 ms exceeded (last error: FaultInjectedError: injected fault on " +
            "frame 2, attempt 1)",
        );
        assert.equal(o.attempts, 1);
        assert.ok(ms < 700 + SLACK, `answered after ${ms} ms`);
      }),
  ],

  [
    "a chain the filters reject fails at once, without retries",
    (open) =>
      using(open, { attempts: 3, backoffMs: 500 }, async (queue) => {
        const [task] = makeTasks("job-badchain", 1, 0, BAD_CHAIN);
        const [o, ms] = await timed(queue.process(task));
        assert.equal(o.attempts, 1);
        assert.match(failedOf(o).reason, /^FilterChainError: .*unknown filter 'nope'/);
        assert.ok(ms < 500, `no backoff, no retry: took ${ms} ms`);
      }),
  ],

  [
    "cancelJob resolves frames in flight and later ones as cancelled",
    (open) =>
      using(open, { attemptTimeoutMs: 20_000 }, async (queue, c) => {
        const tasks = [...makeTasks("job-cancel", 1, 3), ...makeTasks("job-cancel", 3, 5)];
        const pending = tasks.map((t) => queue.process(t));
        await new Promise((r) => setTimeout(r, 300));
        const [, cancelMs] = await timed(queue.cancelJob("job-cancel"));
        const outcomes = await Promise.all(pending);
        assert.ok(cancelMs < SLACK * 2, `cancelJob took ${cancelMs} ms`);
        for (const o of outcomes) assert.equal(failedOf(o).reason, "cancelled");
        const [late] = makeTasks("job-cancel", 1, 10);
        const lo = await queue.process(late);
        assert.deepEqual([failedOf(lo).reason, lo.attempts], ["cancelled", 0]);
        const [other] = makeTasks("job-other", 1, 11);
        assert.deepEqual(okOf(await queue.process(other)).data, await expected(other));
        // Frames a remote worker is running are dropped by it within a moment (it watches them).
        await eventually(
          async () => (await c.leftovers()).length === 0,
          3000,
          async () => `left behind after cancelJob: ${await c.leftovers()}`,
        );
      }),
  ],

  [
    "the caller's signal resolves a frame as cancelled",
    (open) =>
      using(open, { attemptTimeoutMs: 20_000 }, async (queue) => {
        const [task] = makeTasks("job-signal", 1, 3);
        const ac = new AbortController();
        const pending = queue.process(task, ac.signal);
        await new Promise((r) => setTimeout(r, 100));
        ac.abort();
        const [o, ms] = await timed(pending);
        assert.equal(failedOf(o).reason, "cancelled");
        assert.ok(ms < SLACK, `took ${ms} ms`);
        const gone = await queue.process(makeTasks("job-signal", 1, 10)[0], ac.signal);
        assert.deepEqual([failedOf(gone).reason, gone.attempts], ["cancelled", 0]);
      }),
  ],

  [
    "close() resolves everything outstanding; later frames get 'queue closed'",
    (open) =>
      using(open, { attemptTimeoutMs: 20_000, backoffMs: 5000 }, async (queue) => {
        const tasks = [...makeTasks("job-close", 1, 2), ...makeTasks("job-close", 2, 5)];
        const pending = tasks.map((t) => queue.process(t));
        await new Promise((r) => setTimeout(r, 300)); // frame 2 is in its backoff, 5 and 6 hang
        const [, closeMs] = await timed(queue.close());
        const outcomes = await Promise.all(pending);
        for (const o of outcomes) assert.equal(failedOf(o).reason, "queue closed");
        assert.ok(closeMs < SLACK * 3, `close() took ${closeMs} ms`);
        const late = await queue.process(makeTasks("job-close", 1, 10)[0]);
        assert.deepEqual([failedOf(late).reason, late.attempts], ["queue closed", 0]);
        await queue.close(); // idempotent
      }),
  ],

  [
    "nothing is left behind once a job's frames have ended",
    (open) =>
      using(open, { attempts: 2, backoffMs: 10, attemptTimeoutMs: 300 }, async (queue, c) => {
        const tasks = [10, 11, 1, 2, 3].map((i) => makeTasks("job-clean", 1, i)[0]);
        const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
        assert.deepEqual(outcomes.map((o) => o.ok), [true, true, true, false, false]);
        await eventually(
          async () => (await c.leftovers()).length === 0,
          3000,
          async () => `left behind: ${await c.leftovers()}`,
        );
      }),
  ],

  ["a malformed task rejects with QueueOptionError", (open) =>
    using(open, {}, async (queue) => {
      const [task] = makeTasks("job-bad", 1, 10);
      await assert.rejects(
        queue.process({ ...task, data: new Uint8Array(3) }),
        (e: Error) => e instanceof QueueOptionError && /928 bytes .* got 3/.test(e.message),
      );
      await assert.rejects(
        queue.process({ ...task, chain: "invert" as never }),
        (e: Error) =>
          e instanceof QueueOptionError && /chain .* the string 'invert'/.test(e.message),
      );
      await assert.rejects(queue.process({ ...task, jobId: "" }), QueueOptionError);
      await assert.rejects(queue.cancelJob(""), QueueOptionError);
    })],
];

/** Registers one Deno.test running every contract case against `backend`. */
export function runContract(backend: ContractBackend): void {
  Deno.test({
    name: `FrameQueue contract: ${backend.name}`,
    ...backend.test,
    async fn(t) {
      const env = await backend.setup();
      try {
        for (const [name, run] of CASES) {
          await t.step(name, () => run(env.open));
        }
      } finally {
        await env.teardown();
      }
    },
  });
}
