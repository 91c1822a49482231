import assert from "node:assert/strict";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { QueueOptionError } from "../../src/queue/errors.ts";
import type { FrameOutcome } from "../../src/queue/types.ts";
import { expected, makeFrame, makeTasks } from "./frames.ts";

function okOf(o: FrameOutcome) {
  assert.ok(o.ok, `frame ${o.index} failed: ${!o.ok && o.reason}`);
  return o as Extract<FrameOutcome, { ok: true }>;
}

Deno.test("EmbeddedQueue: results equal FilterEngine's, spread over the threads", async () => {
  const queue = await EmbeddedQueue.create({ threads: 2, fault: "" });
  try {
    assert.equal(queue.backend, "embedded");
    const tasks = makeTasks("job-a", 12);
    const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
    for (const [i, o] of outcomes.entries()) {
      const ok = okOf(o);
      assert.equal(ok.index, i);
      assert.equal(ok.attempts, 1);
      assert.deepEqual(ok.data, await expected(tasks[i]));
      assert.ok(ok.latencyMs >= 0);
      assert.match(ok.worker, /^.+:\d+\/t[01]$/);
    }
    // the original frames are not modified
    assert.deepEqual(tasks[3].data, makeFrame(4));
    const workers = await queue.workers();
    assert.equal(workers.length, 2);
    assert.equal(workers.reduce((a, w) => a + w.processed, 0), 12);
    assert.ok(workers.every((w) => w.busy === 0));
    assert.equal(await queue.depth(), 0);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: flaky frames retried, failing frames give up after attempts", async () => {
  const queue = await EmbeddedQueue.create({
    threads: 2,
    fault: "flaky=1,4;fail=2",
    policy: { attempts: 3, backoffMs: 20 },
  });
  try {
    const tasks = makeTasks("job-b", 6);
    const t0 = performance.now();
    const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
    const elapsed = performance.now() - t0;
    for (const i of [0, 3, 5]) assert.equal(okOf(outcomes[i]).attempts, 1);
    for (const i of [1, 4]) {
      const ok = okOf(outcomes[i]);
      assert.equal(ok.attempts, 2, `flaky frame ${i}`);
      assert.deepEqual(ok.data, await expected(tasks[i]));
    }
    const failed = outcomes[2];
    assert.equal(failed.ok, false);
    assert.equal(failed.attempts, 3);
    assert.match(
      !failed.ok ? failed.reason : "",
      /FaultInjectedError: injected fault on frame 2, attempt 3/,
    );
    // backoff 20 ms then 40 ms before the 2nd and 3rd attempts of frame 2
    assert.ok(elapsed >= 55, `3 attempts with backoff took only ${elapsed} ms`);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: a hanging frame times out on every attempt, the others still run", async () => {
  const queue = await EmbeddedQueue.create({
    threads: 2,
    fault: "hang=1",
    policy: { attempts: 2, backoffMs: 0, attemptTimeoutMs: 300 },
  });
  try {
    const tasks = makeTasks("job-c", 4);
    const t0 = performance.now();
    const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
    const elapsed = performance.now() - t0;
    const hung = outcomes[1];
    assert.equal(hung.ok, false);
    assert.equal(hung.attempts, 2);
    assert.equal(!hung.ok && hung.reason, "timeout after 300 ms");
    assert.ok(elapsed >= 550 && elapsed < 10_000, `two 300 ms timeouts took ${elapsed} ms`);
    for (const i of [0, 2, 3]) assert.deepEqual(okOf(outcomes[i]).data, await expected(tasks[i]));
    // the pool still has two working threads
    const again = makeTasks("job-c2", 4).filter((t) => t.index !== 1);
    for (const o of await Promise.all(again.map((t) => queue.process(t)))) okOf(o);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: a slow thread is terminated by the pool's time limit", async () => {
  // slow=0 busy-waits the filter thread for 1 s; the 300 ms limit makes the pool replace it
  const queue = await EmbeddedQueue.create({
    threads: 1,
    fault: "slow=0",
    policy: { attempts: 1, attemptTimeoutMs: 300 },
  });
  try {
    const [slow, fine] = makeTasks("job-s", 2);
    const o = await queue.process(slow);
    assert.deepEqual([o.ok, !o.ok && o.reason, o.attempts], [false, "timeout after 300 ms", 1]);
    // the replacement thread filters the next frame
    assert.deepEqual(okOf(await queue.process(fine)).data, await expected(fine));
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: a chain the filters reject fails at once, without retries", async () => {
  const queue = await EmbeddedQueue.create({ threads: 1, fault: "", policy: { attempts: 3 } });
  try {
    const [task] = makeTasks("job-x", 1, 0, "nope");
    const o = await queue.process(task);
    assert.equal(o.ok, false);
    assert.equal(o.attempts, 1);
    assert.match(!o.ok ? o.reason : "", /^FilterChainError: unknown filter 'nope'/);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: the deadline ends a frame whatever the attempts left", async () => {
  const queue = await EmbeddedQueue.create({
    threads: 1,
    fault: "hang=0",
    policy: { attempts: 5, backoffMs: 0, attemptTimeoutMs: 10_000, deadlineMs: 250 },
  });
  try {
    const t0 = performance.now();
    const [o] = await Promise.all(makeTasks("job-d", 1).map((t) => queue.process(t)));
    const elapsed = performance.now() - t0;
    assert.equal(o.ok, false);
    assert.match(!o.ok ? o.reason : "", /^deadline of 250 ms exceeded/);
    assert.ok(elapsed < 5000, `deadline took ${elapsed} ms`);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: rate limit is honoured roughly", async () => {
  const queue = await EmbeddedQueue.create({ threads: 2, ratePerSecond: 40, fault: "" });
  try {
    const tasks = makeTasks("job-e", 21);
    const t0 = performance.now();
    const outcomes = await Promise.all(tasks.map((t) => queue.process(t)));
    const elapsed = performance.now() - t0;
    assert.ok(outcomes.every((o) => o.ok));
    // 21 frames at 40/s with burst 1: the 21st starts 500 ms after the first
    assert.ok(elapsed >= 480, `21 frames at 40/s took ${elapsed} ms, want >= 500`);
    assert.ok(elapsed < 10_000, `21 frames at 40/s took ${elapsed} ms`);
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: cancelJob resolves frames in flight and later ones as cancelled", async () => {
  const queue = await EmbeddedQueue.create({
    threads: 1,
    fault: "hang=0-2",
    policy: { attemptTimeoutMs: 30_000 },
  });
  try {
    const tasks = makeTasks("job-f", 3);
    const other = makeTasks("job-g", 4)[3]; // index 3: no fault
    const pending = tasks.map((t) => queue.process(t));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await queue.cancelJob("job-f");
    const outcomes = await Promise.all(pending);
    assert.ok(performance.now() - t0 < 3000, "cancelled frames resolve promptly");
    for (const o of outcomes) assert.deepEqual([o.ok, !o.ok && o.reason], [false, "cancelled"]);
    const late = await queue.process({ ...tasks[0], index: 9 });
    assert.deepEqual([late.ok, !late.ok && late.reason, late.attempts], [false, "cancelled", 0]);
    // another job still runs on the (replaced) thread
    okOf(await queue.process(other));
  } finally {
    await queue.close();
  }
});

Deno.test("EmbeddedQueue: caller's signal and close() resolve frames, bad input rejects", async () => {
  const queue = await EmbeddedQueue.create({ threads: 1, fault: "hang=0,1" });
  const [a, b] = makeTasks("job-h", 2);
  const ac = new AbortController();
  const pa = queue.process(a, ac.signal);
  const pb = queue.process(b);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await queue.depth(), 1);
  ac.abort();
  const oa = await pa;
  assert.deepEqual([oa.ok, !oa.ok && oa.reason], [false, "cancelled"]);
  await queue.close();
  const ob = await pb;
  assert.deepEqual([ob.ok, !ob.ok && ob.reason], [false, "queue closed"]);
  await assert.rejects(
    queue.process({ ...a, data: new Uint8Array(3) }),
    (e: Error) => e instanceof QueueOptionError && /928 bytes .* got 3/.test(e.message),
  );
  await assert.rejects(EmbeddedQueue.create({ threads: 0 }), /threads must be .* got 0/);
  await assert.rejects(EmbeddedQueue.create({ ratePerSecond: -1 }), /ratePerSecond .* got -1/);
  await assert.rejects(EmbeddedQueue.create({ fault: "oops" }), /must start with kind=INDICES/);
});
