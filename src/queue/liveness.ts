/**
 * {@link WorkerWatch}: whether any worker is alive, asked of the transport every 500 ms while the
 * scheduler has tasks, and how long there has been none. The scheduler holds its tasks while
 * there is none (the time does not count toward their deadline) and fails them once they have
 * been held for `policy.noWorkerTimeoutMs`. Pure of I/O itself: the count comes from a function.
 */

/** Default interval of the check while tasks are outstanding: 500 ms. */
export const DEFAULT_LIVENESS_CHECK_MS = 500;

/** Options of {@link WorkerWatch}. */
export interface WorkerWatchOptions {
  /** Live workers now (the transport's `workers()`, counted). A rejection changes nothing. */
  count: () => Promise<number>;
  /** Interval of the check while in use, ms (default {@link DEFAULT_LIVENESS_CHECK_MS}). */
  intervalMs?: number;
}

/**
 * Watches the live worker count while {@link acquire}d (by at least one task); idle otherwise.
 * Until the first answer, and while the count cannot be read, the last known state stands
 * (at first: alive), so a slow or failing check never holds work by itself.
 */
export class WorkerWatch {
  readonly #count: () => Promise<number>;
  readonly #intervalMs: number;
  readonly #listeners = new Set<() => void>();
  #users = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking: Promise<void> | undefined;
  /** Bumped by every start and stop, so an answer from an earlier period is ignored. */
  #period = 0;
  #down = false;
  #downSince = 0;
  /** Milliseconds without a live worker in periods already over. */
  #downTotal = 0;

  constructor(options: WorkerWatchOptions) {
    this.#count = options.count;
    this.#intervalMs = options.intervalMs ?? DEFAULT_LIVENESS_CHECK_MS;
  }

  /** True while the last answer said no worker is alive. */
  get down(): boolean {
    return this.#down;
  }

  /**
   * Milliseconds without a live worker since the watch was made (while in use), growing only: a
   * task's held time is the difference between two readings.
   */
  downtime(now: number = performance.now()): number {
    return this.#downTotal + (this.#down ? now - this.#downSince : 0);
  }

  /** Starts watching (the first user checks at once). Pair with {@link release}. */
  acquire(): void {
    if (this.#users++ > 0) return;
    this.#period++;
    this.#check();
    this.#timer = setInterval(() => this.#check(), this.#intervalMs);
  }

  /** Stops watching when the last user is gone; the state goes back to "alive". */
  release(): void {
    if (this.#users === 0 || --this.#users > 0) return;
    this.#period++;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#set(false);
  }

  /** Calls `listener` whenever `down` changes; returns the function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #check(): void {
    if (this.#checking) return;
    const period = this.#period;
    this.#checking = this.#count()
      .then((n) => {
        if (period === this.#period) this.#set(n === 0);
      }, () => {})
      .finally(() => this.#checking = undefined);
  }

  #set(down: boolean): void {
    if (down === this.#down) return;
    const now = performance.now();
    if (down) this.#downSince = now;
    else this.#downTotal += now - this.#downSince;
    this.#down = down;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // a listener's fault must not stop the others
      }
    }
  }
}
