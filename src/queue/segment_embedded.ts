/**
 * Segments on the embedded backend: the server itself decodes, filters (on its FilterPool, shared
 * with the frame queue) and encodes each segment, a few segments at once. The shared scheduler
 * owns attempts, backoff, the deadline, cancel and close; this transport runs one attempt in
 * process (`runSegmentAttempt`).
 */
import type { CodecChoice } from "../codec/types.ts";
import type { FilterPool } from "../filters/pool.ts";
import { Semaphore } from "../util/semaphore.ts";
import { QueueOptionError } from "./errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "./fault.ts";
import { resolvePolicy } from "./policy.ts";
import { Scheduler } from "./scheduler.ts";
import { runSegmentAttempt } from "./segment_attempt.ts";
import {
  type SegmentOutcome,
  type SegmentQueue,
  type SegmentResult,
  type SegmentTask,
  segmentUnit,
} from "./segment_task.ts";
import { processId } from "./task.ts";
import type { AttemptContext, Delivery, TaskRun, Transport } from "./transport.ts";
import type { RetryPolicy, WorkerInfo } from "./types.ts";

/** Default segments processed at once by the embedded backend: 2 (one decodes while one encodes). */
export const DEFAULT_EMBEDDED_SEGMENTS = 2;

/** Options of {@link EmbeddedSegmentQueue.create}. */
export interface EmbeddedSegmentQueueOptions {
  /** The filter pool (shared with the frame queue; the queue never closes it). */
  pool: FilterPool;
  /** Retry policy (attempts, backoff, no-worker time); per-segment limits: `segmentLimits`. */
  policy?: Partial<RetryPolicy>;
  /** Segments at once (default {@link DEFAULT_EMBEDDED_SEGMENTS}). */
  concurrency?: number;
  /** Codec backend of the segments' decoders and encoders (default `auto`). */
  codec?: CodecChoice;
  /** Test-only fault switch (see fault.ts); default the `VFRAME_FAULT` environment variable. */
  fault?: string;
}

class SegmentPoolTransport implements Transport<SegmentTask, SegmentResult> {
  readonly #pool: FilterPool;
  readonly #slots: Semaphore;
  readonly #concurrency: number;
  readonly #fault: FaultPlan;
  readonly #codec: CodecChoice | undefined;
  readonly #id = processId();
  #processed = 0;
  #running = 0;

  constructor(pool: FilterPool, concurrency: number, fault: FaultPlan, codec?: CodecChoice) {
    this.#pool = pool;
    this.#concurrency = concurrency;
    this.#slots = new Semaphore(concurrency);
    this.#fault = fault;
    this.#codec = codec;
  }

  open(task: SegmentTask): TaskRun<SegmentResult> {
    return { attempt: (ctx) => this.#attempt(task, ctx), finish: () => Promise.resolve() };
  }

  async #attempt(task: SegmentTask, ctx: AttemptContext): Promise<Delivery<SegmentResult>> {
    const release = await this.#slots.acquire(ctx.signal);
    this.#running++;
    try {
      const result = await runSegmentAttempt(this.#pool, {
        ...task,
        attempt: ctx.attempt,
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
        fault: this.#fault,
        codec: this.#codec,
        parallel: Math.max(2, this.#pool.size * 2),
      });
      this.#processed++;
      return { result, worker: this.#id };
    } finally {
      this.#running--;
      release();
    }
  }

  cancelJob(): Promise<void> {
    return Promise.resolve(); // nothing outside this process: the scheduler aborted the attempts
  }

  /** This process, always alive: it runs `concurrency` segments at once. */
  workers(): Promise<WorkerInfo[]> {
    return Promise.resolve([{
      id: this.#id,
      processed: this.#processed,
      busy: this.#running,
      alive: true,
      lastSeenMs: 0,
      concurrency: this.#concurrency,
    }]);
  }

  depth(): Promise<number> {
    return Promise.resolve(this.#slots.waiting);
  }

  close(): Promise<void> {
    return Promise.resolve(); // the pool is the frame queue's (or its owner's)
  }
}

/** Segments processed in this process; see the module documentation. */
export class EmbeddedSegmentQueue extends Scheduler<SegmentTask, SegmentResult, SegmentOutcome>
  implements SegmentQueue {
  declare readonly backend: "embedded";
  /** Segments at once. */
  readonly concurrency: number;

  private constructor(policy: RetryPolicy, transport: SegmentPoolTransport, concurrency: number) {
    super({ backend: "embedded", unit: segmentUnit(policy.attempts), transport, policy });
    this.concurrency = concurrency;
  }

  /**
   * @throws QueueOptionError on a bad option; FaultSpecError on a bad fault switch.
   */
  static create(options: EmbeddedSegmentQueueOptions): Promise<EmbeddedSegmentQueue> {
    try {
      if (!options?.pool) throw new QueueOptionError("options.pool (a FilterPool) is required");
      const concurrency = options.concurrency ?? DEFAULT_EMBEDDED_SEGMENTS;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new QueueOptionError(`concurrency must be an integer >= 1, got ${concurrency}`);
      }
      const policy = resolvePolicy(options.policy);
      const fault = parseFault(options.fault ?? faultFromEnv());
      const transport = new SegmentPoolTransport(options.pool, concurrency, fault, options.codec);
      return Promise.resolve(new EmbeddedSegmentQueue(policy, transport, concurrency));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
