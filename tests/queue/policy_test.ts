import assert from "node:assert/strict";
import { Backoffs } from "bullmq";
import { QueueOptionError } from "../../src/queue/errors.ts";
import { backoffDelay, DEFAULT_POLICY, resolvePolicy } from "../../src/queue/policy.ts";

Deno.test("resolvePolicy fills the documented defaults", () => {
  assert.deepEqual(resolvePolicy(), {
    attempts: 3,
    backoffMs: 100,
    attemptTimeoutMs: 10_000,
    deadlineMs: 60_000,
  });
  assert.deepEqual(resolvePolicy({ attempts: 5 }), { ...DEFAULT_POLICY, attempts: 5 });
  assert.ok(Object.isFrozen(DEFAULT_POLICY));
});

Deno.test("resolvePolicy rejects bad fields, naming the field and the value", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ attempts: 0 }, /policy\.attempts .* got 0/],
    [{ attempts: 1.5 }, /policy\.attempts .* got 1\.5/],
    [{ attempts: 101 }, /policy\.attempts .* got 101/],
    [{ backoffMs: -1 }, /policy\.backoffMs .* got -1/],
    [{ backoffMs: Infinity }, /policy\.backoffMs .* got Infinity/],
    [{ attemptTimeoutMs: 0 }, /policy\.attemptTimeoutMs .* got 0/],
    [{ deadlineMs: NaN }, /policy\.deadlineMs .* got NaN/],
    [{ deadlineMs: "5" }, /policy\.deadlineMs .* got 5/],
  ];
  for (const [p, re] of cases) {
    assert.throws(
      () => resolvePolicy(p),
      (e: Error) => e instanceof QueueOptionError && re.test(e.message),
    );
  }
});

Deno.test("backoffDelay doubles from backoffMs", () => {
  const p = resolvePolicy({ backoffMs: 100 });
  assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelay(p, a)), [100, 200, 400, 800]);
  assert.equal(backoffDelay(resolvePolicy({ backoffMs: 0 }), 3), 0);
  assert.equal(backoffDelay(resolvePolicy({ backoffMs: 33.3 }), 2), 67);
  assert.throws(() => backoffDelay(p, 0), /attempt must be an integer >= 1, got 0/);
});

Deno.test("backoffDelay equals BullMQ's exponential backoff (both backends wait alike)", () => {
  for (const backoffMs of [0, 7, 100, 250]) {
    const p = resolvePolicy({ backoffMs });
    for (let attempt = 1; attempt <= 6; attempt++) {
      const bull = Backoffs.calculate(
        { type: "exponential", delay: backoffMs },
        attempt,
        new Error(),
        undefined as never,
      );
      assert.equal(backoffDelay(p, attempt), bull, `backoffMs=${backoffMs} attempt=${attempt}`);
    }
  }
});
