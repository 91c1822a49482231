/**
 * A counting semaphore with FIFO fairness and abortable waits. Pure: no timers, no I/O.
 *
 * The pipeline holds one per job (frames in flight for that job, `--max-in-flight`) and one per
 * server (frames in flight over all jobs), so memory stays bounded however fast frames are decoded.
 */
import { VframeError } from "./errors.ts";

/** Thrown by {@link Semaphore.acquire} when its signal aborts while waiting. */
export class SemaphoreAbortedError extends VframeError {
  readonly code: string = "aborted";
  override name = "SemaphoreAbortedError";
  constructor(reason?: unknown) {
    super(
      `semaphore wait aborted${
        reason instanceof Error ? `: ${reason.message}` : reason ? `: ${reason}` : ""
      }`,
    );
  }
}

/** Releases a permit. Calling it more than once releases only once. */
export type Release = () => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

/** Counting semaphore: at most `permits` holders at a time; waiters are served in arrival order. */
export class Semaphore {
  readonly permits: number;
  #available: number;
  #waiters: Waiter[] = [];

  /**
   * @param permits how many holders at a time; an integer ≥ 1.
   * @throws RangeError when `permits` is not an integer ≥ 1.
   */
  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new RangeError(`semaphore permits must be an integer >= 1, got ${permits}`);
    }
    this.permits = permits;
    this.#available = permits;
  }

  /** Permits free right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a permit if one is free, without waiting; `undefined` when none is. */
  tryAcquire(): Release | undefined {
    if (this.#available === 0 || this.#waiters.length > 0) return undefined;
    this.#available--;
    return this.#releaser();
  }

  /**
   * Waits for a permit (FIFO). Resolves to a function that gives it back.
   * @throws SemaphoreAbortedError when `signal` aborts before a permit is granted (no permit is
   * held then).
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new SemaphoreAbortedError(signal.reason));
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new SemaphoreAbortedError(signal?.reason));
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) {
        next.cleanup();
        next.resolve(this.#releaser());
      } else {
        this.#available++;
      }
    };
  }
}

/**
 * Acquires a permit from each semaphore in the order given (always the same order everywhere, so
 * two callers cannot deadlock), and returns one function releasing them all. If a later acquire
 * fails, the permits already taken are given back before the error is rethrown.
 */
export async function acquireAll(
  semaphores: readonly Semaphore[],
  signal?: AbortSignal,
): Promise<Release> {
  const held: Release[] = [];
  try {
    for (const s of semaphores) held.push(await s.acquire(signal));
  } catch (error) {
    for (const r of held.reverse()) r();
    throw error;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const r of held.reverse()) r();
  };
}
