/** Named errors of the client. (A job's own failure or cancellation: `protocol/errors.ts`.) */
import { VframeError } from "../util/errors.ts";
import type { RefusalCode } from "../protocol/messages.ts";
import { JobCancelledError, JobFailedError } from "../protocol/errors.ts";

/** The client could not connect to the server at all. */
export class ServerUnreachableError extends VframeError {
  readonly code: string = "server-unreachable";
  override name = "ServerUnreachableError";
}

/** A client option that cannot work: `--ca` file missing or not PEM, TLS over a unix socket. */
export class ClientOptionError extends VframeError {
  readonly code: string = "bad-option";
  override name = "ClientOptionError";
}

/**
 * The server refused the job in its ack — or asked for a token this client does not have
 * (`code` `unauthorized`).
 */
export class JobRefusedError extends VframeError {
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
export class ChecksumMismatchError extends VframeError {
  readonly code: string = "checksum-mismatch";
  override name = "ChecksumMismatchError";
}

/** The server broke the protocol or closed the connection before the job ended. */
export class ServerProtocolError extends VframeError {
  readonly code: string = "server-protocol";
  override name = "ServerProtocolError";
}

/**
 * The job succeeded, but more of its frames fell back to the original than `--max-fallback`
 * allows. The output was written all the same.
 */
export class TooManyFallbacksError extends VframeError {
  readonly code: string = "too-many-fallbacks";
  override name = "TooManyFallbacksError";
}

/**
 * The error for an `error` message the server sent once the job was accepted: `too-large` (the
 * job's frames need more memory than the server allows, found when it saw the first frame) is a
 * refusal like the ack's ({@link JobRefusedError}, exit 4); `cancelled` a cancelled job; a
 * checksum or size code a {@link ChecksumMismatchError}; any other code a failed job.
 */
export function errorFromServer(code: string, message: string): Error {
  if (code === "too-large") return new JobRefusedError("too-large", message);
  if (code === "cancelled") return new JobCancelledError(`server: ${message}`);
  if (code === "bad-checksum" || code === "file-checksum" || code === "size-mismatch") {
    return new ChecksumMismatchError(`server reported ${code}: ${message}`);
  }
  return new JobFailedError(`server error (${code}): ${message}`);
}

export { JobCancelledError, JobFailedError };
