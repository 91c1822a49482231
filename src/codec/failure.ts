/** Turns a failed ffmpeg run into the right error, from its exit code and stderr. Pure. */
import { CodecError, InvalidInputError } from "./errors.ts";
import type { CodecBackendName } from "./types.ts";

/** Drops Emscripten noise and keeps the last `maxLines` lines. */
export function stderrTail(stderr: string, maxLines = 20): string {
  return stderr
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line && !line.startsWith("Aborted("))
    .slice(-maxLines)
    .join("\n");
}

/** What failed and where, for {@link failureFromStderr}. */
export interface FailureContext {
  backend: CodecBackendName;
  /** The input's name for messages (path or `<stream>`). */
  input: string;
  /** What ffmpeg was doing: `decode`, `encode`, `probe`. */
  action: string;
  exitCode?: number;
}

/**
 * Classifies an ffmpeg failure: input problems become {@link InvalidInputError}, anything else a
 * {@link CodecError} carrying the last stderr lines.
 */
export function failureFromStderr(stderr: string, context: FailureContext): CodecError {
  const tail = stderrTail(stderr);
  const options = { backend: context.backend, exitCode: context.exitCode, stderr: tail };
  const input = context.input;
  if (/moov atom not found/i.test(tail)) {
    return new InvalidInputError(
      "truncated",
      input,
      "the MP4 has no index (moov atom not found): it is truncated or unfinished",
      options,
    );
  }
  if (/Invalid data found when processing input/i.test(tail)) {
    return new InvalidInputError(
      "not-video",
      input,
      "not a video ffmpeg can read (invalid data); give an MP4, MOV, MKV or WebM file",
      options,
    );
  }
  if (/No such file or directory|Permission denied|Is a directory/i.test(tail)) {
    const line = tail.split("\n").find((l) => /No such file|Permission|directory/i.test(l));
    return new InvalidInputError("unreadable", input, `cannot be read: ${line}`, options);
  }
  if (/(partial file|Truncat|corrupt|error while decoding|Invalid NAL)/i.test(tail)) {
    return new InvalidInputError(
      "truncated",
      input,
      `is damaged or truncated; ffmpeg said: ${tail.split("\n").at(-1)}`,
      options,
    );
  }
  const last = tail.split("\n").at(-1) || "no error output";
  return new CodecError(
    `ffmpeg (${context.backend}) failed to ${context.action} ${input}` +
      `${context.exitCode === undefined ? "" : ` with exit code ${context.exitCode}`}: ${last}`,
    options,
  );
}
