/**
 * Whether the server takes a job: the checks behind the `ack`. Pure (the filter parser is pure).
 */
import { FilterChainError } from "../filters/errors.ts";
import { formatChain, parseChain } from "../filters/parse.ts";
import { type HelloMessage, PROTOCOL_VERSION, type RefusalCode } from "../protocol/messages.ts";

/** What the server knows when a `hello` arrives. */
export interface AdmissionState {
  /** Largest accepted upload, bytes. */
  maxUploadBytes: number;
  /** Jobs running now. */
  activeJobs: number;
  /** Jobs allowed at once. */
  maxJobs: number;
  /** True while the server shuts down. */
  closing?: boolean;
}

/** The verdict on a `hello`. */
export type Admission =
  | { ok: true; filter: string }
  | { ok: false; code: RefusalCode; reason: string; retryAfterMs?: number };

/** Suggested wait before retrying a busy server, ms. */
export const BUSY_RETRY_MS = 2_000;

/**
 * Checks, in this order: protocol version, server state (closing / busy), upload size, filter
 * chain. Returns the canonical filter text when the job is accepted.
 */
export function admit(hello: HelloMessage, state: AdmissionState): Admission {
  if (hello.version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: "version-mismatch",
      reason:
        `this server speaks protocol version ${PROTOCOL_VERSION}, the client sent ${hello.version}`,
    };
  }
  if (state.closing) {
    return { ok: false, code: "server-busy", reason: "the server is shutting down" };
  }
  if (state.activeJobs >= state.maxJobs) {
    return {
      ok: false,
      code: "server-busy",
      reason:
        `the server is running ${state.activeJobs} jobs, its limit (--max-jobs ${state.maxJobs})`,
      retryAfterMs: BUSY_RETRY_MS,
    };
  }
  if (hello.size > state.maxUploadBytes) {
    return {
      ok: false,
      code: "too-large",
      reason:
        `the upload is ${hello.size} bytes; this server accepts at most ${state.maxUploadBytes}`,
    };
  }
  try {
    return { ok: true, filter: formatChain(parseChain(hello.filter)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      code: error instanceof FilterChainError ? error.code : "bad-filter",
      reason: message.slice(0, 1000),
    };
  }
}
