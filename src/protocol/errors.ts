/** Errors of the wire protocol and of {@link MessageConnection}. */
import { VframeError } from "../util/errors.ts";
import type { ErrorCode } from "./messages.ts";

/**
 * Bytes that break the protocol: unknown type, over-limit length, bad JSON, a field of the wrong
 * type or range, a chunk whose CRC-32 does not match, a stream that ends mid-message. Also thrown
 * by `encodeMessage` for a message that would not decode. `code` is what to put in the `error`
 * message sent to the peer before closing.
 */
export class ProtocolError extends VframeError {
  /** The `error` message code that describes this failure. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** `send()` on a connection that was closed locally or that the peer closed or reset. */
export class ConnectionClosedError extends VframeError {
  readonly code: string = "connection-closed";
  constructor(message = "connection is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}

/** No complete message arrived within `timeoutMs`. The connection stays usable. */
export class ReadTimeoutError extends VframeError {
  readonly code: string = "read-timeout";
  /** The time limit that passed, ms. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`no message within ${timeoutMs} ms`);
    this.name = "ReadTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** A `send()` did not finish within `timeoutMs` (the peer stopped reading); the connection is closed. */
export class WriteTimeoutError extends VframeError {
  readonly code: string = "write-timeout";
  /** The time limit that passed, ms. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`send did not finish within ${timeoutMs} ms; connection closed`);
    this.name = "WriteTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** A job stopped because its client cancelled or disconnected, or the server is closing. */
export class JobCancelledError extends VframeError {
  readonly code: string = "job-cancelled";
  override name = "JobCancelledError";
}

/** A job could not produce an output (bad input, encoder failure, …); `message` says why. */
export class JobFailedError extends VframeError {
  readonly code: string = "job-failed";
  override name = "JobFailedError";
}

/** A job failed because no worker was alive to take its frames within the server's limit. */
export class NoLiveWorkerError extends JobFailedError {
  override readonly code: string = "no-live-worker";
  override name = "NoLiveWorkerError";
}
