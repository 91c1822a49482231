/**
 * The embedded backend (the default, used when no Redis is given): frames are filtered by an
 * in-process pool of Deno Workers running the SIMD wasm filters, with the same retry policy,
 * time limits, deadline, rate limit and fault switch as the BullMQ backend.
 */
import { FilterPool } from "../filters/pool.ts";
import { QueueOptionError } from "./errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "./fault.ts";
import { isPermanent, runAttempt } from "./filter_attempt.ts";
import { backoffDelay, resolvePolicy } from "./policy.ts";
import { TokenBucket } from "./rate.ts";
import { sleep } from "../util/sleep.ts";
import {
  CancelledJobs,
  checkTask,
  describeError,
  failure,
  processId,
  StopReason,
  stopReason,
} from "./task.ts";
import type { FrameOutcome, FrameQueue, FrameTask, RetryPolicy, WorkerInfo } from "./types.ts";

/** Options of {@link EmbeddedQueue.create}. */
export interface EmbeddedQueueOptions {
  /** Worker threads (default `navigator.hardwareConcurrency`). Integer ≥ 1. */
  threads?: number;
  /** Retry policy; missing fields take `DEFAULT_POLICY` (3 attempts, 100 ms, 10 s, 60 s). */
  policy?: Partial<RetryPolicy>;
  /** Frames started per second across all threads (token bucket, burst 1); default unlimited. */
  ratePerSecond?: number;
  /** Test-only fault switch (see fault.ts); default the `VFRAME_FAULT` environment variable. */
  fault?: string;
}

interface JobState {
  controller: AbortController;
  inFlight: number;
}

/** In-process FrameQueue over a FilterPool. */
export class EmbeddedQueue implements FrameQueue {
  readonly backend = "embedded" as const;
  /** The resolved retry policy. */
  readonly policy: RetryPolicy;
  /** Number of filter threads. */
  readonly threads: number;
  /** The rate limit in frames/s, or undefined when unlimited. */
  readonly ratePerSecond: number | undefined;
  #pool: FilterPool;
  #bucket: TokenBucket | undefined;
  #fault: FaultPlan;
  #jobs = new Map<string, JobState>();
  #cancelled = new CancelledJobs();
  #closing = new AbortController();
  #closed = false;
  #running = 0;
  #waiting = 0;
  #id = processId();

  private constructor(
    pool: FilterPool,
    threads: number,
    policy: RetryPolicy,
    bucket: TokenBucket | undefined,
    fault: FaultPlan,
  ) {
    this.#pool = pool;
    this.threads = threads;
    this.policy = policy;
    this.ratePerSecond = bucket?.ratePerSecond;
    this.#bucket = bucket;
    this.#fault = fault;
  }

  /**
   * Starts the thread pool (each thread loads the wasm engine once).
   * @throws QueueOptionError on a bad option; FaultSpecError on a bad fault switch.
   */
  static async create(options: EmbeddedQueueOptions = {}): Promise<EmbeddedQueue> {
    const threads = options.threads ?? navigator.hardwareConcurrency;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new QueueOptionError(`threads must be an integer >= 1, got ${threads}`);
    }
    const policy = resolvePolicy(options.policy);
    const { ratePerSecond } = options;
    // Checks the rate (QueueOptionError) before any thread starts.
    const bucket = ratePerSecond === undefined ? undefined : new TokenBucket({ ratePerSecond });
    const fault = parseFault(options.fault ?? faultFromEnv());
    const pool = await FilterPool.create({ size: threads });
    return new EmbeddedQueue(pool, threads, policy, bucket, fault);
  }

  /**
   * Filters one frame: up to `policy.attempts` tries, each limited to `attemptTimeoutMs` (the
   * thread is terminated past it), exponential backoff between tries, the whole frame limited to
   * `deadlineMs`. A chain the filters reject is not retried. Resolves `{ok:false, reason}` on failure, cancel (`cancelled`), abort of
   * `signal` (`cancelled`) or close (`queue closed`).
   * @throws QueueOptionError (as a rejection) when the task is malformed.
   */
  async process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome> {
    checkTask(task); // async function: a bad task rejects
    const startedAt = performance.now();
    const { jobId, index } = task;
    if (this.#closed) return failure(index, "queue closed", 0, startedAt);
    if (this.#cancelled.has(jobId)) return failure(index, "cancelled", 0, startedAt);
    if (signal?.aborted) return failure(index, "cancelled", 0, startedAt);

    const job = this.#enter(jobId);
    const frame = new AbortController();
    const stop = (reason: string) => frame.abort(new StopReason(reason));
    const onJob = () => stop(stopReason(job.controller.signal));
    const onClose = () => stop("queue closed");
    const onSignal = () => stop("cancelled");
    job.controller.signal.addEventListener("abort", onJob);
    this.#closing.signal.addEventListener("abort", onClose);
    signal?.addEventListener("abort", onSignal);
    const deadline = setTimeout(
      () => stop(`deadline of ${this.policy.deadlineMs} ms exceeded`),
      this.policy.deadlineMs,
    );
    try {
      return await this.#attempts(task, frame.signal, startedAt);
    } finally {
      clearTimeout(deadline);
      job.controller.signal.removeEventListener("abort", onJob);
      this.#closing.signal.removeEventListener("abort", onClose);
      signal?.removeEventListener("abort", onSignal);
      this.#leave(jobId);
    }
  }

  async #attempts(task: FrameTask, signal: AbortSignal, startedAt: number): Promise<FrameOutcome> {
    const { index } = task;
    const deadlineAt = startedAt + this.policy.deadlineMs;
    let attempt = 0;
    let lastReason = "no attempt finished";
    while (attempt < this.policy.attempts) {
      try {
        if (this.#bucket) {
          this.#waiting++;
          try {
            await this.#bucket.take(signal);
          } finally {
            this.#waiting--;
          }
        }
        attempt++;
        const timeoutMs = Math.max(
          1,
          Math.min(this.policy.attemptTimeoutMs, Math.ceil(deadlineAt - performance.now())),
        );
        this.#running++;
        let result;
        try {
          result = await runAttempt(this.#pool, {
            ...task,
            attempt,
            timeoutMs,
            signal,
            fault: this.#fault,
          });
        } catch (err) {
          if (!signal.aborted) lastReason = describeError(err, timeoutMs);
          if (isPermanent(err)) return failure(index, lastReason, attempt, startedAt);
          throw err;
        } finally {
          this.#running--;
        }
        return {
          ok: true,
          index,
          data: result.data,
          worker: `${this.#id}/t${result.thread}`,
          attempts: attempt,
          latencyMs: performance.now() - startedAt,
        };
      } catch {
        if (signal.aborted) return this.#stopped(index, signal, attempt, lastReason, startedAt);
      }
      if (attempt < this.policy.attempts) {
        this.#waiting++;
        try {
          await sleep(backoffDelay(this.policy, attempt), signal);
        } catch {
          return this.#stopped(index, signal, attempt, lastReason, startedAt);
        } finally {
          this.#waiting--;
        }
      }
    }
    return failure(index, lastReason, attempt, startedAt);
  }

  #stopped(
    index: number,
    signal: AbortSignal,
    attempts: number,
    lastReason: string,
    startedAt: number,
  ): FrameOutcome {
    const reason = stopReason(signal);
    const withLast = reason.startsWith("deadline") && lastReason !== "no attempt finished"
      ? `${reason} (last error: ${lastReason})`
      : reason;
    return failure(index, withLast, attempts, startedAt);
  }

  #enter(jobId: string): JobState {
    let job = this.#jobs.get(jobId);
    if (!job) {
      job = { controller: new AbortController(), inFlight: 0 };
      this.#jobs.set(jobId, job);
    }
    job.inFlight++;
    return job;
  }

  #leave(jobId: string): void {
    const job = this.#jobs.get(jobId);
    if (job && --job.inFlight === 0) this.#jobs.delete(jobId);
  }

  /**
   * Cancels every frame of `jobId`: frames in flight resolve promptly with reason `cancelled`
   * (their thread run is aborted), and frames submitted later for that id resolve `cancelled`
   * at once (the last 10,000 cancelled ids are remembered).
   */
  cancelJob(jobId: string): Promise<void> {
    if (typeof jobId !== "string" || jobId === "") {
      return Promise.reject(
        new QueueOptionError(`jobId must be a non-empty string, got ${jobId}`),
      );
    }
    this.#cancelled.add(jobId);
    this.#jobs.get(jobId)?.controller.abort(new StopReason("cancelled"));
    this.#jobs.delete(jobId);
    return Promise.resolve();
  }

  /** One entry per pool thread, id `HOST:PID/tN`, from the pool's own counters. */
  workers(): Promise<WorkerInfo[]> {
    return Promise.resolve(
      this.#pool.stats().map((t) => ({
        id: `${this.#id}/t${t.thread}`,
        processed: t.processed,
        busy: t.busy ? 1 : 0,
      })),
    );
  }

  /** Frames waiting to run: waiting for a rate token or a backoff, or queued behind busy threads. */
  depth(): Promise<number> {
    return Promise.resolve(this.#waiting + Math.max(0, this.#running - this.threads));
  }

  /** Resolves every pending frame with `queue closed` and terminates the threads. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(new StopReason("queue closed"));
    await this.#pool.close();
  }
}
