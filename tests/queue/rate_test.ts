import assert from "node:assert/strict";
import { rateWindow, TokenBucket } from "../../src/queue/rate.ts";

Deno.test("TokenBucket: burst then one start per 1000/rate ms, FIFO", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, now: () => now });
  assert.deepEqual([bucket.reserve(), bucket.reserve()], [0, 0]);
  // Further callers queue behind each other: 100 ms, 200 ms, 300 ms.
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [100, 200, 300]);
  now = 1000; // 10 tokens added to the debt of 3: capped at the burst (2), not beyond
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 100]);
});

Deno.test("TokenBucket: refund returns a token", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 4, now: () => now });
  assert.equal(bucket.reserve(), 0);
  assert.equal(bucket.reserve(), 250);
  bucket.refund();
  assert.equal(bucket.reserve(), 250);
  now = 250;
  assert.equal(bucket.reserve(), 250);
});

Deno.test("TokenBucket.take waits, and rejects with the abort reason", async () => {
  const bucket = new TokenBucket({ ratePerSecond: 20 });
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) await bucket.take();
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 140, `4 takes at 20/s with burst 1 took ${elapsed} ms, want >= 150`);
  const ac = new AbortController();
  const p = bucket.take(ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
});

Deno.test("TokenBucket and rateWindow check their arguments", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0 }), /ratePerSecond .* got 0/);
  assert.throws(() => new TokenBucket({ ratePerSecond: 5, burst: 0 }), /burst .* got 0/);
  assert.throws(() => rateWindow(-3), /ratePerSecond .* got -3/);
  assert.throws(() => rateWindow(Infinity), /ratePerSecond .* got Infinity/);
});

Deno.test("rateWindow: ~100 ms windows whose rate matches", () => {
  assert.deepEqual(rateWindow(64), { max: 6, duration: 94 });
  assert.deepEqual(rateWindow(10), { max: 1, duration: 100 });
  assert.deepEqual(rateWindow(0.5), { max: 1, duration: 2000 });
  assert.deepEqual(rateWindow(1000), { max: 100, duration: 100 });
  for (const r of [1, 3, 24, 30, 64, 120, 500]) {
    const { max, duration } = rateWindow(r);
    const actual = (max * 1000) / duration;
    assert.ok(Math.abs(actual - r) / r < 0.05, `rate ${r} → ${max}/${duration} ms = ${actual}/s`);
  }
});
