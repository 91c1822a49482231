/**
 * {@link MemoryGate}: a job's view of the frame queue that holds the job at its first frame until
 * its memory is granted, and caps its frames in flight to what the grant allows.
 *
 * The frame size is known for certain at the first frame the job submits (decoding may start
 * before the upload is complete and probed), so the gate decides there:
 * 1. At creation it holds all but one permit of the job's in-flight semaphore: until the decision
 *    the job has one frame in flight, and its encoder has not opened (it opens with frame 0).
 * 2. At frame 0 it plans the job's memory ({@link planJobMemory}); a job over the limit even with
 *    one frame in flight is refused (`too-large`); otherwise the estimate is reserved from the
 *    server's {@link MemoryBudget}, waiting up to `waitMs` for running jobs to give memory back
 *    (then refused with `timeout`).
 * 3. Granted, it gives back all but `maxInFlight − plan.inFlight` of the held permits, so the job
 *    runs with `plan.inFlight` frames in flight; everything is returned by {@link dispose}.
 *
 * Refusals reach the job as a rejection of `process` (the job then fails) and the session through
 * `onRefused`, which tells the client.
 */
import type {
  FrameOutcome,
  FrameQueue,
  FrameTask,
  WorkerInfo,
  WorkersOptions,
} from "../queue/types.ts";
import { VframeError } from "../util/errors.ts";
import type { Release, Semaphore } from "../util/semaphore.ts";
import {
  describeRefusal,
  formatBytes,
  type JobMemoryPlan,
  type MemoryBudget,
  MemoryWaitTimeoutError,
  planJobMemory,
} from "./memory.ts";

/** Why the gate refused a job: `too-large` (never fits) or `timeout` (no memory in time). */
export class MemoryRefusedError extends VframeError {
  readonly code: "too-large" | "timeout";
  override name = "MemoryRefusedError";
  constructor(code: "too-large" | "timeout", message: string) {
    super(message);
    this.code = code;
  }
}

/** Options of {@link MemoryGate}. */
export interface MemoryGateOptions {
  /** The server's queue (not closed by the gate). */
  queue: FrameQueue;
  budget: MemoryBudget;
  /** Bytes the job already holds from the budget (its admission share); counted in the plan. */
  heldBytes: number;
  /** The job's own in-flight semaphore, with `maxInFlight` permits, none taken yet. */
  inFlight: Semaphore;
  maxInFlight: number;
  /** Cap of the bytes of frames in flight (see planJobMemory). */
  inFlightBudgetBytes?: number;
  /** Longest wait for memory, ms. */
  waitMs: number;
  /** Told once when the job is refused, before `process` rejects. */
  onRefused?: (error: MemoryRefusedError) => void;
  /** Told once when the job is granted its memory. */
  onGranted?: (plan: JobMemoryPlan) => void;
}

/** A FrameQueue for one job; see the module documentation. */
export class MemoryGate implements FrameQueue {
  readonly #o: MemoryGateOptions;
  readonly #held: Release[] = [];
  #decision?: Promise<void>;
  #memory?: Release;
  #plan?: JobMemoryPlan;
  #disposed = false;

  constructor(options: MemoryGateOptions) {
    this.#o = options;
    for (let i = 1; i < options.maxInFlight; i++) {
      const r = options.inFlight.tryAcquire();
      if (r) this.#held.push(r);
    }
  }

  get backend(): FrameQueue["backend"] {
    return this.#o.queue.backend;
  }

  /** The job's plan, once decided. */
  get plan(): JobMemoryPlan | undefined {
    return this.#plan;
  }

  async process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome> {
    this.#decision ??= this.#decide(task, signal);
    await this.#decision;
    return await this.#o.queue.process(task, signal);
  }

  cancelJob(jobId: string): Promise<void> {
    return this.#o.queue.cancelJob(jobId);
  }

  workers(options?: WorkersOptions): Promise<WorkerInfo[]> {
    return this.#o.queue.workers(options);
  }

  get workerHint(): string | undefined {
    return this.#o.queue.workerHint;
  }

  depth(): Promise<number> {
    return this.#o.queue.depth();
  }

  /** Does nothing: the queue is the server's. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Gives back the memory and the held permits. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.#memory?.();
    this.#memory = undefined;
    for (const r of this.#held.splice(0)) r();
  }

  async #decide(task: FrameTask, signal?: AbortSignal): Promise<void> {
    const o = this.#o;
    const plan = planJobMemory({
      width: task.width,
      height: task.height,
      maxInFlight: o.maxInFlight,
      inFlightBudgetBytes: o.inFlightBudgetBytes,
      limitBytes: o.budget.limitBytes,
    });
    if (!plan.fits) throw this.#refuse("too-large", describeRefusal(plan, o.budget.limitBytes));
    const extra = Math.max(0, plan.estimateBytes - o.heldBytes);
    try {
      this.#memory = await o.budget.take(extra, { timeoutMs: o.waitMs, signal });
    } catch (error) {
      if (error instanceof MemoryWaitTimeoutError) {
        throw this.#refuse(
          "timeout",
          `no memory for this job within ${
            o.waitMs / 1000
          } s: its ${plan.width}x${plan.height} frames need about ${
            formatBytes(plan.estimateBytes)
          }, and running jobs hold ${formatBytes(o.budget.reservedBytes)} of the ${
            formatBytes(o.budget.limitBytes)
          } limit (--max-memory-mb); try again later`,
        );
      }
      throw error;
    }
    if (this.#disposed) {
      this.#memory();
      this.#memory = undefined;
      return;
    }
    this.#plan = plan;
    // Run with plan.inFlight frames in flight: one is frame 0's, keep maxInFlight − inFlight.
    const keep = o.maxInFlight - plan.inFlight;
    for (const r of this.#held.splice(keep)) r();
    o.onGranted?.(plan);
  }

  #refuse(code: "too-large" | "timeout", message: string): MemoryRefusedError {
    const error = new MemoryRefusedError(code, message);
    this.#o.onRefused?.(error);
    return error;
  }
}
