/**
 * runPipeline with in-memory sources, processors and sinks: order, the in-flight bound and
 * back-pressure, shared semaphores, errors from each part, cancellation, and that every permit
 * comes back and the sink is closed or aborted exactly once.
 */
import assert from "node:assert/strict";
import type { Frame } from "../../src/codec/frame.ts";
import {
  FrameOrderError,
  type FrameProcessor,
  type FrameSink,
  runPipeline,
} from "../../src/pipeline/mod.ts";
import { Semaphore } from "../../src/util/semaphore.ts";

function frame(index: number): Frame {
  return { index, pts: index / 30, width: 2, height: 2, data: new Uint8Array(6).fill(index) };
}

/** A source of `count` frames that records how many were pulled and whether it was stopped. */
function source(count: number, indices?: number[]) {
  const state = { pulled: 0, stopped: false, signal: undefined as AbortSignal | undefined };
  const frames = (signal: AbortSignal) => {
    state.signal = signal;
    return (async function* () {
      try {
        for (const index of indices ?? [...Array(count).keys()]) {
          state.pulled++;
          yield frame(index);
        }
      } finally {
        state.stopped = true;
      }
    })();
  };
  return { frames, state };
}

/** A sink that records what it got and how it ended. */
function recordingSink(fail?: (f: Frame) => boolean) {
  const log = { written: [] as number[], closed: 0, aborted: 0 };
  const sink: FrameSink<number> = {
    write(f, result) {
      if (fail?.(f)) return Promise.reject(new Error(`sink refused frame ${f.index}`));
      assert.equal(result, f.index * 10);
      log.written.push(f.index);
      return Promise.resolve();
    },
    close() {
      log.closed++;
      return Promise.resolve();
    },
    abort() {
      log.aborted++;
      return Promise.resolve();
    },
  };
  return { sink, log };
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Finishes frames in a scrambled order, after a short random delay. */
const scrambled: FrameProcessor<number> = async (f) => {
  await delay((f.index * 7919) % 5);
  return f.index * 10;
};

Deno.test("pipeline: results reach the sink in index order; the sink is closed once", async () => {
  const { frames, state } = source(50);
  const { sink, log } = recordingSink();
  const seen: string[] = [];
  const stats = await runPipeline({
    frames,
    process: scrambled,
    sink,
    inFlight: 6,
    onDecoded: (f) => seen.push(`d${f.index}`),
    onWritten: (f) => seen.push(`w${f.index}`),
  });
  assert.equal(stats.frames, 50);
  assert.deepEqual(log.written, [...Array(50).keys()]);
  assert.deepEqual([log.closed, log.aborted], [1, 0]);
  assert.equal(state.pulled, 50);
  assert.equal(
    seen.filter((s) => s.startsWith("w")).join(),
    log.written.map((i) => `w${i}`).join(),
  );
});

Deno.test("pipeline: at most inFlight frames between pulled and written (back-pressure)", async () => {
  const { frames, state } = source(40);
  let inFlight = 0;
  let peak = 0;
  let pulledWhileBlocked = 0;
  // Frame 0 is slow: the frames after it wait in the reorder buffer, holding their permits.
  const process: FrameProcessor<number> = async (f) => {
    await delay(f.index === 0 ? 30 : 1);
    if (f.index === 0) pulledWhileBlocked = state.pulled;
    return f.index * 10;
  };
  const { sink } = recordingSink();
  await runPipeline({
    frames,
    process,
    sink,
    inFlight: 4,
    onDecoded: () => peak = Math.max(peak, ++inFlight),
    onWritten: () => inFlight--,
  });
  assert.equal(peak, 4, `peak frames in flight ${peak}`);
  assert.equal(pulledWhileBlocked, 5, "4 frames in flight, 1 pulled and waiting for a permit");
});

Deno.test("pipeline: shared semaphores bound two runs together and are all given back", async () => {
  const shared = new Semaphore(3);
  let active = 0;
  let peak = 0;
  const process: FrameProcessor<number> = async (f) => {
    active++;
    peak = Math.max(peak, active);
    await delay(2);
    active--;
    return f.index * 10;
  };
  const runs = [0, 1].map(() =>
    runPipeline({
      frames: source(20).frames,
      process,
      sink: recordingSink().sink,
      inFlight: [new Semaphore(2), shared],
    })
  );
  const results = await Promise.all(runs);
  assert.deepEqual(results.map((r) => r.frames), [20, 20]);
  assert.ok(peak <= 3, `peak ${peak} over the shared bound`);
  assert.equal(shared.available, 3);
});

Deno.test("pipeline: a processor failure stops the source, aborts the sink, returns permits", async () => {
  const { frames, state } = source(1000);
  const { sink, log } = recordingSink();
  const permits = new Semaphore(5);
  let sawAbort = false;
  const process: FrameProcessor<number> = (f, signal) => {
    if (f.index === 7) return delay(10).then(() => Promise.reject(new Error("worker died")));
    if (f.index > 7) {
      // Never settles by itself: the run must not wait for it.
      return new Promise(() => signal.addEventListener("abort", () => sawAbort = true));
    }
    return Promise.resolve(f.index * 10);
  };
  await assert.rejects(runPipeline({ frames, process, sink, inFlight: [permits] }), /worker died/);
  assert.deepEqual([log.closed, log.aborted], [0, 1]);
  assert.ok(state.stopped, "source stopped");
  assert.ok(state.signal?.aborted, "the source's signal aborted");
  assert.ok(state.pulled < 20, `pulled ${state.pulled}`);
  assert.equal(permits.available, 5);
  assert.ok(sawAbort, "processors in flight saw the abort");
});

Deno.test("pipeline: errors of the source, the sink and a callback fail the run the same way", async () => {
  const broken = async function* () {
    yield frame(0);
    throw new Error("decoder crashed");
  };
  const a = recordingSink();
  await assert.rejects(
    runPipeline({ frames: broken(), process: scrambled, sink: a.sink }),
    /decoder crashed/,
  );
  assert.deepEqual([a.log.closed, a.log.aborted], [0, 1]);

  const b = recordingSink((f) => f.index === 3);
  await assert.rejects(
    runPipeline({ frames: source(30).frames, process: scrambled, sink: b.sink, inFlight: 4 }),
    /sink refused frame 3/,
  );
  assert.deepEqual(b.log.written, [0, 1, 2], "nothing written after the failure");
  assert.deepEqual([b.log.closed, b.log.aborted], [0, 1]);

  const c = recordingSink();
  await assert.rejects(
    runPipeline({
      frames: source(30).frames,
      process: scrambled,
      sink: c.sink,
      onProcessed: (f) => {
        if (f.index === 5) throw new Error("callback threw");
      },
    }),
    /callback threw/,
  );
  assert.deepEqual([c.log.closed, c.log.aborted], [0, 1]);

  const d = recordingSink();
  await assert.rejects(
    runPipeline({ frames: source(0, [0, 1, 3]).frames, process: scrambled, sink: d.sink }),
    (e: unknown) => e instanceof FrameOrderError && /expected frame 2, got 3/.test(e.message),
  );
  assert.deepEqual([d.log.closed, d.log.aborted], [0, 1]);
});

Deno.test("pipeline: a failing close is aborted; an empty source closes with 0 frames", async () => {
  let aborted = 0;
  await assert.rejects(
    runPipeline<number>({
      frames: source(3).frames,
      process: scrambled,
      sink: {
        write: () => Promise.resolve(),
        close: () => Promise.reject(new Error("mux failed")),
        abort: () => Promise.resolve(void aborted++),
      },
    }),
    /mux failed/,
  );
  assert.equal(aborted, 1);
  const { sink, log } = recordingSink();
  assert.deepEqual(await runPipeline({ frames: source(0).frames, process: scrambled, sink }), {
    frames: 0,
  });
  assert.equal(log.closed, 1);
});

Deno.test("pipeline: cancelling rejects with the signal's reason, at once, and cleans up", async () => {
  const controller = new AbortController();
  const { frames, state } = source(1000);
  const { sink, log } = recordingSink();
  const permits = new Semaphore(4);
  // Frames after the third never finish (and ignore their signal).
  const process: FrameProcessor<number> = (f) =>
    f.index < 3 ? Promise.resolve(f.index * 10) : new Promise(() => {});
  const running = runPipeline({
    frames,
    process,
    sink,
    inFlight: [permits],
    signal: controller.signal,
  });
  await delay(20);
  assert.equal(permits.available, 0, "stuck frames hold every permit");
  const reason = new Error("user pressed Ctrl-C");
  controller.abort(reason);
  await assert.rejects(running, (e: unknown) => e === reason);
  assert.deepEqual(log.written, [0, 1, 2]);
  assert.deepEqual([log.closed, log.aborted], [0, 1]);
  assert.equal(permits.available, 4);
  assert.ok(state.stopped);
});

Deno.test("pipeline: an already aborted signal does no work; bad inFlight values are refused", async () => {
  const controller = new AbortController();
  controller.abort(new Error("too late"));
  const { frames, state } = source(5);
  await assert.rejects(
    runPipeline({
      frames,
      process: scrambled,
      sink: recordingSink().sink,
      signal: controller.signal,
    }),
    /too late/,
  );
  assert.equal(state.pulled, 0);
  const { sink, log } = recordingSink();
  await assert.rejects(runPipeline({ frames, process: scrambled, sink, inFlight: 0 }), /got 0/);
  await assert.rejects(runPipeline({ frames, process: scrambled, sink, inFlight: [] }), RangeError);
  assert.equal(log.aborted, 2, "the sink is aborted even for bad options");
});
