/**
 * The filter command's frame processor: frames through the local SIMD WebAssembly FilterPool, on
 * the shared frame pipeline (src/pipeline/), written back in order.
 *
 * No per-frame copies or allocations on the way: each frame's buffer is handed to its filter
 * thread (`transfer: true`) and comes back filtered in the same memory, and once the sink has
 * written it the buffer goes back to the decoder (`recycle`) to receive a later frame. So nothing
 * may read `frame.data` of the decoded frame after it was submitted (the callbacks get its index
 * and size only), nor the filtered bytes after the sink's write resolved.
 */
import type { Frame } from "../codec/frame.ts";
import { chainOutputSize, chainResizes } from "../filters/compile.ts";
import { FilterPool } from "../filters/pool.ts";
import type { FilterChain } from "../filters/types.ts";
import { type FrameProcessor, type FrameSource, runPipeline } from "../pipeline/mod.ts";

/** What the filter stage needs of a pool (FilterPool's shape). */
export interface FramePool {
  run(
    chain: FilterChain,
    width: number,
    height: number,
    data: Uint8Array,
    options?: {
      timeoutMs?: number;
      signal?: AbortSignal;
      transfer?: boolean;
      time?: number;
      index?: number;
    },
  ): Promise<{ data: Uint8Array }>;
  close(): Promise<void>;
}

/** Makes the pool; tests may pass their own. Default: `FilterPool.create({ size })`. */
export type PoolFactory = (size: number) => Promise<FramePool>;

/** `FilterPool.create({ size })`. */
export const defaultPool: PoolFactory = (size) => FilterPool.create({ size });

/** Default filter threads: every logical core. */
export const DEFAULT_THREADS = Math.max(1, navigator.hardwareConcurrency || 1);
/** Default time limit per frame in the filter pool, ms: 10 000. */
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;

/**
 * Where filtered frames go, in order: a function, or an object (e.g. a FrameEncoder) that is also
 * closed after the last frame and aborted if the run fails or is cancelled.
 */
export type FilteredSink =
  | ((frame: Frame) => Promise<void>)
  | { write(frame: Frame): Promise<void>; close?(): Promise<unknown>; abort?(): Promise<unknown> };

/** Options of {@link filterInOrder}. */
export interface FilterInOrderOptions {
  /** Frames in flight, from decoded to written (no default; the command uses 2 × threads). */
  inFlight: number;
  /** Time limit per frame in the pool, ms (no default; the command uses 10 000). */
  timeoutMs: number;
  /** Aborting it cancels the run (the sink is aborted). */
  signal?: AbortSignal;
  /**
   * Called after each frame is written; `frame.data` is not to be read (the decoded buffer was
   * handed to the pool, the filtered one to `recycle`).
   */
  onWritten?: (frame: Frame) => void;
  /**
   * Takes back a filtered frame's buffer once the sink's write resolved (e.g.
   * `DecodedFrames.recycle`, so the decoder reads a later frame into it).
   */
  recycle?: (data: Uint8Array) => void;
}

/**
 * A processor running `chain` on `pool`: resolves to the filtered bytes, rejects on failure.
 * The frame's buffer is transferred to the pool (`frame.data` is detached afterwards) and the
 * filtered bytes come back in the same memory. Each frame's time (its pts) and index go with it,
 * for filters that vary with time (fade).
 */
export function poolProcessor(
  pool: FramePool,
  chain: FilterChain,
  timeoutMs: number,
): FrameProcessor<Uint8Array> {
  return async (frame, signal) =>
    (await pool.run(chain, frame.width, frame.height, frame.data, {
      timeoutMs,
      signal,
      transfer: true,
      time: frame.pts,
      index: frame.index,
    })).data;
}

/**
 * Filters `frames` on `pool`, at most `options.inFlight` at once, handing results to `sink` in
 * order. The first failure (decode, filter, sink) stops the run and aborts the sink.
 * @returns the number of frames written.
 */
export async function filterInOrder(
  frames: FrameSource,
  pool: FramePool,
  chain: FilterChain,
  options: FilterInOrderOptions,
  sink: FilteredSink,
): Promise<number> {
  const sized = typeof sink === "function" ? { write: sink } : sink;
  // A chain that changes the frame size (scale, crop…): the frames written have its output size.
  const out = chainResizes(chain)
    ? {
      write: (frame: Frame) =>
        sized.write({ ...frame, ...chainOutputSize(chain, frame.width, frame.height) }),
      close: () => sized.close?.() ?? Promise.resolve(),
      abort: () => sized.abort?.() ?? Promise.resolve(),
    }
    : sized;
  const { recycle } = options;
  const stats = await runPipeline<Uint8Array>({
    frames,
    process: poolProcessor(pool, chain, options.timeoutMs),
    sink: {
      write: recycle
        ? async (frame, data) => {
          await out.write({ ...frame, data });
          recycle(data);
        }
        : (frame, data) => out.write({ ...frame, data }),
      close: () => out.close?.() ?? Promise.resolve(),
      abort: () => out.abort?.() ?? Promise.resolve(),
    },
    inFlight: options.inFlight,
    signal: options.signal,
    onWritten: options.onWritten,
  });
  return stats.frames;
}
