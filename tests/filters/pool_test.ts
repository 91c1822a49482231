import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { compileChain } from "../../src/filters/compile.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import {
  FilterChainError,
  FilterPoolClosedError,
  FilterTimeoutError,
} from "../../src/filters/errors.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FilterPool, RECYCLE_BYTES, RECYCLE_IDLE_MS } from "../../src/filters/pool.ts";
import { randomBytes } from "./helpers.ts";

const engine = await FilterEngine.create();

Deno.test("pool: results equal the engine's, from every thread, with the caller's data kept", async () => {
  const pool = await FilterPool.create({ size: 2 });
  try {
    assert.equal(pool.size, 2);
    const cases = [
      ["blur=2,grayscale", 33, 17],
      ["boxblur=4:1,edges", 64, 48],
      [parseChain("sepia,hflip"), 5, 3],
      ["pixelate=6,invert", 100, 60],
      ["sharpen=2", 1, 1],
      ["emboss,vflip", 47, 31],
    ] as const;
    const inputs = cases.map(([, w, h], i) => randomBytes(frameSize(w, h), i));
    const copies = inputs.map((d) => d.slice());
    const runs = cases.map(([chain, w, h], i) => pool.run(chain, w, h, inputs[i]));
    // The pool copied the frames: changing them now must not change the results.
    for (const d of inputs) d.fill(7);
    const results = await Promise.all(runs);
    const threads = new Set<number>();
    results.forEach((r, i) => {
      const [chain, w, h] = cases[i];
      const parsed = typeof chain === "string" ? parseChain(chain) : chain;
      assert.deepEqual(r.data, engine.apply(parsed, w, h, copies[i]), `case ${i}`);
      assert.ok(r.thread === 0 || r.thread === 1);
      assert.ok(r.ms >= 0);
      threads.add(r.thread);
    });
    assert.equal(threads.size, 2, "both threads should have taken frames");
    assert.equal(pool.stats().reduce((n, s) => n + s.processed, 0), cases.length);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: takes a CompiledChain, checked once for the job", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const chain = compileChain("blur=1.5,threshold=90");
    const data = randomBytes(frameSize(20, 12), 6);
    const expected = engine.apply(parseChain("blur=1.5,threshold=90"), 20, 12, data);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await pool.run(chain, 20, 12, data)).data, expected, `frame ${i}`);
    }
  } finally {
    await pool.close();
  }
});

Deno.test("pool: runs frames concurrently and queues the rest", async () => {
  const pool = await FilterPool.create({ size: 2 });
  try {
    const data = randomBytes(frameSize(16, 16), 1);
    const runs = [0, 1, 2].map(() => pool.run("invert", 16, 16, data, { simulateBusyMs: 300 }));
    // Both threads took a frame at once; the third waits in the queue.
    assert.deepEqual(pool.stats().map((s) => s.busy), [true, true]);
    const results = await Promise.all(runs);
    const expected = engine.apply(parseChain("invert"), 16, 16, data);
    for (const r of results) assert.deepEqual(r.data, expected);
    assert.deepEqual(pool.stats().map((s) => s.busy), [false, false]);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: a frame over its time limit rejects, its thread is replaced, the pool goes on", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const data = randomBytes(frameSize(8, 8), 2);
    const started = performance.now();
    await assert.rejects(
      pool.run("blur", 8, 8, data, { timeoutMs: 100, simulateBusyMs: 60_000 }),
      (e: unknown) => {
        assert.ok(e instanceof FilterTimeoutError);
        assert.equal(e.timeoutMs, 100);
        assert.equal(e.message, "filter timed out after 100 ms");
        return true;
      },
    );
    assert.ok(
      performance.now() - started < 30_000,
      "the timeout must not wait for the stuck kernel",
    );
    assert.equal(pool.stats()[0].restarts, 1);
    const result = await pool.run("blur", 8, 8, data, { timeoutMs: 10_000 });
    assert.deepEqual(result.data, engine.apply(parseChain("blur"), 8, 8, data));
    assert.equal(result.thread, 0);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: abort rejects queued and running frames with the signal's reason", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const data = randomBytes(frameSize(8, 8), 3);
    const running = new AbortController();
    const queued = new AbortController();
    const a = pool.run("invert", 8, 8, data, { signal: running.signal, simulateBusyMs: 60_000 });
    const b = pool.run("invert", 8, 8, data, { signal: queued.signal });
    const c = pool.run("invert", 8, 8, data);
    queued.abort();
    await assert.rejects(b, (e: unknown) => e instanceof DOMException && e.name === "AbortError");
    running.abort(new Error("stop"));
    await assert.rejects(a, { message: "stop" });
    // The stuck thread was replaced; the remaining frame still gets filtered.
    assert.deepEqual((await c).data, engine.apply(parseChain("invert"), 8, 8, data));
    assert.equal(pool.stats()[0].restarts, 1);
    const done = new AbortController();
    done.abort();
    await assert.rejects(
      pool.run("invert", 8, 8, data, { signal: done.signal }),
      (e: unknown) => e instanceof DOMException && e.name === "AbortError",
    );
  } finally {
    await pool.close();
  }
});

Deno.test("pool: bad input rejects before queueing", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const data = new Uint8Array(frameSize(4, 4));
    await assert.rejects(pool.run("blurr=2", 4, 4, data), (e: unknown) => {
      assert.ok(e instanceof FilterChainError);
      assert.equal(e.position, 0);
      return true;
    });
    await assert.rejects(pool.run([{ name: "blur", params: {} }], 4, 4, data), FilterChainError);
    await assert.rejects(pool.run("invert", 4, 4, new Uint8Array(5)), {
      name: "RangeError",
      message: "data must be a Uint8Array of 24 bytes (yuv420p 4x4), got 5 bytes",
    });
    await assert.rejects(pool.run("invert", 0, 4, data), RangeError);
    await assert.rejects(pool.run("invert", 4, 4, data, { timeoutMs: 0 }), {
      name: "RangeError",
      message: "timeoutMs must be a finite number > 0, got 0",
    });
    assert.deepEqual(pool.stats().map((s) => s.processed), [0]);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: close rejects pending frames and later runs", async () => {
  const pool = await FilterPool.create({ size: 1 });
  const data = new Uint8Array(frameSize(4, 4));
  const running = pool.run("invert", 4, 4, data, { simulateBusyMs: 60_000 });
  const queued = pool.run("invert", 4, 4, data);
  await pool.close();
  await assert.rejects(running, FilterPoolClosedError);
  await assert.rejects(queued, FilterPoolClosedError);
  await assert.rejects(pool.run("invert", 4, 4, data), FilterPoolClosedError);
  await pool.close(); // closing twice is fine
});

Deno.test("pool: create checks its size", async () => {
  for (const size of [0, -1, 1.5, 1000]) {
    await assert.rejects(FilterPool.create({ size }), {
      name: "RangeError",
      message: `pool size must be an integer from 1 to 256, got ${size}`,
    });
  }
  const pool = await FilterPool.create();
  try {
    assert.equal(pool.size, navigator.hardwareConcurrency);
  } finally {
    await pool.close();
  }
});

Deno.test("pool: transfer moves a whole buffer to the thread and back, without a copy", async () => {
  const pool = await FilterPool.create({ size: 2 });
  try {
    const w = 48;
    const h = 30;
    const original = randomBytes(frameSize(w, h), 11);
    const expected = engine.apply(parseChain("boxblur=3:1,invert"), w, h, original);
    const data = original.slice();
    const result = await pool.run("boxblur=3:1,invert", w, h, data, { transfer: true });
    assert.equal(data.length, 0, "the caller's view is detached: its memory went to the thread");
    assert.deepEqual(result.data, expected);
    assert.equal(result.data.buffer.byteLength, frameSize(w, h), "the same-size buffer back");
    // The result can go round again (a buffer cycling between decoder, pool and encoder).
    const again = await pool.run("invert", w, h, result.data, { transfer: true });
    assert.deepEqual(again.data, engine.apply(parseChain("invert"), w, h, expected));

    // A view into a larger buffer, or shared memory, is copied as without the option.
    const big = new Uint8Array(frameSize(w, h) + 16);
    big.set(original, 16);
    const view = big.subarray(16);
    const fromView = await pool.run("boxblur=3:1,invert", w, h, view, { transfer: true });
    assert.deepEqual(fromView.data, expected);
    assert.deepEqual(view, original, "the caller keeps a view it could not give away");
    const shared = new Uint8Array(new SharedArrayBuffer(frameSize(w, h)));
    shared.set(original);
    const fromShared = await pool.run("boxblur=3:1,invert", w, h, shared, { transfer: true });
    assert.deepEqual(fromShared.data, expected);
    assert.deepEqual(shared, original);
  } finally {
    await pool.close();
  }
});

Deno.test("FilterPool: a thread grown by a big frame is replaced once the pool is idle", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const w = 5000, h = 5000; // 37.5 MB a frame: the thread's wasm memory passes RECYCLE_BYTES
    const big = new Uint8Array(w * h * 3 / 2).fill(7);
    const out = await pool.run("invert", w, h, big);
    assert.equal(out.data[0], 248);
    const grown = pool.stats()[0];
    assert.ok(grown.memoryBytes > RECYCLE_BYTES, `memory ${grown.memoryBytes}`);
    assert.equal(grown.recycled, 0);
    const end = Date.now() + RECYCLE_IDLE_MS + 10_000;
    while (Date.now() < end && pool.stats()[0].recycled === 0) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const fresh = pool.stats()[0];
    assert.equal(fresh.recycled, 1, "replaced to give its memory back");
    assert.equal(fresh.restarts, 0, "a planned replacement is not a restart");
    assert.equal(fresh.processed, 1);
    // The fresh thread works, and small frames do not trigger another replacement.
    const small = await pool.run("invert", 4, 4, new Uint8Array(24).fill(1));
    assert.equal(small.data[0], 254);
    assert.ok(pool.stats()[0].memoryBytes < RECYCLE_BYTES);
  } finally {
    await pool.close();
  }
});
