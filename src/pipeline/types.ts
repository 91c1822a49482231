/** The three parts the frame pipeline ({@link runPipeline}) is made of: a source, a processor, a sink. */
import type { Frame } from "../codec/frame.ts";

/**
 * Decoded frames with indices 0, 1, 2, … in order: an async iterable, or a function making one
 * from the run's signal (aborted when the run fails or is cancelled, so a decoder stops at once).
 */
export type FrameSource = AsyncIterable<Frame> | ((signal: AbortSignal) => AsyncIterable<Frame>);

/**
 * Turns one frame into its result `R` (e.g. the filtered bytes). Several run at once and may finish
 * in any order. A rejection fails the run. It should settle soon after `signal` aborts; the run
 * does not wait for one that does not (its result is dropped).
 */
export type FrameProcessor<R> = (frame: Frame, signal: AbortSignal) => Promise<R>;

/** Where results go, one at a time, in index order (e.g. an encoder). */
export interface FrameSink<R> {
  /** Writes `frame`'s result; never called concurrently. `signal` aborts when the run stops. */
  write(frame: Frame, result: R, signal: AbortSignal): Promise<void>;
  /** Called once after the last frame was written, when the run succeeded (optional). */
  close?(): Promise<unknown>;
  /**
   * Called once when the run failed or was cancelled, after the last write settled (optional).
   * Must leave nothing half-written behind.
   */
  abort?(): Promise<unknown>;
}
