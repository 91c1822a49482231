/**
 * Errors of the codec layer. Every failure of probe, decode or encode is a {@link CodecError};
 * when the input itself is at fault (not a video, truncated, too large, …) it is the subclass
 * {@link InvalidInputError}, whose message says what was wrong and what to do.
 */
import { VframeError } from "../util/errors.ts";
import type { CodecBackendName } from "./types.ts";

/** Details attached to a {@link CodecError}. */
export interface CodecErrorOptions {
  /** Backend that ran ffmpeg, when one did. */
  backend?: CodecBackendName;
  /** ffmpeg's exit code, when it ran and failed. */
  exitCode?: number;
  /** The last lines ffmpeg wrote to stderr (at most a few KiB). */
  stderr?: string;
  cause?: unknown;
}

/** ffmpeg (native or wasm) failed, or the codec layer was misused. */
export class CodecError extends VframeError {
  readonly code: string = "codec-failed";
  override name = "CodecError";
  /** Backend that ran ffmpeg, when one did. */
  readonly backend?: CodecBackendName;
  /** ffmpeg's exit code, when it ran and failed. */
  readonly exitCode?: number;
  /** The last lines ffmpeg wrote to stderr. */
  readonly stderr?: string;

  constructor(message: string, options: CodecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.backend = options.backend;
    this.exitCode = options.exitCode;
    this.stderr = options.stderr;
  }
}

/** Why an input was refused. */
export type InvalidInputReason =
  /** The file or stream has no bytes. */
  | "empty"
  /** Not a media container ffmpeg can read (text, random bytes, unknown format). */
  | "not-video"
  /** A still image (PNG, JPEG, …), not a video. */
  | "image"
  /** A media file with audio streams only. */
  | "audio-only"
  /** The file ends early (cut download, interrupted upload) or is damaged. */
  | "truncated"
  /** Dimensions or frame count past the configured {@link InputLimits}. */
  | "too-large"
  /** The file cannot be opened (missing, a directory, no permission). */
  | "unreadable";

/** The input is not a usable video. `reason` classifies it; the message explains it. */
export class InvalidInputError extends CodecError {
  override readonly code: string = "invalid-input";
  override name = "InvalidInputError";
  /** What is wrong with the input. */
  readonly reason: InvalidInputReason;
  /** The input's path, or `<stream>` for a byte stream. */
  readonly input: string;

  constructor(
    reason: InvalidInputReason,
    input: string,
    message: string,
    options: CodecErrorOptions = {},
  ) {
    super(`${input}: ${message}`, options);
    this.reason = reason;
    this.input = input;
  }
}

/** The requested backend cannot run here (e.g. `native` without `ffmpeg` on PATH). */
export class BackendUnavailableError extends CodecError {
  override readonly code: string = "backend-unavailable";
  override name = "BackendUnavailableError";
}
