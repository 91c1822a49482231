/**
 * What a backend must provide to the shared scheduler (scheduler.ts): a way to move one attempt of
 * one task to where it runs and bring its result back. Attempts, backoff, deadline, cancel and
 * close are the scheduler's; a transport only moves work.
 */
import type { WorkerInfo, WorkersOptions } from "./types.ts";

/** One attempt, as the scheduler hands it to {@link TaskRun.attempt}. */
export interface AttemptContext {
  /** 1-based attempt number (the same number again when lost work is queued again). */
  attempt: number;
  /**
   * Time limit of this attempt, ms: `policy.attemptTimeoutMs`, or less when the deadline is
   * nearer. The transport enforces it where the work runs (counted from when it starts there, not
   * while it waits in a queue) and rejects with a timeout error past it.
   */
  timeoutMs: number;
  /**
   * Aborted when the task is stopped (deadline, cancel, close, the caller's signal). The attempt
   * must then settle promptly; the scheduler does not wait for it anyway.
   */
  signal: AbortSignal;
}

/** A successful attempt's result. */
export interface Delivery<Result> {
  result: Result;
  /** Which worker produced it (`HOST:PID`, `HOST:PID/tN` for a thread). */
  worker: string;
}

/**
 * A transport's handle on one task, from {@link Transport.open} to {@link TaskRun.finish}.
 * `attempt` is called one at a time, never concurrently.
 */
export interface TaskRun<Result> {
  /**
   * Runs one attempt. Rejects with the attempt's error: a retryable one, a permanent one (see
   * `isPermanent` in policy.ts), `RemoteAttemptError` for a failure reported by a remote worker,
   * or `WorkLostError` when the work vanished (it is then queued again without using an
   * attempt).
   */
  attempt(ctx: AttemptContext): Promise<Delivery<Result>>;
  /**
   * Releases what the transport holds for the task (Redis keys, jobs left behind). Called once,
   * after the last attempt, `ok` telling whether the task succeeded. Never rejects and gives up
   * on its own after a bounded time (the Redis keys have a TTL).
   */
  finish(ok: boolean): Promise<void>;
}

/** A backend's way of moving work: see the module documentation. */
export interface Transport<Task, Result> {
  /** Starts handling `task` (already checked). Must not throw. */
  open(task: Task): TaskRun<Result>;
  /**
   * Backend side of a cancel (e.g. a Redis marker so remote workers drop the job's work). The
   * scheduler has already stopped the job's tasks and waits for their `finish` itself. Bounded.
   */
  cancelJob(jobId: string): Promise<void>;
  /**
   * Live workers (`alive: true`); with `includeOffline`, also those that stopped heartbeating
   * recently. The scheduler counts the live ones to hold tasks while there is none; a rejection
   * leaves its view as it was.
   */
  workers(options?: WorkersOptions): Promise<WorkerInfo[]>;
  /** What to do when no worker is alive, for messages; none when workers are always alive. */
  readonly workerHint?: string;
  /** Units waiting on the transport's side (queued jobs, rate-limit waits, busy threads). */
  depth(): Promise<number>;
  /** Releases threads and connections; called once, after every task has finished. Bounded. */
  close(): Promise<void>;
}
