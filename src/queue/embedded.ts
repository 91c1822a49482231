/**
 * The embedded backend (the default, used when no Redis is given): frames are filtered by an
 * in-process pool of Deno Workers running the SIMD wasm filters. The shared scheduler
 * (scheduler.ts) owns attempts, backoff, the deadline, cancel and close; this transport only runs
 * one attempt on the pool (after a rate-limit token, with the fault switch applied).
 */
import { FilterPool } from "../filters/pool.ts";
import { QueueOptionError } from "./errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "./fault.ts";
import { runAttempt } from "./filter_attempt.ts";
import { resolvePolicy } from "./policy.ts";
import { TokenBucket } from "./rate.ts";
import { Scheduler } from "./scheduler.ts";
import { FRAME_UNIT, processId } from "./task.ts";
import type { AttemptContext, Delivery, TaskRun, Transport } from "./transport.ts";
import type { FrameOutcome, FrameQueue, FrameTask, RetryPolicy, WorkerInfo } from "./types.ts";

/** Options of {@link EmbeddedQueue.create}. */
export interface EmbeddedQueueOptions {
  /** Filter threads (default `navigator.hardwareConcurrency`). Integer ≥ 1. */
  threads?: number;
  /** Retry policy; missing fields take `DEFAULT_POLICY` (3 attempts, 100 ms, 10 s, 60 s). */
  policy?: Partial<RetryPolicy>;
  /** Frames started per second across all threads (token bucket, burst 1); default unlimited. */
  ratePerSecond?: number;
  /** Test-only fault switch (see fault.ts); default the `VFRAME_FAULT` environment variable. */
  fault?: string;
  /**
   * A running pool to use instead of starting one (`threads` is then its size). It is shared:
   * `close()` leaves it open, its owner closes it.
   */
  pool?: FilterPool;
}

/** Moves an attempt onto a FilterPool thread. */
class PoolTransport implements Transport<FrameTask, Uint8Array> {
  readonly #pool: FilterPool;
  readonly #threads: number;
  readonly #bucket: TokenBucket | undefined;
  readonly #fault: FaultPlan;
  readonly #ownsPool: boolean;
  readonly #id = processId();
  /** Attempts waiting for a rate-limit token. */
  #waiting = 0;
  /** Attempts handed to the pool (running or queued behind busy threads). */
  #running = 0;

  constructor(
    pool: FilterPool,
    ownsPool: boolean,
    bucket: TokenBucket | undefined,
    fault: FaultPlan,
  ) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#threads = pool.size;
    this.#bucket = bucket;
    this.#fault = fault;
  }

  open(task: FrameTask): TaskRun<Uint8Array> {
    return {
      attempt: (ctx) => this.#attempt(task, ctx),
      finish: () => Promise.resolve(),
    };
  }

  async #attempt(task: FrameTask, ctx: AttemptContext): Promise<Delivery<Uint8Array>> {
    const { attempt, timeoutMs, signal } = ctx;
    if (this.#bucket) {
      this.#waiting++;
      try {
        await this.#bucket.take(signal);
      } finally {
        this.#waiting--;
      }
    }
    this.#running++;
    try {
      const result = await runAttempt(this.#pool, {
        ...task,
        attempt,
        timeoutMs,
        signal,
        fault: this.#fault,
      });
      return { result: result.data, worker: `${this.#id}/t${result.thread}` };
    } finally {
      this.#running--;
    }
  }

  cancelJob(): Promise<void> {
    return Promise.resolve(); // nothing outside this process: the scheduler aborted the attempts
  }

  /**
   * One entry per pool thread, id `HOST:PID/tN`, from the pool's own counters. The threads are
   * always alive (a thread that dies is replaced by the pool), so nothing is ever held.
   */
  workers(): Promise<WorkerInfo[]> {
    return Promise.resolve(
      this.#pool.stats().map((t) => ({
        id: `${this.#id}/t${t.thread}`,
        processed: t.processed,
        busy: t.busy ? 1 : 0,
        alive: true,
        lastSeenMs: 0,
      })),
    );
  }

  /** Waiting for a rate token, or queued behind busy threads. */
  depth(): Promise<number> {
    return Promise.resolve(this.#waiting + Math.max(0, this.#running - this.#threads));
  }

  close(): Promise<void> {
    return this.#ownsPool ? this.#pool.close() : Promise.resolve();
  }
}

/** In-process FrameQueue over a FilterPool: the shared scheduler with a thread-pool transport. */
export class EmbeddedQueue extends Scheduler<FrameTask, Uint8Array, FrameOutcome>
  implements FrameQueue {
  declare readonly backend: "embedded";
  /** Number of filter threads. */
  readonly threads: number;
  /** The rate limit in frames/s, or undefined when unlimited. */
  readonly ratePerSecond: number | undefined;

  private constructor(
    policy: RetryPolicy,
    transport: PoolTransport,
    threads: number,
    ratePerSecond: number | undefined,
  ) {
    super({ backend: "embedded", unit: FRAME_UNIT, transport, policy });
    this.threads = threads;
    this.ratePerSecond = ratePerSecond;
  }

  /**
   * Starts the thread pool (each thread loads the wasm engine once). Each attempt is limited to
   * `policy.attemptTimeoutMs` by the pool, which terminates and replaces the thread past it.
   * @throws QueueOptionError on a bad option; FaultSpecError on a bad fault switch.
   */
  static async create(options: EmbeddedQueueOptions = {}): Promise<EmbeddedQueue> {
    const threads = options.pool?.size ?? options.threads ?? navigator.hardwareConcurrency;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new QueueOptionError(`threads must be an integer >= 1, got ${threads}`);
    }
    const policy = resolvePolicy(options.policy);
    const { ratePerSecond } = options;
    // Checks the rate (QueueOptionError) before any thread starts.
    const bucket = ratePerSecond === undefined ? undefined : new TokenBucket({ ratePerSecond });
    const fault = parseFault(options.fault ?? faultFromEnv());
    const pool = options.pool ?? await FilterPool.create({ size: threads });
    const transport = new PoolTransport(pool, !options.pool, bucket, fault);
    return new EmbeddedQueue(policy, transport, threads, bucket?.ratePerSecond);
  }
}
