import assert from "node:assert/strict";
import { fps, latencySummary, percentile, percentiles } from "../../src/util/stats.ts";

Deno.test("percentile: nearest rank on 1..100", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 95), 95);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile(values, 100), 100);
  assert.equal(values[0], 100, "input not modified");
});

Deno.test("percentile: small sets and a single value", () => {
  assert.deepEqual(percentiles([10, 20, 30, 40], [25, 50, 75, 76]), [10, 20, 30, 40]);
  assert.deepEqual(percentiles([7], [0, 50, 99]), [7, 7, 7]);
  assert.deepEqual(percentiles([], [50, 99]), [0, 0]);
  assert.deepEqual(percentiles([3, 1, 2], [50]), [2]);
});

Deno.test("percentile: bad arguments say what was seen", () => {
  assert.throws(() => percentile([1], 101), /\[0, 100\], got 101/);
  assert.throws(() => percentile([1], -1), /got -1/);
  assert.throws(() => percentile([1, Number.NaN], 50), /finite numbers, got NaN/);
});

Deno.test("latencySummary and fps round as documented", () => {
  const values = Array.from({ length: 1000 }, (_, i) => i + 0.123);
  assert.deepEqual(latencySummary(values), { p50: 499.1, p95: 949.1, p99: 989.1 });
  assert.deepEqual(latencySummary([]), { p50: 0, p95: 0, p99: 0 });
  assert.equal(fps(120, 4000), 30);
  assert.equal(fps(10, 3000), 3.33);
  assert.equal(fps(10, 0), 0);
});
