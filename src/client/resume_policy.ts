/**
 * When and how often a client re-attaches to its job after the connection was lost: which errors
 * mean "the connection is gone" (and not "the server said no"), the delays between attempts, and
 * a sleep that Ctrl-C ends.
 */
import { ConnectionClosedError, ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import { ServerProtocolError } from "./errors.ts";

/**
 * Delays before each attempt to re-attach after a lost connection, ms: five attempts within
 * 15.5 s, well inside the server's default grace period (`--detach-grace`, 60 s).
 */
export const DEFAULT_REATTACH_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000];

/** Most re-attaches of one job (each lost connection gets the whole series of attempts). */
export const MAX_REATTACHES = 20;

/** Longest wait for the server's answer to each attempt's `attach`, ms (an answer is immediate). */
export const REATTACH_HANDSHAKE_MS = 10_000;

/**
 * The server's connection ended before the job did, without a word: closed, reset, or cut in
 * the middle of a message. The client re-attaches; when it cannot, this is what it reports: a
 * {@link ServerProtocolError} (its `name` too; exit 7, like any broken connection).
 */
export class ConnectionLostError extends ServerProtocolError {}

/**
 * Whether `error` says that the connection is gone — so that re-attaching may help — rather than
 * that the server refused, failed, or broke the protocol.
 */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof ConnectionLostError ||
    error instanceof ConnectionClosedError ||
    error instanceof ReadTimeoutError ||
    (error instanceof ProtocolError && error.code === "truncated");
}

/**
 * Resolves after `ms`, or rejects with `signal`'s reason as soon as it is aborted.
 */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
