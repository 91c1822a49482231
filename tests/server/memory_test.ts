/** Memory admission without sockets: the estimate, the budget, the gate, the preview samples. */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import type { FrameOutcome, FrameQueue, FrameTask } from "../../src/queue/types.ts";
import {
  DECODER_FRAMES,
  defaultMaxMemoryBytes,
  describeRefusal,
  ENCODER_FRAMES,
  estimateJobBytes,
  FRAME_COPIES,
  JOB_BASE_BYTES,
  MemoryBudget,
  MemoryWaitTimeoutError,
  planJobMemory,
  SAMPLE_FRAMES,
} from "../../src/server/memory.ts";
import { MemoryGate, MemoryRefusedError } from "../../src/server/memory_gate.ts";
import { boundedSamples, shrinkSample, shrinkYuv420 } from "../../src/server/preview_samples.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { Semaphore } from "../../src/util/semaphore.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

Deno.test("estimate: frames × (copies × in flight + decoder + samples + encoder) + base", () => {
  const f = planeLayout(7680, 4320).total;
  assert.equal(f, 7680 * 4320 * 1.5);
  assert.equal(
    estimateJobBytes(f, 2),
    f * (FRAME_COPIES * 2 + DECODER_FRAMES + SAMPLE_FRAMES + ENCODER_FRAMES) + JOB_BASE_BYTES,
  );
});

Deno.test("planJobMemory: small frames keep max-in-flight; big ones are capped; too big refused", () => {
  const p720 = planJobMemory({ width: 1280, height: 720, maxInFlight: 16, limitBytes: 4 * GiB });
  assert.equal(p720.inFlight, 16);
  assert.ok(p720.fits && p720.estimateBytes < 200 * MiB, `${p720.estimateBytes}`);

  // 8K: 47.5 MiB frames; 512 MiB of frames in flight with 3 copies → 3 frames.
  const p8k = planJobMemory({ width: 7680, height: 4320, maxInFlight: 16, limitBytes: 6 * GiB });
  assert.equal(p8k.inFlight, 3);
  assert.equal(p8k.estimateBytes, estimateJobBytes(p8k.frameBytes, 3));
  assert.ok(p8k.fits);

  // A limit between the 1-frame and 3-frame estimates: in flight lowered to fit.
  const one = estimateJobBytes(p8k.frameBytes, 1);
  const squeezed = planJobMemory({
    width: 7680,
    height: 4320,
    maxInFlight: 16,
    limitBytes: one + p8k.frameBytes * FRAME_COPIES,
  });
  assert.equal(squeezed.inFlight, 2);
  assert.ok(squeezed.fits);

  // Under the 1-frame estimate: does not fit; the reason gives the estimate and the limit.
  const refused = planJobMemory({ width: 7680, height: 4320, maxInFlight: 16, limitBytes: GiB });
  assert.equal(refused.inFlight, 1);
  assert.equal(refused.fits, false);
  assert.match(
    describeRefusal(refused, GiB),
    /^7680x4320 frames need about 2\.\d GiB \(47 MiB per frame × \(3 copies × 1 in flight \+ 9 decoded ahead \+ 2 preview \+ 40 in the encoder\) \+ 64 MiB\), more than this server's memory limit of 1\.0 GiB \(--max-memory-mb 1024\)$/,
  );
  assert.throws(() => planJobMemory({ width: 0, height: 1, maxInFlight: 1, limitBytes: 1 }));
  assert.throws(() => planJobMemory({ width: 1, height: 1, maxInFlight: 0, limitBytes: 1 }));
});

Deno.test("defaultMaxMemoryBytes: a quarter of the machine, 512 MiB .. 16 GiB", () => {
  assert.equal(defaultMaxMemoryBytes(24 * GiB), 6 * GiB);
  assert.equal(defaultMaxMemoryBytes(GiB), 512 * MiB);
  assert.equal(defaultMaxMemoryBytes(256 * GiB), 16 * GiB);
  const here = defaultMaxMemoryBytes();
  assert.ok(here >= 512 * MiB && here <= 16 * GiB);
});

Deno.test("MemoryBudget: takes what fits, waits in order, times out, aborts", async () => {
  assert.throws(() => new MemoryBudget(0), RangeError);
  const b = new MemoryBudget(100);
  const a = b.tryTake(60)!;
  assert.equal(b.tryTake(50), undefined);
  await assert.rejects(b.take(101), RangeError);
  const order: string[] = [];
  const big = b.take(80).then((r) => {
    order.push("big");
    return r;
  });
  const small = b.take(10).then((r) => {
    order.push("small");
    return r;
  });
  assert.equal(b.waiting, 2);
  // First come, first served: the small one does not overtake the big one…
  assert.equal(b.tryTake(10), undefined);
  a();
  a();
  const rBig = await big;
  const rSmall = await small;
  assert.deepEqual(order, ["big", "small"]);
  assert.equal(b.reservedBytes, 90);
  await assert.rejects(b.take(50, { timeoutMs: 20 }), MemoryWaitTimeoutError);
  const stop = new AbortController();
  const aborted = b.take(50, { signal: stop.signal });
  stop.abort(new Error("gone"));
  await assert.rejects(aborted, /gone/);
  assert.equal(b.waiting, 0);
  rBig();
  rSmall();
  assert.equal(b.reservedBytes, 0);
  // …but when the first waiter leaves, the ones behind it that fit go.
  const hold = b.tryTake(90)!;
  const stop2 = new AbortController();
  const blocked = b.take(50, { signal: stop2.signal });
  const fits = b.take(10);
  stop2.abort("x");
  await assert.rejects(blocked);
  (await fits)();
  hold();
  assert.equal(b.reservedBytes, 0);
});

/** A queue that answers every frame at once and records what it saw. */
function fakeQueue(): FrameQueue & { tasks: FrameTask[] } {
  const tasks: FrameTask[] = [];
  return {
    backend: "embedded",
    tasks,
    process(task: FrameTask): Promise<FrameOutcome> {
      tasks.push(task);
      return Promise.resolve({
        ok: true,
        index: task.index,
        data: task.data,
        worker: "w",
        attempts: 1,
        latencyMs: 1,
      });
    },
    cancelJob: () => Promise.resolve(),
    workers: () => Promise.resolve([]),
    depth: () => Promise.resolve(0),
    close: () => Promise.reject(new Error("the gate must not close the server's queue")),
  };
}

const task = (width: number, height: number, index = 0) =>
  ({ jobId: "j", index, width, height, data: new Uint8Array(0) }) as unknown as FrameTask;

Deno.test("MemoryGate: one frame in flight until frame 0 is granted, then the planned number", async () => {
  const queue = fakeQueue();
  const budget = new MemoryBudget(6 * GiB);
  const base = budget.tryTake(JOB_BASE_BYTES)!;
  const sem = new Semaphore(16);
  const gate = new MemoryGate({
    queue,
    budget,
    heldBytes: JOB_BASE_BYTES,
    inFlight: sem,
    maxInFlight: 16,
    waitMs: 1000,
  });
  assert.equal(sem.available, 1);
  const frame0 = sem.tryAcquire()!;
  const out = await gate.process(task(7680, 4320));
  assert.equal(out.ok, true);
  assert.equal(gate.plan?.inFlight, 3);
  // Frame 0 holds one permit; two more are free now.
  assert.equal(sem.available, 2);
  assert.equal(budget.reservedBytes, gate.plan!.estimateBytes);
  await gate.process(task(7680, 4320, 1));
  assert.equal(queue.tasks.length, 2);
  await gate.close();
  frame0();
  gate.dispose();
  gate.dispose();
  base();
  assert.equal(sem.available, 16);
  assert.equal(budget.reservedBytes, 0);
});

Deno.test("MemoryGate: too-large and timeout refusals reach the session and reject the frame", async () => {
  const queue = fakeQueue();
  const budget = new MemoryBudget(GiB);
  const refusals: MemoryRefusedError[] = [];
  const gate = new MemoryGate({
    queue,
    budget,
    heldBytes: 0,
    inFlight: new Semaphore(4),
    maxInFlight: 4,
    waitMs: 1000,
    onRefused: (e) => refusals.push(e),
  });
  await assert.rejects(gate.process(task(7680, 4320)), MemoryRefusedError);
  await assert.rejects(gate.process(task(7680, 4320, 1)), /more than this server's memory limit/);
  assert.equal(refusals.length, 1);
  assert.equal(refusals[0].code, "too-large");
  assert.equal(queue.tasks.length, 0);
  gate.dispose();

  // Fits the limit, but another job holds the memory past the wait.
  const other = budget.tryTake(900 * MiB)!;
  const waiting = new MemoryGate({
    queue,
    budget,
    heldBytes: 0,
    inFlight: new Semaphore(4),
    maxInFlight: 4,
    waitMs: 50,
    onRefused: (e) => refusals.push(e),
  });
  const t0 = performance.now();
  await assert.rejects(
    waiting.process(task(1280, 720)),
    /no memory for this job within 0.05 s: its 1280x720 frames need about \d+ MiB/,
  );
  assert.ok(performance.now() - t0 >= 45);
  assert.equal(refusals.at(-1)?.code, "timeout");

  // Held, then granted when the other job gives its memory back.
  const held = new MemoryGate({
    queue,
    budget,
    heldBytes: 0,
    inFlight: new Semaphore(4),
    maxInFlight: 4,
    waitMs: 5000,
  });
  const pending = held.process(task(1280, 720));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(budget.waiting, 1);
  other();
  assert.equal((await pending).ok, true);
  held.dispose();
  waiting.dispose();
  assert.equal(budget.reservedBytes, 0);
});

Deno.test("shrinkYuv420: block averages per plane, sizes rounded up", () => {
  const w = 10, h = 6;
  const l = planeLayout(w, h);
  const data = new Uint8Array(l.total);
  for (let i = 0; i < l.ySize; i++) data[i] = (i % w) < 5 ? 10 : 20;
  data.fill(100, l.uOffset, l.vOffset);
  data.fill(200, l.vOffset);
  const s = shrinkYuv420(data, w, h, 5);
  assert.deepEqual([s.width, s.height], [2, 2]);
  const o = planeLayout(2, 2);
  assert.equal(s.data.length, o.total);
  assert.deepEqual([...s.data.subarray(0, o.ySize)], [10, 20, 10, 20]);
  assert.deepEqual([...s.data.subarray(o.uOffset, o.vOffset)], [100]);
  assert.deepEqual([...s.data.subarray(o.vOffset)], [200]);
  assert.equal(shrinkYuv420(data, w, h, 1).data, data);
  assert.throws(() => shrinkYuv420(data, w, h + 1, 2), RangeError);
  assert.throws(() => shrinkYuv420(data, w, h, 0), RangeError);
  // An 8K frame becomes a 640-px one.
  const big = {
    index: 0,
    width: 7680,
    height: 4320,
    original: new Uint8Array(planeLayout(7680, 4320).total),
    processed: new Uint8Array(planeLayout(7680, 4320).total),
  };
  const small = shrinkSample(big);
  assert.deepEqual([small.width, small.height], [640, 360]);
  assert.equal(small.original.length, planeLayout(640, 360).total);
  assert.equal(small.processed!.length, planeLayout(640, 360).total);
  const tiny = { ...big, width: 160, height: 120, original: new Uint8Array(28800) };
  assert.equal(shrinkSample(tiny), tiny);
});

Deno.test("boundedSamples: the job's registry stores shrunk samples, the rest is the registry's", () => {
  const registry = new JobRegistry();
  const view = boundedSamples(registry);
  const result = { jobId: "j1", state: "running", startedAt: new Date().toISOString() };
  const record = view.add(result as unknown as JobResult);
  assert.equal(registry.get("j1"), record);
  let changes = 0;
  registry.addEventListener("change", () => changes++);
  view.changed("j1");
  assert.equal(changes, 1);
  const size = planeLayout(3840, 2160).total;
  view.sample("j1", {
    index: 0,
    width: 3840,
    height: 2160,
    original: new Uint8Array(size),
    processed: new Uint8Array(size),
  });
  const kept = registry.get("j1")!.samples.get(0)!;
  assert.deepEqual([kept.width, kept.height], [640, 360]);
  assert.equal(kept.original.length + kept.processed!.length, 2 * planeLayout(640, 360).total);
  assert.equal(registry.get("j1")!.latestSample, 0);
});

Deno.test("JobRegistry.sample keeps copies: the job reuses its frame buffers as soon as it returns", () => {
  const registry = new JobRegistry();
  const result = { jobId: "j1", state: "running", startedAt: new Date().toISOString() };
  registry.add(result as unknown as JobResult);
  const size = planeLayout(64, 48).total;
  const original = new Uint8Array(size).fill(10);
  const processed = new Uint8Array(size).fill(20);
  registry.sample("j1", { index: 0, width: 64, height: 48, original, processed });
  // A fallback frame: the processed frame is the original itself, kept once.
  registry.sample("j1", { index: 1, width: 64, height: 48, original, processed: original });
  original.fill(99); // the decoder reads a later frame into the buffer
  processed.fill(99);
  const [first, fallback] = [0, 1].map((i) => registry.get("j1")!.samples.get(i)!);
  assert.deepEqual([first.original[0], first.processed![size - 1]], [10, 20]);
  assert.equal(fallback.original[0], 10);
  assert.equal(fallback.processed, fallback.original);
});
