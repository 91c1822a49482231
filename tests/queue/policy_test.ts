import assert from "node:assert/strict";
import { FilterChainError, FilterTimeoutError } from "../../src/filters/errors.ts";
import {
  AttemptTimeoutError,
  FaultInjectedError,
  QueueOptionError,
  RemoteAttemptError,
  WorkLostError,
} from "../../src/queue/errors.ts";
import {
  backoffDelay,
  DEFAULT_POLICY,
  describeError,
  isPermanent,
  requeueDelay,
  resolvePolicy,
} from "../../src/queue/policy.ts";

Deno.test("resolvePolicy fills the documented defaults", () => {
  assert.deepEqual(resolvePolicy(), {
    attempts: 3,
    backoffMs: 100,
    attemptTimeoutMs: 10_000,
    deadlineMs: 60_000,
    noWorkerTimeoutMs: 30_000,
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
    [{ noWorkerTimeoutMs: 0 }, /policy\.noWorkerTimeoutMs .* got 0/],
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

Deno.test("requeueDelay: 250 ms doubling, capped at 2 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 40].map(requeueDelay), [250, 500, 1000, 2000, 2000, 2000]);
  assert.throws(() => requeueDelay(0), /lost must be an integer >= 1, got 0/);
});

Deno.test("isPermanent: bad chains and sizes, and what a remote worker says", () => {
  assert.equal(isPermanent(new FilterChainError("unknown filter 'x'", 0)), true);
  assert.equal(isPermanent(new RangeError("frame size")), true);
  assert.equal(
    isPermanent(new RemoteAttemptError("FilterChainError: x", { permanent: true })),
    true,
  );
  assert.equal(isPermanent(new RemoteAttemptError("timeout after 5 ms")), false);
  assert.equal(isPermanent(new FaultInjectedError("boom")), false);
  assert.equal(isPermanent(new WorkLostError("gone")), false);
  assert.equal(isPermanent("text"), false);
});

Deno.test("describeError words reasons the same on every backend", () => {
  assert.equal(describeError(new FilterTimeoutError(300), 300), "timeout after 300 ms");
  assert.equal(describeError(new AttemptTimeoutError("x"), 400), "timeout after 400 ms");
  assert.equal(describeError(new FaultInjectedError("boom"), 1), "FaultInjectedError: boom");
  assert.equal(describeError(new RemoteAttemptError("as sent"), 1), "as sent");
  assert.equal(describeError(new WorkLostError("job vanished"), 1), "job vanished");
  assert.equal(describeError(new Error("plain"), 1), "plain");
  assert.equal(describeError(42, 1), "42");
});
