/**
 * What a BullMQ worker engine counts of its attempts, shared by the frame and segment workers:
 * how many run now (and a promise for when none does, for a bounded close), how many it stored,
 * and who listens for failures (the worker command logs them).
 */

/** A listener for attempts that failed, and for jobs BullMQ failed. */
export type FailedListener = (jobId: string, reason: string, attempt: number) => void;

/** See the module documentation. */
export class AttemptTally {
  #processed = 0;
  #active = 0;
  #idle: (() => void)[] = [];
  #failed: FailedListener[] = [];

  /** Attempts whose result was stored. */
  get processed(): number {
    return this.#processed;
  }

  /** Attempts running now. */
  get active(): number {
    return this.#active;
  }

  /** Counts `attempt` as active while it runs. */
  async track<T>(attempt: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      return await attempt();
    } finally {
      if (--this.#active === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
    }
  }

  /** One more result stored. */
  stored(): void {
    this.#processed++;
  }

  /** Resolves when no attempt is active. */
  whenIdle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  onFailed(listener: FailedListener): void {
    this.#failed.push(listener);
  }

  /** Tells every failure listener; a listener that throws breaks nothing. */
  failed(jobId: string, reason: string, attempt: number): void {
    for (const listener of this.#failed) {
      try {
        listener(jobId, reason, attempt);
      } catch {
        // a logging listener must not break the worker
      }
    }
  }
}
