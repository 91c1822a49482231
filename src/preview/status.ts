/** The queue as the dashboard shows it: backend, depth and workers, fetched at most once a second. */
import type { WorkerInfo, WorkersOptions } from "../queue/types.ts";
import { WorkerRates } from "./worker_rates.ts";

/**
 * What the preview reads from a queue: every FrameQueue is one. The backend's name is whatever
 * the queue says (`queue.backend`, e.g. `embedded` or `bullmq`); the preview passes it on as a
 * string and lists no backends of its own, so a new backend needs no change here.
 */
export interface PreviewQueue {
  /** The backend's name, as the queue gives it. */
  readonly backend: string;
  /** Frames waiting to run. */
  depth(): Promise<number>;
  /**
   * Live workers; with `includeOffline`, also those that stopped heartbeating recently
   * (`alive: false`). A queue that ignores the option and lists only live ones is fine.
   */
  workers(options?: WorkersOptions): Promise<WorkerInfo[]>;
}

/** A worker as the dashboard shows it: what the queue says, plus its speed. */
export interface WorkerStatus extends WorkerInfo {
  /**
   * Frames per second it finished over the last 3 s (from the preview's successive readings of
   * `processed`; 0 for an offline worker); null until the preview has read it twice.
   */
  fps: number | null;
}

/** The queue's state at one moment. */
export interface QueueStatus {
  /** The queue's `backend` name (any string). */
  backend: string;
  /** False when the queue failed to answer or answered too late; depth and workers are then empty. */
  up: boolean;
  /** Frames waiting to run. */
  depth: number;
  /** Live workers (for the embedded pool: its threads). */
  workers: WorkerStatus[];
  /**
   * Workers that stopped heartbeating recently (killed, hung, cut off from Redis), newest first;
   * listed for about a minute, then forgotten.
   */
  offline: WorkerStatus[];
}

/** Options for {@link QueueStatusCache}. */
export interface QueueStatusOptions {
  /** How long an answer is reused, ms (default 1000). */
  ttlMs?: number;
  /** How long to wait for the queue, ms (default 2000). */
  timeoutMs?: number;
}

/**
 * Asks the queue for its depth and workers, sharing one answer between every caller for
 * `ttlMs` and one request between concurrent callers, so many open dashboards cost one Redis
 * round trip a second.
 */
export class QueueStatusCache {
  readonly #queue: PreviewQueue;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #rates = new WorkerRates();
  #last?: { at: number; status: QueueStatus };
  #pending?: Promise<QueueStatus>;

  constructor(queue: PreviewQueue, options: QueueStatusOptions = {}) {
    this.#queue = queue;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  /** The queue's status, at most `ttlMs` old. Never rejects: a failing queue reports `up: false`. */
  get(): Promise<QueueStatus> {
    const last = this.#last;
    if (last && Date.now() - last.at < this.#ttlMs) return Promise.resolve(last.status);
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #fetch(): Promise<QueueStatus> {
    const status = await readQueueStatus(this.#queue, this.#timeoutMs, this.#rates);
    this.#last = { at: Date.now(), status };
    return status;
  }
}

/**
 * Asks `queue` for its depth and workers (live ones in `workers`, recently offline ones in
 * `offline`), giving up after `timeoutMs`. Never rejects: a queue that fails or answers too late
 * reports `up: false` with no depth and no workers. Each worker's `fps` comes from `rates`
 * (which this reading updates); without it, null.
 */
export async function readQueueStatus(
  queue: PreviewQueue,
  timeoutMs: number,
  rates?: WorkerRates,
): Promise<QueueStatus> {
  const backend = queue.backend;
  try {
    const [depth, all] = await withTimeout(
      Promise.all([queue.depth(), queue.workers({ includeOffline: true })]),
      timeoutMs,
    );
    const now = performance.now();
    const withFps = all.map((w): WorkerStatus => ({
      ...w,
      fps: w.alive === false ? 0 : rates ? rates.rate(w.id, w.processed, now) : null,
    }));
    const workers = withFps.filter((w) => w.alive !== false);
    const offline = withFps.filter((w) => w.alive === false)
      .sort((a, b) => a.lastSeenMs - b.lastSeenMs);
    return { backend, up: true, depth, workers, offline };
  } catch {
    return { backend, up: false, depth: 0, workers: [], offline: [] };
  }
}

/** Resolves like `promise`, or rejects after `ms`; always clears its timer. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
