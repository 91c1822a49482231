import assert from "node:assert/strict";
import { acquireAll, Semaphore, SemaphoreAbortedError } from "../../src/util/semaphore.ts";

Deno.test("semaphore: rejects bad permit counts with the value seen", () => {
  assert.throws(() => new Semaphore(0), /integer >= 1, got 0/);
  assert.throws(() => new Semaphore(1.5), /got 1.5/);
  assert.throws(() => new Semaphore(Number.NaN), /got NaN/);
});

Deno.test("semaphore: at most `permits` holders, FIFO order, double release is harmless", async () => {
  const sem = new Semaphore(2);
  const a = await sem.acquire();
  const b = await sem.acquire();
  assert.equal(sem.available, 0);
  assert.equal(sem.tryAcquire(), undefined);
  const order: string[] = [];
  const c = sem.acquire().then((r) => (order.push("c"), r));
  const d = sem.acquire().then((r) => (order.push("d"), r));
  assert.equal(sem.waiting, 2);
  a();
  a(); // second call must not free a second permit
  const rc = await c;
  assert.deepEqual(order, ["c"]);
  assert.equal(sem.waiting, 1);
  b();
  const rd = await d;
  assert.deepEqual(order, ["c", "d"]);
  rc();
  rd();
  assert.equal(sem.available, 2);
});

Deno.test("semaphore: never more than `permits` concurrent holders under load", async () => {
  const sem = new Semaphore(3);
  let holders = 0;
  let peak = 0;
  await Promise.all(Array.from({ length: 40 }, async (_, i) => {
    const release = await sem.acquire();
    holders++;
    peak = Math.max(peak, holders);
    await new Promise((r) => setTimeout(r, i % 3));
    holders--;
    release();
  }));
  assert.equal(peak, 3);
  assert.equal(sem.available, 3);
});

Deno.test("semaphore: an aborted wait rejects and leaves no permit held", async () => {
  const sem = new Semaphore(1);
  const held = await sem.acquire();
  const ctl = new AbortController();
  const waiting = sem.acquire(ctl.signal);
  ctl.abort(new Error("client left"));
  await assert.rejects(
    waiting,
    (e) => e instanceof SemaphoreAbortedError && /client left/.test(e.message),
  );
  assert.equal(sem.waiting, 0);
  held();
  assert.equal(sem.available, 1);
  await assert.rejects(sem.acquire(ctl.signal), SemaphoreAbortedError);
});

Deno.test("acquireAll: takes every semaphore, gives all back, and undoes partial holds on abort", async () => {
  const perJob = new Semaphore(1);
  const total = new Semaphore(1);
  const release = await acquireAll([perJob, total]);
  assert.equal(perJob.available, 0);
  assert.equal(total.available, 0);
  release();
  release();
  assert.equal(perJob.available, 1);
  assert.equal(total.available, 1);

  const blocker = await total.acquire();
  const ctl = new AbortController();
  const p = acquireAll([perJob, total], ctl.signal);
  await new Promise((r) => setTimeout(r, 1));
  assert.equal(perJob.available, 0, "first permit taken while waiting for the second");
  ctl.abort();
  await assert.rejects(p, SemaphoreAbortedError);
  assert.equal(perJob.available, 1, "first permit given back");
  blocker();
});
