/** A time limit per frame around a {@link FrameProcessor}. */
import type { Frame } from "../codec/frame.ts";
import type { FrameProcessor } from "./types.ts";

/** Options of {@link withDeadline}. */
export interface DeadlineOptions<R> {
  /** Time limit per frame in ms, counted from the call; finite and > 0 (no default). */
  ms: number;
  /** The result of a frame past its limit; `elapsedMs` is the time since the call. */
  onExpired: (frame: Frame, elapsedMs: number) => R;
}

/**
 * Wraps `process` so every frame settles within `options.ms`: past it, the frame's signal given to
 * `process` aborts and the frame's result is `options.onExpired(frame, elapsedMs)`. The timer is
 * cleared when the frame settles or its signal aborts (the call then rejects with the reason).
 * @throws RangeError when `options.ms` is not a finite number > 0.
 */
export function withDeadline<R>(
  process: FrameProcessor<R>,
  options: DeadlineOptions<R>,
): FrameProcessor<R> {
  const { ms, onExpired } = options;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
    throw new RangeError(`deadline ms must be a finite number > 0, got ${ms}`);
  }
  return async (frame, signal) => {
    signal.throwIfAborted();
    const expiry = new AbortController();
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort = () => {};
    const limit = new Promise<R>((resolve, reject) => {
      timer = setTimeout(() => {
        expiry.abort(new Error(`frame ${frame.index}: deadline of ${ms} ms exceeded`));
        try {
          resolve(onExpired(frame, performance.now() - started));
        } catch (error) {
          reject(error);
        }
      }, ms);
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([process(frame, AbortSignal.any([signal, expiry.signal])), limit]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  };
}
