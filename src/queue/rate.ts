/**
 * Frame rate limits: a token bucket for the embedded backend and the window that configures
 * BullMQ's global rate limiter for the distributed one.
 */
import { QueueOptionError } from "./errors.ts";
import { sleep } from "../util/sleep.ts";

function checkRate(ratePerSecond: number): void {
  if (typeof ratePerSecond !== "number" || !Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new QueueOptionError(
      `ratePerSecond must be a finite number > 0, got ${ratePerSecond}`,
    );
  }
}

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (frames per second). Required, > 0. */
  ratePerSecond: number;
  /** Bucket capacity: how many frames may start back to back after an idle spell (default 1). */
  burst?: number;
  /** Clock in milliseconds (default `performance.now`); injectable for tests. */
  now?: () => number;
}

/**
 * A token bucket that hands out start times in FIFO order. {@link reserve} is pure bookkeeping
 * (it returns how long to wait); {@link take} waits that long.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #last: number;
  #now: () => number;

  constructor(options: TokenBucketOptions) {
    checkRate(options?.ratePerSecond);
    const burst = options.burst ?? 1;
    if (!Number.isInteger(burst) || burst < 1) {
      throw new QueueOptionError(`burst must be an integer >= 1, got ${burst}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = burst;
    this.#last = this.#now();
  }

  /**
   * Takes one token (possibly going into debt) and returns the milliseconds the caller must wait
   * before starting: 0 while tokens remain, then 1000/rate per queued caller.
   */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(
      this.burst,
      this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000,
    );
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.ratePerSecond;
  }

  /** Gives back a token reserved by a caller that gave up before starting. */
  refund(): void {
    this.#tokens = Math.min(this.burst, this.#tokens + 1);
  }

  /**
   * Waits for a token. Rejects with the signal's reason if `signal` aborts first (the token is
   * refunded).
   */
  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    try {
      await sleep(wait, signal);
    } catch (err) {
      this.refund();
      throw err;
    }
  }
}

/** BullMQ global rate limit: at most `max` jobs per `duration` ms. */
export interface RateWindow {
  max: number;
  duration: number;
}

/**
 * The BullMQ `setGlobalRateLimit(max, duration)` window for `ratePerSecond`: windows of about
 * 100 ms (so 64 frames/s becomes 6 per 94 ms rather than bursts of 64 per second), at least one
 * job per window. Pure.
 * @throws QueueOptionError when the rate is not a finite number > 0.
 */
export function rateWindow(ratePerSecond: number): RateWindow {
  checkRate(ratePerSecond);
  const max = Math.max(1, Math.round(ratePerSecond / 10));
  const duration = Math.max(1, Math.round((max * 1000) / ratePerSecond));
  return { max, duration };
}
