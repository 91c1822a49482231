/**
 * One attempt at one segment, where it runs (the embedded pool's server, or a `vframe worker`):
 * the chunk goes to a temporary file, `processChunk` decodes it, filters the range's frames on the
 * FilterPool (several at once) and encodes them with the job's settings, and the encoded chunk's
 * bytes come back. The attempt's time limit is enforced here; the test-only fault switch applies
 * to the segment's frames, so a segment misbehaves as its frames would:
 *
 * - a `hang` frame: the attempt never returns until its limit (`timeout after N ms`);
 * - a `fail` frame, or a `flaky` one on attempt 1: the attempt fails at once;
 * - a `slow` frame: its filter thread busy-waits `SLOW_MS` first, as for frames.
 */
import { processChunk } from "../codec/segment/process_chunk.ts";
import { frameTimeInInput } from "../codec/segment/spec.ts";
import type { CodecChoice } from "../codec/types.ts";
import { AttemptTimeoutError, FaultInjectedError } from "./errors.ts";
import { faultAction, type FaultPlan, SLOW_MS } from "./fault.ts";
import type { FrameFilterer } from "./filter_attempt.ts";
import type { SegmentResult, SegmentTask } from "./segment_task.ts";
import { sleep } from "../util/sleep.ts";

import { makeSegmentDir } from "./segment_temp.ts";
/** Default time limit of one frame's filtering inside a segment: 10 s (the pool enforces it). */
export const SEGMENT_FRAME_TIMEOUT_MS = 10_000;

/** One attempt's inputs. */
export interface SegmentAttemptOptions
  extends Pick<SegmentTask, "chunk" | "spec" | "chain" | "index" | "start" | "onProgress"> {
  /** 1-based attempt number. */
  attempt: number;
  /** Time limit of the attempt, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
  fault?: FaultPlan;
  /** Codec backend of the decoder and encoder (default `auto`). */
  codec?: CodecChoice;
  /** Frames filtered at once (default 2). */
  parallel?: number;
  /** Time limit of one frame's filtering (default {@link SEGMENT_FRAME_TIMEOUT_MS}). */
  frameTimeoutMs?: number;
  /** Where the chunk and its encoded version are kept while the attempt runs (default: system). */
  tempDir?: string;
}

/** What an attempt gives back: the encoded chunk, and how long it took. */
export interface SegmentAttemptResult extends SegmentResult {
  ms: number;
}

/** The strongest fault of the segment's frames for this attempt (`hang` > `fail` > none). */
function segmentFault(o: SegmentAttemptOptions): { action: "none" | "fail" | "hang"; at: number } {
  if (!o.fault) return { action: "none", at: -1 };
  let fail = -1;
  for (let f = o.start; f < o.start + o.spec.frames; f++) {
    const action = faultAction(o.fault, f, o.attempt);
    if (action === "hang") return { action, at: f };
    if (action === "fail" && fail < 0) fail = f;
  }
  return fail >= 0 ? { action: "fail", at: fail } : { action: "none", at: -1 };
}

/**
 * Runs the attempt. Rejects with `AttemptTimeoutError` (`timeout after N ms`) past its limit,
 * `FaultInjectedError` for an injected failure, the abort reason when `signal` aborts, or the
 * codec's or filter's error.
 */
export async function runSegmentAttempt(
  pool: FrameFilterer,
  o: SegmentAttemptOptions,
): Promise<SegmentAttemptResult> {
  const t0 = performance.now();
  const timeUp = new AbortController();
  const timer = setTimeout(
    () => timeUp.abort(new AttemptTimeoutError(`timeout after ${o.timeoutMs} ms`)),
    o.timeoutMs,
  );
  const signal = o.signal ? AbortSignal.any([o.signal, timeUp.signal]) : timeUp.signal;
  const dir = await makeSegmentDir(o.tempDir);
  try {
    const fault = segmentFault(o);
    if (fault.action === "fail") {
      throw new FaultInjectedError(
        `injected fault on segment ${o.index} (frame ${fault.at}), attempt ${o.attempt}`,
      );
    }
    if (fault.action === "hang") {
      await sleep(o.timeoutMs + 60_000, signal); // ends with the time limit (or the signal)
    }
    const input = `${dir}/chunk.mp4`;
    const output = `${dir}/encoded.mp4`;
    await Deno.writeFile(input, o.chunk);
    const frameTimeoutMs = o.frameTimeoutMs ?? SEGMENT_FRAME_TIMEOUT_MS;
    const done = await processChunk({
      input,
      output,
      spec: o.spec,
      backend: o.codec,
      parallel: o.parallel ?? 2,
      signal,
      tempDir: dir,
      onFrame: o.onProgress,
      filter: async (frame, frameSignal) => {
        // The frame's index and time in the whole input, not in the chunk (fade needs them).
        const position = frame.index - o.spec.skip;
        const slow = o.fault && faultAction(o.fault, o.start + position, o.attempt);
        const result = await pool.run(o.chain, frame.width, frame.height, frame.data, {
          timeoutMs: frameTimeoutMs,
          signal: frameSignal,
          index: o.start + position,
          time: frameTimeInInput(o.spec, position),
          // The decoded frame's buffer goes to the thread and comes back filtered (no copy).
          transfer: true,
          ...(slow === "slow" ? { simulateBusyMs: SLOW_MS } : {}),
        });
        return result.data;
      },
    });
    const data = await Deno.readFile(output);
    return {
      data,
      frames: done.frames,
      headerHash: done.headerHash,
      ...(done.level !== undefined ? { level: done.level } : {}),
      ms: performance.now() - t0,
    };
  } catch (error) {
    if (timeUp.signal.aborted && !o.signal?.aborted) throw timeUp.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
