/** Retry policy defaults, validation, and the exponential backoff shared by both backends. */
import type { RetryPolicy } from "./types.ts";
import { QueueOptionError } from "./errors.ts";

/**
 * The defaults: 3 attempts, 100 ms first backoff (doubling), 10 s per attempt, 60 s per frame.
 */
export const DEFAULT_POLICY: RetryPolicy = Object.freeze({
  attempts: 3,
  backoffMs: 100,
  attemptTimeoutMs: 10_000,
  deadlineMs: 60_000,
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
  };
  const { attempts, backoffMs, attemptTimeoutMs, deadlineMs } = policy;
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
