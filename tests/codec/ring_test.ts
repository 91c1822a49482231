import assert from "node:assert/strict";
// @ts-types="../../src/codec/ring.d.ts"
import { ByteRing, RingCancelledError } from "../../src/codec/ring.js";

Deno.test("ByteRing rounds capacity up to a power of two and validates", () => {
  assert.equal(ByteRing.create(1).capacity, 4096);
  assert.equal(ByteRing.create(5000).capacity, 8192);
  assert.throws(() => ByteRing.create(0), RangeError);
  assert.throws(() => ByteRing.attach(new SharedArrayBuffer(100)), RangeError);
});

Deno.test("ByteRing carries bytes in order across wrap-around, then EOF", async () => {
  const ring = ByteRing.create(4096);
  const reader = ByteRing.attach(ring.buffer);
  const total = 50_000;
  const source = new Uint8Array(total).map((_, i) => (i * 7) % 251);
  const writing = (async () => {
    for (let at = 0; at < total; at += 3000) await ring.write(source.subarray(at, at + 3000));
    ring.close();
  })();
  const got: number[] = [];
  const dst = new Uint8Array(1000);
  while (true) {
    const n = await reader.read(dst);
    if (n === 0) break;
    got.push(...dst.subarray(0, n));
  }
  await writing;
  assert.equal(got.length, total);
  assert.deepEqual(new Uint8Array(got), source);
});

Deno.test("ByteRing.write waits while the ring is full (back-pressure)", async () => {
  const ring = ByteRing.create(4096);
  let done = false;
  const writing = ring.write(new Uint8Array(6000)).then(() => done = true);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done, false, "write must wait for room");
  assert.equal(ring.used, 4096);
  const dst = new Uint8Array(4096);
  assert.equal(await ring.read(dst), 4096);
  await writing;
  assert.equal(done, true);
  assert.equal(ring.used, 6000 - 4096);
});

Deno.test("ByteRing.cancel ends a waiting writer and the reader", async () => {
  const ring = ByteRing.create(4096);
  const writing = ring.write(new Uint8Array(10_000));
  await new Promise((r) => setTimeout(r, 20));
  ring.cancel();
  await assert.rejects(writing, RingCancelledError);
  await assert.rejects(ring.read(new Uint8Array(10)), RingCancelledError);
});

Deno.test("ByteRing.readBlocking works from a worker blocked in Atomics.wait", async () => {
  const ring = ByteRing.create(4096);
  const url = new URL("../../src/codec/ring.js", import.meta.url).href;
  const code = `import { ByteRing } from "${url}";
    self.onmessage = (e) => {
      const ring = ByteRing.attach(e.data);
      const dst = new Uint8Array(777);
      let sum = 0, count = 0;
      while (true) { const n = ring.readBlocking(dst); if (n === 0) break; count += n; for (let i = 0; i < n; i++) sum += dst[i]; }
      self.postMessage({ sum, count });
    };`;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })), {
    type: "module",
  });
  try {
    const result = new Promise<{ sum: number; count: number }>((resolve) =>
      worker.onmessage = (e) => resolve(e.data)
    );
    worker.postMessage(ring.buffer);
    let sum = 0;
    for (let i = 0; i < 20; i++) {
      const chunk = new Uint8Array(1500).fill(i + 1);
      sum += 1500 * (i + 1);
      await ring.write(chunk);
    }
    ring.close();
    assert.deepEqual(await result, { sum, count: 30_000 });
  } finally {
    worker.terminate();
  }
});

Deno.test("ByteRing.reset makes a closed or cancelled ring usable again", async () => {
  const ring = ByteRing.create(4096);
  await ring.write(new Uint8Array([1, 2, 3]));
  ring.cancel();
  ring.reset();
  assert.equal(ring.used, 0);
  assert.equal(ring.cancelled, false);
  await ring.write(new Uint8Array([4, 5]));
  ring.close();
  const dst = new Uint8Array(10);
  assert.equal(await ring.read(dst), 2);
  assert.deepEqual([...dst.subarray(0, 2)], [4, 5]);
  assert.equal(await ring.read(dst), 0);
});
