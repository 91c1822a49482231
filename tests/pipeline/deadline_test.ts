import assert from "node:assert/strict";
import type { Frame } from "../../src/codec/frame.ts";
import { raceAbort, withDeadline } from "../../src/pipeline/mod.ts";

const frame: Frame = { index: 4, pts: 0, width: 2, height: 2, data: new Uint8Array(6) };
const never = () => new Promise<string>(() => {});

Deno.test("withDeadline: a frame past its limit gets the expired result and its signal aborts", async () => {
  let inner: AbortSignal | undefined;
  const process = withDeadline<string>((_f, signal) => {
    inner = signal;
    return never();
  }, { ms: 20, onExpired: (f, ms) => `frame ${f.index} expired after ${ms >= 19 ? "20" : ms} ms` });
  assert.equal(await process(frame, new AbortController().signal), "frame 4 expired after 20 ms");
  assert.ok(inner?.aborted, "the processor was told to stop");
});

Deno.test("withDeadline: a result in time passes through and clears its timer", async () => {
  const process = withDeadline((f) => Promise.resolve(f.index), {
    ms: 60_000,
    onExpired: () => -1,
  });
  // The test's timer sanitizer fails it if the 60 s timer were left running.
  assert.equal(await process(frame, new AbortController().signal), 4);
  const failing = withDeadline(() => Promise.reject(new Error("boom")), {
    ms: 60_000,
    onExpired: () => -1,
  });
  await assert.rejects(failing(frame, new AbortController().signal), /boom/);
});

Deno.test("withDeadline: aborting the frame's signal rejects at once; bad limits refused", async () => {
  const controller = new AbortController();
  const process = withDeadline(never, { ms: 60_000, onExpired: () => "late" });
  const running = process(frame, controller.signal);
  controller.abort(new Error("job cancelled"));
  await assert.rejects(running, /job cancelled/);
  for (const ms of [0, -1, Number.NaN, Infinity]) {
    assert.throws(() => withDeadline(never, { ms, onExpired: () => "" }), RangeError);
  }
});

Deno.test("raceAbort: settles like the promise, or with the reason when aborted first", async () => {
  const controller = new AbortController();
  assert.equal(await raceAbort(Promise.resolve(1), controller.signal), 1);
  let reject!: (e: Error) => void;
  const pending = new Promise<number>((_, r) => reject = r);
  const racing = raceAbort(pending, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(racing, /stop/);
  reject(new Error("late failure")); // handled: no unhandled rejection
  await assert.rejects(raceAbort(Promise.resolve(2), controller.signal), /stop/);
});
