/** Named errors of the queue backends. Each message says what was wrong and the value seen. */
import { VframeError } from "../util/errors.ts";

/** A queue option or a task field is invalid (programming error, thrown up front). */
export class QueueOptionError extends VframeError {
  readonly code: string = "bad-option";
  override name = "QueueOptionError";
}

/** `VFRAME_FAULT` (or the `fault` option) could not be parsed. */
export class FaultSpecError extends VframeError {
  readonly code: string = "bad-option";
  override name = "FaultSpecError";
}

/** Thrown inside a worker for a frame the fault switch marks as failing (test-only). */
export class FaultInjectedError extends VframeError {
  readonly code: string = "fault-injected";
  override name = "FaultInjectedError";
}

/** Redis could not be reached when a backend or worker started. */
export class RedisUnavailableError extends VframeError {
  readonly code: string = "redis-unavailable";
  override name = "RedisUnavailableError";
}

/** The queue was used after `close()`. */
export class QueueClosedError extends VframeError {
  readonly code: string = "closed";
  override name = "QueueClosedError";
}

/** An attempt passed its time limit without the filter pool noticing (the `hang` fault). */
export class AttemptTimeoutError extends VframeError {
  readonly code: string = "attempt-timeout";
  override name = "AttemptTimeoutError";
}

/**
 * The transport lost a task's work through no fault of the task: its job vanished from Redis (a
 * Redis restart without persistence), or Redis failed while it was being submitted. The scheduler
 * queues the work again, without using up an attempt, while the deadline allows.
 */
export class WorkLostError extends VframeError {
  readonly code: string = "work-lost";
  override name = "WorkLostError";
}

/**
 * An attempt that failed on a remote worker, as the worker reported it: `message` is the reason
 * already worded for the outcome (`timeout after 400 ms`, `FaultInjectedError: …`), `permanent`
 * whether a retry could help (see `isPermanent` in policy.ts).
 */
export class RemoteAttemptError extends VframeError {
  readonly code: string = "attempt-failed";
  override name = "RemoteAttemptError";
  /** True when no retry can fix it (e.g. a filter chain the filters reject). */
  readonly permanent: boolean;

  constructor(reason: string, options: { permanent?: boolean } = {}) {
    super(reason);
    this.permanent = options.permanent ?? false;
  }
}
