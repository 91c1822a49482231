/**
 * Memory admission: what one job costs in memory, and the server-wide budget that jobs reserve
 * it from. Pure (no I/O, no timers except the bounded wait of {@link MemoryBudget.take}).
 *
 * A job's memory grows with its frame size, not with its upload: a 99 KB file of ten black
 * 7680×4320 frames decodes to 50 MB frames. The estimate, per job, once the frame size is known:
 *
 * ```
 * frameBytes = width × height × 1.5                          (yuv420p; planeLayout().total)
 * estimate   = frameBytes × (FRAME_COPIES × inFlight        frames between decoder and encoder:
 *                                                            the original (kept for a fallback),
 *                                                            the filtered copy, one transient copy
 *                                                            (worker transfer, preview sample, pipe)
 *                            + DECODER_FRAMES                decoded ahead by the decoder (8) + 1
 *                            + SAMPLE_FRAMES                 a preview sample's two full-size
 *                                                            copies, before they are shrunk
 *                            + ENCODER_FRAMES)               what x264 holds (lookahead, threads,
 *                                                            references; 2.1 GB measured for 8K
 *                                                            `veryfast` on 2 cores ≈ 42 frames)
 *            + JOB_BASE_BYTES                                codec processes, buffers, samples
 * ```
 *
 * `inFlight` is the job's frames in flight: `--max-in-flight`, lowered for big frames so that
 * `FRAME_COPIES × inFlight × frameBytes` stays within {@link DEFAULT_IN_FLIGHT_BUDGET_BYTES}, and
 * lowered again (to 1 at least) when that makes the job fit under the server's limit. A job
 * whose estimate is over the limit even with one frame in flight is refused (`too-large`).
 */
import { DEFAULT_MAX_BUFFERED } from "../codec/mod.ts";
import { planeLayout } from "../codec/frame.ts";
import { VframeError } from "../util/errors.ts";
import type { Release } from "../util/semaphore.ts";

const MiB = 1024 * 1024;

/** Copies of each frame in flight (original, filtered, one transient). */
export const FRAME_COPIES = 3;
/** Decoded frames held ahead of the pipeline: the decoder's read-ahead plus the one being read. */
export const DECODER_FRAMES = DEFAULT_MAX_BUFFERED + 1;
/** Full-size copies of a frame sampled for the preview (original and filtered), before shrinking. */
export const SAMPLE_FRAMES = 2;
/** Frames' worth of memory the encoder (x264) holds. */
export const ENCODER_FRAMES = 40;
/** Fixed part of every job: codec processes or wasm heaps, sockets, preview samples. 64 MiB. */
export const JOB_BASE_BYTES = 64 * MiB;
/** Default cap of the bytes of one job's frames in flight, copies included: 512 MiB. */
export const DEFAULT_IN_FLIGHT_BUDGET_BYTES = 512 * MiB;
/** Smallest default memory limit: 512 MiB. */
export const MIN_DEFAULT_MAX_MEMORY_BYTES = 512 * MiB;
/** Largest default memory limit: 16 GiB. */
export const MAX_DEFAULT_MAX_MEMORY_BYTES = 16 * 1024 * MiB;

/**
 * The default `--max-memory-mb`, in bytes: a quarter of the machine's memory, at least 512 MiB and
 * at most 16 GiB.
 * @param totalBytes the machine's memory (default `Deno.systemMemoryInfo().total`).
 */
export function defaultMaxMemoryBytes(totalBytes?: number): number {
  let total = totalBytes;
  if (total === undefined) {
    try {
      total = Deno.systemMemoryInfo().total;
    } catch {
      total = 4 * 1024 * MiB; // no access to the system's numbers: assume a small machine
    }
  }
  const quarter = Math.floor(total / 4);
  return Math.min(MAX_DEFAULT_MAX_MEMORY_BYTES, Math.max(MIN_DEFAULT_MAX_MEMORY_BYTES, quarter));
}

/** Inputs of {@link planJobMemory}. */
export interface JobMemoryInput {
  width: number;
  height: number;
  /** The job's frames in flight before any memory cap (`--max-in-flight`). */
  maxInFlight: number;
  /** Cap of the bytes of frames in flight, copies included (default 512 MiB). */
  inFlightBudgetBytes?: number;
  /** The server's memory limit, bytes. */
  limitBytes: number;
}

/** What one job is planned to use. */
export interface JobMemoryPlan {
  width: number;
  height: number;
  /** Bytes of one frame. */
  frameBytes: number;
  /** Frames in flight the job may have (≥ 1, ≤ maxInFlight). */
  inFlight: number;
  /** The estimate with that many frames in flight, bytes (the formula in the module docs). */
  estimateBytes: number;
  /** Whether the estimate is within the limit. */
  fits: boolean;
}

/** The estimate of the module documentation for `inFlight` frames in flight. */
export function estimateJobBytes(frameBytes: number, inFlight: number): number {
  return frameBytes * (FRAME_COPIES * inFlight + DECODER_FRAMES + SAMPLE_FRAMES + ENCODER_FRAMES) +
    JOB_BASE_BYTES;
}

/**
 * Plans a job's memory: its frames in flight and its estimate (see the module documentation).
 * @throws RangeError for a size or count that is not a positive integer.
 */
export function planJobMemory(input: JobMemoryInput): JobMemoryPlan {
  const { width, height, maxInFlight, limitBytes } = input;
  const budget = input.inFlightBudgetBytes ?? DEFAULT_IN_FLIGHT_BUDGET_BYTES;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be an integer >= 1, got ${maxInFlight}`);
  }
  if (!(limitBytes > 0) || !(budget > 0)) {
    throw new RangeError(`memory limits must be > 0, got ${limitBytes} and ${budget}`);
  }
  const frameBytes = planeLayout(width, height).total;
  const perFrame = FRAME_COPIES * frameBytes;
  const byBudget = Math.floor(budget / perFrame);
  const byLimit = Math.floor((limitBytes - estimateJobBytes(frameBytes, 0)) / perFrame);
  const inFlight = Math.max(1, Math.min(maxInFlight, byBudget, byLimit));
  const estimateBytes = estimateJobBytes(frameBytes, inFlight);
  return { width, height, frameBytes, inFlight, estimateBytes, fits: estimateBytes <= limitBytes };
}

/** `1.5 GiB`, `640 MiB`, `12 KiB`: for messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MiB) return `${(bytes / (1024 * MiB)).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/** Why a plan does not fit: the estimate, how it is made up, and the limit. */
export function describeRefusal(plan: JobMemoryPlan, limitBytes: number): string {
  return `${plan.width}x${plan.height} frames need about ${formatBytes(plan.estimateBytes)} ` +
    `(${formatBytes(plan.frameBytes)} per frame × (${FRAME_COPIES} copies × ${plan.inFlight} ` +
    `in flight + ${DECODER_FRAMES} decoded ahead + ${SAMPLE_FRAMES} preview + ${ENCODER_FRAMES} ` +
    `in the encoder) + ` +
    `${formatBytes(JOB_BASE_BYTES)}), more than this server's memory limit of ` +
    `${formatBytes(limitBytes)} (--max-memory-mb ${Math.floor(limitBytes / MiB)})`;
}

/** Thrown by {@link MemoryBudget.take} when the bounded wait ends without the memory. */
export class MemoryWaitTimeoutError extends VframeError {
  readonly code: string = "timeout";
  override name = "MemoryWaitTimeoutError";
}

/** Options of {@link MemoryBudget.take}. */
export interface TakeOptions {
  /** Give up after this many ms (default: wait as long as it takes). */
  timeoutMs?: number;
  /** Aborting stops the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Waiter {
  bytes: number;
  grant: () => void;
}

/**
 * A server-wide memory budget in bytes. Reservations are taken synchronously when they fit
 * ({@link tryTake}) or waited for in arrival order ({@link take}); each returns a function
 * that gives the bytes back (once, however often it is called).
 */
export class MemoryBudget {
  readonly limitBytes: number;
  #reserved = 0;
  #waiters: Waiter[] = [];

  /** @throws RangeError when the limit is not a positive number. */
  constructor(limitBytes: number) {
    if (!(Number.isFinite(limitBytes) && limitBytes > 0)) {
      throw new RangeError(`memory limit must be a number of bytes > 0, got ${limitBytes}`);
    }
    this.limitBytes = limitBytes;
  }

  /** Bytes reserved now. */
  get reservedBytes(): number {
    return this.#reserved;
  }

  /** Callers waiting in {@link take}. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Reserves `bytes` now if they fit and nobody waits before; else `undefined`. */
  tryTake(bytes: number): Release | undefined {
    checkBytes(bytes);
    if (this.#waiters.length > 0 || this.#reserved + bytes > this.limitBytes) return undefined;
    this.#reserved += bytes;
    return this.#releaser(bytes);
  }

  /**
   * Reserves `bytes`, waiting (first come, first served) until they fit.
   * @throws RangeError when `bytes` is more than the whole limit (it would never fit).
   * @throws MemoryWaitTimeoutError after `timeoutMs`; the signal's reason when it aborts.
   */
  take(bytes: number, options: TakeOptions = {}): Promise<Release> {
    checkBytes(bytes);
    if (bytes > this.limitBytes) {
      return Promise.reject(
        new RangeError(`${bytes} bytes can never fit in a budget of ${this.limitBytes}`),
      );
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.tryTake(bytes);
    if (now) return Promise.resolve(now);
    return new Promise<Release>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        this.#serve(); // a big waiter leaving may let smaller ones behind it through
      };
      const onAbort = () => {
        leave();
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#reserved += bytes;
          resolve(this.#releaser(bytes));
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          leave();
          reject(
            new MemoryWaitTimeoutError(
              `waited ${timeoutMs} ms for ${formatBytes(bytes)} of memory; running jobs hold ` +
                `${formatBytes(this.#reserved)} of the ${formatBytes(this.limitBytes)} limit`,
            ),
          );
        }, Math.max(0, timeoutMs));
      }
    });
  }

  #releaser(bytes: number): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#reserved -= bytes;
      this.#serve();
    };
  }

  /** Grants waiters in order while the first one fits. */
  #serve(): void {
    while (this.#waiters.length > 0) {
      const first = this.#waiters[0];
      if (this.#reserved + first.bytes > this.limitBytes) return;
      this.#waiters.shift();
      first.grant();
    }
  }
}

function checkBytes(bytes: number): void {
  if (!(Number.isFinite(bytes) && bytes >= 0)) {
    throw new RangeError(`bytes must be a number >= 0, got ${bytes}`);
  }
}
