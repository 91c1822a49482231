import assert from "node:assert/strict";
import { ReorderBuffer, ReorderError } from "../../src/util/reorder.ts";

Deno.test("reorder: releases items in index order whatever the arrival order", () => {
  const buf = new ReorderBuffer<string>();
  assert.deepEqual(buf.push(2, "c"), []);
  assert.deepEqual(buf.push(1, "b"), []);
  assert.equal(buf.pending, 2);
  assert.deepEqual(buf.heldIndices(), [1, 2]);
  assert.deepEqual(buf.push(0, "a"), ["a", "b", "c"]);
  assert.equal(buf.next, 3);
  assert.equal(buf.pending, 0);
  assert.deepEqual(buf.push(3, "d"), ["d"]);
});

Deno.test("reorder: a random permutation comes out sorted", () => {
  const n = 500;
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 7;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const buf = new ReorderBuffer<number>();
  const out: number[] = [];
  for (const i of order) out.push(...buf.push(i, i * 10));
  assert.deepEqual(out, Array.from({ length: n }, (_, i) => i * 10));
});

Deno.test("reorder: duplicates and bad indices are errors naming the index", () => {
  const buf = new ReorderBuffer<number>(5);
  assert.throws(
    () => buf.push(4, 0),
    (e) => e instanceof ReorderError && /frame 4 arrived twice/.test(e.message),
  );
  buf.push(7, 0);
  assert.throws(() => buf.push(7, 0), /frame 7 arrived twice/);
  assert.throws(() => buf.push(-1, 0), /got -1/);
  assert.throws(() => buf.push(1.5, 0), /got 1.5/);
  assert.throws(() => new ReorderBuffer(-2), /got -2/);
  buf.clear();
  assert.equal(buf.pending, 0);
});
