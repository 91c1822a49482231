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
