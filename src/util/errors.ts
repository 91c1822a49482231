/**
 * The base of every error vframe throws on purpose. Each subclass carries a stable `code` string
 * (kebab-case, never renamed once released) that the wire protocol, the result JSON and the CLI
 * exit codes are derived from; the class names and messages may change, the codes do not.
 *
 * ```ts
 * try { … } catch (e) { if (e instanceof VframeError) console.error(e.code); }
 * ```
 */
export abstract class VframeError extends Error {
  /** Stable machine-readable code, e.g. `bad-filter`, `server-unreachable`. */
  abstract readonly code: string;
}

/**
 * Exit code of the CLI for an error's code: 2 bad usage (flags, addresses, filter chains),
 * 3 server unreachable, 4 job refused, 5 job failed or cancelled, 6 output checksum mismatch,
 * 7 the server broke the protocol, 8 the job succeeded but more frames fell back to the original
 * than the client's `--max-fallback` allows (the output is written); 1 for anything else. The
 * README lists the same table.
 */
export const EXIT_CODES: Readonly<Record<string, number>> = {
  "usage": 2,
  "bad-option": 2,
  "bad-address": 2,
  "bad-filter": 2,
  "unknown-filter": 2,
  "server-unreachable": 3,
  "version-mismatch": 4,
  "too-large": 4,
  "server-busy": 4,
  "unauthorized": 4,
  "unknown-job": 4,
  "job-failed": 5,
  "job-cancelled": 5,
  "checksum-mismatch": 6,
  "server-protocol": 7,
  "too-many-fallbacks": 8,
};

/** The stable code of any thrown value: a {@link VframeError}'s code, else `internal`. */
export function errorCode(error: unknown): string {
  return error instanceof VframeError ? error.code : "internal";
}

/** The CLI exit code for a thrown value ({@link EXIT_CODES}; 1 when unlisted). */
export function exitCodeFor(error: unknown): number {
  return EXIT_CODES[errorCode(error)] ?? 1;
}
