/** Abort helpers of the scheduler and the transports: why a task stopped, and racing a signal. */

/** Abort reason used by the scheduler; its message becomes the outcome's `reason`. */
export class StopReason extends Error {
  override name = "StopReason";
}

/** The outcome reason for a signal aborted with a {@link StopReason}, else `cancelled`. */
export function stopReason(signal: AbortSignal): string {
  const r = signal.reason;
  return r instanceof StopReason ? r.message : "cancelled";
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts (the listener is
 * removed either way; a later rejection of `promise` is ignored).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}); // may settle after we stopped waiting
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
