/**
 * The retry policy, written once for every backend: defaults and validation, the exponential
 * backoff, which errors are not retried, how an attempt's error is worded, and how soon lost work
 * is queued again. Pure; the scheduler (scheduler.ts) applies it.
 */
import type { RetryPolicy } from "./types.ts";
import { QueueOptionError, RemoteAttemptError, WorkLostError } from "./errors.ts";

/**
 * The defaults: 3 attempts, 100 ms first backoff (doubling), 10 s per attempt, 60 s per frame,
 * held at most 30 s while no worker is alive.
 */
export const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  attempts: 3,
  backoffMs: 100,
  attemptTimeoutMs: 10_000,
  deadlineMs: 60_000,
  noWorkerTimeoutMs: 30_000,
});

/** Largest accepted `attempts` (a guard against typos such as 1000). */
export const MAX_ATTEMPTS = 100;

/**
 * Fills `p` with {@link DEFAULT_POLICY} and checks every field.
 *
 * - `attempts`: integer in [1, 100]
 * - `backoffMs`: finite, ≥ 0
 * - `attemptTimeoutMs`: finite, > 0
 * - `deadlineMs`: finite, > 0
 * - `noWorkerTimeoutMs`: finite, > 0
 *
 * @throws QueueOptionError naming the field and the value seen.
 */
export function resolvePolicy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  if (p === null || typeof p !== "object") {
    throw new QueueOptionError(`retry policy must be an object, got ${String(p)}`);
  }
  const policy: RetryPolicy = {
    attempts: p.attempts ?? DEFAULT_POLICY.attempts,
    backoffMs: p.backoffMs ?? DEFAULT_POLICY.backoffMs,
    attemptTimeoutMs: p.attemptTimeoutMs ?? DEFAULT_POLICY.attemptTimeoutMs,
    deadlineMs: p.deadlineMs ?? DEFAULT_POLICY.deadlineMs,
    noWorkerTimeoutMs: p.noWorkerTimeoutMs ?? DEFAULT_POLICY.noWorkerTimeoutMs,
  };
  const { attempts, backoffMs, attemptTimeoutMs, deadlineMs, noWorkerTimeoutMs } = policy;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) {
    throw new QueueOptionError(
      `policy.attempts must be an integer in [1, ${MAX_ATTEMPTS}], got ${attempts}`,
    );
  }
  if (typeof backoffMs !== "number" || !Number.isFinite(backoffMs) || backoffMs < 0) {
    throw new QueueOptionError(`policy.backoffMs must be a finite number >= 0, got ${backoffMs}`);
  }
  if (
    typeof attemptTimeoutMs !== "number" || !Number.isFinite(attemptTimeoutMs) ||
    attemptTimeoutMs <= 0
  ) {
    throw new QueueOptionError(
      `policy.attemptTimeoutMs must be a finite number > 0, got ${attemptTimeoutMs}`,
    );
  }
  if (typeof deadlineMs !== "number" || !Number.isFinite(deadlineMs) || deadlineMs <= 0) {
    throw new QueueOptionError(`policy.deadlineMs must be a finite number > 0, got ${deadlineMs}`);
  }
  if (
    typeof noWorkerTimeoutMs !== "number" || !Number.isFinite(noWorkerTimeoutMs) ||
    noWorkerTimeoutMs <= 0
  ) {
    throw new QueueOptionError(
      `policy.noWorkerTimeoutMs must be a finite number > 0, got ${noWorkerTimeoutMs}`,
    );
  }
  return policy;
}

/**
 * Delay before the next try after `attempt` failed tries (1 = the first try failed):
 * `round(backoffMs · 2^(attempt − 1))`, the same formula as BullMQ's `exponential` backoff,
 * so both backends wait alike. Pure.
 *
 * @throws QueueOptionError when `attempt` is not an integer ≥ 1.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new QueueOptionError(`attempt must be an integer >= 1, got ${attempt}`);
  }
  return Math.round(policy.backoffMs * 2 ** (attempt - 1));
}

/** First delay before lost work is queued again: 250 ms, doubling up to {@link MAX_REQUEUE_MS}. */
export const REQUEUE_MS = 250;
/** Longest delay before lost work is queued again: 2000 ms. */
export const MAX_REQUEUE_MS = 2000;

/**
 * Delay before work lost by the transport (see `WorkLostError`) is queued again for the `lost`-th
 * time (1-based): 250, 500, 1000, 2000, 2000, … ms. Only the deadline ends these retries. Pure.
 *
 * @throws QueueOptionError when `lost` is not an integer ≥ 1.
 */
export function requeueDelay(lost: number): number {
  if (!Number.isInteger(lost) || lost < 1) {
    throw new QueueOptionError(`lost must be an integer >= 1, got ${lost}`);
  }
  return Math.min(MAX_REQUEUE_MS, REQUEUE_MS * 2 ** Math.min(lost - 1, 16));
}

/**
 * The reason of a task failed for want of a live worker: `no live worker for 30 s` and, when the
 * backend has one, what to do about it (`: start \`deno task worker --redis …\``). Pure.
 */
export function noWorkerReason(noWorkerTimeoutMs: number, hint?: string): string {
  const s = Math.round(noWorkerTimeoutMs / 100) / 10;
  return `no live worker for ${s} s${hint ? `: ${hint}` : ""}`;
}

/**
 * True for errors that no retry can fix, which end the task at once: a filter chain the filters
 * reject (`FilterChainError`), a frame of the wrong size (`RangeError` from the filter pool), or a
 * remote worker's failure it reported as permanent.
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof RemoteAttemptError) return err.permanent;
  return err instanceof Error && (err.name === "FilterChainError" || err.name === "RangeError");
}

/**
 * Why an attempt failed, for an outcome's `reason`: `timeout after N ms` for a time limit
 * (`timeoutMs` is the attempt's limit), a remote worker's reason as it sent it, the message of a
 * `WorkLostError` or a plain Error, else `Name: message`.
 */
export function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof RemoteAttemptError || err instanceof WorkLostError) return err.message;
  if (err instanceof Error) {
    if (err.name === "FilterTimeoutError" || err.name === "AttemptTimeoutError") {
      return `timeout after ${timeoutMs} ms`;
    }
    return err.name === "Error" ? err.message : `${err.name}: ${err.message}`;
  }
  return String(err);
}
