import assert from "node:assert/strict";
import { FrameRecycler } from "../../src/codec/frame_recycler.ts";

Deno.test("FrameRecycler hands out new buffers, then the ones given back", () => {
  const recycler = new FrameRecycler(2);
  recycler.frameBytes = 24;
  const a = recycler.take();
  const b = recycler.take();
  assert.equal(a.length, 24);
  assert.notEqual(a.buffer, b.buffer);
  a.fill(9);
  assert.equal(recycler.give(a), true);
  const again = recycler.take();
  assert.equal(again, a, "the spare is reused");
  assert.equal(again[0], 9, "old contents stay: the decoder overwrites them");
  assert.deepEqual(recycler.stats, { taken: 3, reused: 1 });
});

Deno.test("FrameRecycler ignores buffers that do not fit and frees those it has no room for", () => {
  const recycler = new FrameRecycler(1);
  assert.equal(recycler.give(new Uint8Array(24)), false, "no frame size yet");
  recycler.frameBytes = 24;
  const big = new Uint8Array(48);
  assert.equal(recycler.give(big.subarray(0, 24)), false, "a view into a larger buffer");
  assert.equal(big.length, 48, "left alone");
  const shared = new Uint8Array(new SharedArrayBuffer(24));
  assert.equal(recycler.give(shared), false, "shared memory");
  assert.equal(shared.length, 24);
  assert.equal(recycler.give(new Uint8Array(23)), false, "another size");

  const kept = new Uint8Array(24);
  assert.equal(recycler.give(kept), true);
  assert.equal(recycler.give(kept), false, "given twice: ignored");
  assert.equal(kept.length, 24, "a spare is never freed");
  const extra = new Uint8Array(24);
  assert.equal(recycler.give(extra), false, "no room");
  assert.equal(extra.length, 0, "freed at once (detached), not left to the garbage collector");
  assert.equal(recycler.spare, 1);

  recycler.frameBytes = 12;
  assert.equal(recycler.spare, 0, "a new frame size drops the spares");
  assert.throws(() => new FrameRecycler(-1), /maxSpare must be an integer >= 0, got -1/);
});

Deno.test("FrameRecycler with no spares frees everything given back", () => {
  const recycler = new FrameRecycler(0);
  recycler.frameBytes = 8;
  const frame = recycler.take();
  assert.equal(recycler.give(frame), false);
  assert.equal(frame.length, 0);
  assert.equal(recycler.take().length, 8);
});

Deno.test("FrameRecycler.close frees the spares and every buffer given back afterwards", () => {
  const recycler = new FrameRecycler(4);
  recycler.frameBytes = 24;
  const spare = recycler.take();
  const inFlight = recycler.take();
  assert.equal(recycler.give(spare), true);
  recycler.close();
  assert.equal(spare.length, 0, "the spare is freed (detached) at once");
  assert.equal(recycler.spare, 0);
  assert.equal(recycler.give(inFlight), false, "a frame given back after the end is not kept");
  assert.equal(inFlight.length, 0, "but freed at once");
  assert.equal(recycler.take().length, 24, "take still works, with new buffers");
});
