/** Named errors of the pipeline: server-side jobs and the client. */
import type { RefusalCode } from "../protocol/messages.ts";

/** A job stopped because its client cancelled or disconnected, or the server is closing. */
export class JobCancelledError extends Error {
  override name = "JobCancelledError";
}

/** A job could not produce an output (bad input, encoder failure, …); `message` says why. */
export class JobFailedError extends Error {
  override name = "JobFailedError";
}

/** The client could not connect to the server at all. */
export class ServerUnreachableError extends Error {
  override name = "ServerUnreachableError";
}

/** The server refused the job in its ack. */
export class JobRefusedError extends Error {
  override name = "JobRefusedError";
  /** The refusal code from the ack. */
  readonly code: RefusalCode;
  /** With `server-busy`: when to try again, ms. */
  readonly retryAfterMs?: number;
  constructor(code: RefusalCode, reason: string, retryAfterMs?: number) {
    super(`server refused the job (${code}): ${reason}`);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The output's size or SHA-256 did not match what the server announced. */
export class ChecksumMismatchError extends Error {
  override name = "ChecksumMismatchError";
}

/** The server broke the protocol or closed the connection before the job ended. */
export class ServerProtocolError extends Error {
  override name = "ServerProtocolError";
}
