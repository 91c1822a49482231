import assert from "node:assert/strict";
import { freeBytes } from "../../src/util/free_bytes.ts";

Deno.test("freeBytes: frees a whole buffer once; leaves views, shared and freed buffers alone", () => {
  const whole = new Uint8Array(1024).fill(1);
  assert.equal(freeBytes(whole), true);
  assert.equal(whole.byteLength, 0, "detached: the memory is gone");
  assert.equal(freeBytes(whole), false, "a second call is harmless");

  const big = new Uint8Array(1024);
  const view = big.subarray(16, 32);
  assert.equal(freeBytes(view), false);
  assert.equal(big.byteLength, 1024, "the larger buffer is untouched");

  const shared = new Uint8Array(new SharedArrayBuffer(64));
  assert.equal(freeBytes(shared), false);
  assert.equal(shared.byteLength, 64);
  assert.equal(freeBytes(new Uint8Array(0)), false);
});
