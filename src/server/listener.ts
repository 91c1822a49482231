/**
 * The server's accept loop: takes connections off a listener until the server closes, whatever
 * single connections do on the way.
 *
 * `accept()` fails for reasons that belong to one connection — a client that sent RST before it
 * was accepted gives `ENOTCONN` from Deno's `getpeername` — and for reasons that belong to the
 * process — `EMFILE` when out of file descriptors. Neither may stop the listener: the first kind
 * is logged and the loop goes on at once, the second is logged and the loop waits (50 ms, doubling
 * up to 1 s) so that it does not spin while the process has no descriptors left. The loop ends only
 * when the server closes or the listener itself is gone (`BadResource`).
 *
 * ```ts
 * const closing = new AbortController();
 * const done = acceptLoop(Deno.listen({ port: 0 }), {
 *   onConnection: (conn) => void serve(conn),
 *   signal: closing.signal,
 *   log: console.error,
 * });
 * // later: closing.abort(); listener.close(); await done;
 * ```
 */
import { sleep } from "../util/sleep.ts";

/**
 * What an error thrown by `Listener.accept()` means for the loop:
 * - `connection`: one connection failed (reset, aborted, not connected…); accept the next at once.
 * - `resource`: the process or system is out of something (descriptors, buffers, memory); wait
 *   a little, then try again.
 * - `closed`: the listener is closed; stop.
 * - `other`: not recognised; treated like `resource` (log, wait, retry), never fatal.
 */
export type AcceptErrorKind = "connection" | "resource" | "closed" | "other";

/** errno names of per-connection failures of accept(2) (see its man page, "Error handling"). */
const CONNECTION_CODES = new Set([
  "ENOTCONN",
  "ECONNRESET",
  "ECONNABORTED",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EPROTO",
  "ENOPROTOOPT",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENETDOWN",
  "ENETUNREACH",
  "ENONET",
  "EOPNOTSUPP",
  "EPERM", // a firewall rule refusing the connection
  "EINTR",
  "EAGAIN",
  "EWOULDBLOCK",
]);

/** errno names of resource exhaustion. */
const RESOURCE_CODES = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "ENOSR"]);

/** Deno's error classes of per-connection failures (they carry no `code` in older releases). */
const CONNECTION_CLASSES = [
  "NotConnected",
  "ConnectionReset",
  "ConnectionAborted",
  "ConnectionRefused",
  "BrokenPipe",
  "TimedOut",
  "Interrupted",
  "WouldBlock",
  "NetworkUnreachable",
] as const;

/**
 * Classifies an error thrown by `accept()`. Pure: looks at the error's class, its `code` (errno
 * name, e.g. `EMFILE`) and, failing both, the `(os error N)` number in its message.
 */
export function classifyAcceptError(error: unknown): AcceptErrorKind {
  if (error instanceof Deno.errors.BadResource) return "closed";
  const code = errnoName(error);
  if (code && RESOURCE_CODES.has(code)) return "resource";
  if (code && CONNECTION_CODES.has(code)) return "connection";
  for (const name of CONNECTION_CLASSES) {
    const cls = Deno.errors[name];
    if (cls && error instanceof cls) return "connection";
  }
  return "other";
}

/** Linux errno numbers of the codes above, for errors that only say `(os error N)`. */
const ERRNO_NUMBERS: Record<number, string> = {
  1: "EPERM",
  4: "EINTR",
  11: "EAGAIN",
  12: "ENOMEM",
  23: "ENFILE",
  24: "EMFILE",
  32: "EPIPE",
  63: "ENOSR",
  64: "ENONET",
  71: "EPROTO",
  92: "ENOPROTOOPT",
  95: "EOPNOTSUPP",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  105: "ENOBUFS",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  112: "EHOSTDOWN",
  113: "EHOSTUNREACH",
};

function errnoName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code) return code;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== "string") return undefined;
  const m = /\(os error (\d+)\)/.exec(message);
  return m ? ERRNO_NUMBERS[Number(m[1])] : undefined;
}

/** First wait after a resource error, ms. */
export const ACCEPT_BACKOFF_INITIAL_MS = 50;
/** Longest wait between retries after resource errors, ms. */
export const ACCEPT_BACKOFF_MAX_MS = 1_000;
/** At most one log line per this many ms for repeated accept errors; the rest are counted. */
export const ACCEPT_LOG_INTERVAL_MS = 1_000;

/** Options of {@link acceptLoop}. */
export interface AcceptLoopOptions {
  /** Called with every accepted connection; must not throw (the loop logs it if it does). */
  onConnection(conn: Deno.Conn): void;
  /**
   * Aborted when the server closes: the loop then ends at its next step (close the listener too,
   * so a pending `accept()` returns), and connections accepted meanwhile are closed.
   */
  signal: AbortSignal;
  /** Log lines (accept errors, at most one per second with a count of the others). */
  log(line: string): void;
  /** First wait after a resource error, ms (default {@link ACCEPT_BACKOFF_INITIAL_MS}). */
  backoffInitialMs?: number;
  /** Longest wait, ms (default {@link ACCEPT_BACKOFF_MAX_MS}). */
  backoffMaxMs?: number;
  /** Clock for the log throttle (default `performance.now`). */
  now?: () => number;
}

/** Counters of an accept loop, for tests and logs. */
export interface AcceptStats {
  accepted: number;
  /** Errors by kind. */
  errors: Record<AcceptErrorKind, number>;
}

/**
 * Accepts connections from `listener` until `signal` aborts or the listener is closed; resolves
 * then. Never rejects. See the module documentation for how errors are handled.
 * @throws RangeError at once (as a rejection) for a backoff that is not a number ≥ 1 or max < initial.
 */
export async function acceptLoop(
  listener: Pick<Deno.Listener, "accept">,
  options: AcceptLoopOptions,
  stats: AcceptStats = newAcceptStats(),
): Promise<AcceptStats> {
  const initial = options.backoffInitialMs ?? ACCEPT_BACKOFF_INITIAL_MS;
  const max = options.backoffMaxMs ?? ACCEPT_BACKOFF_MAX_MS;
  if (!(initial >= 1) || !(max >= initial)) {
    throw new RangeError(
      `accept backoff must satisfy 1 <= initial <= max, got initial ${initial}, max ${max}`,
    );
  }
  const { signal, log } = options;
  const now = options.now ?? (() => performance.now());
  const throttle = new LogThrottle(log, ACCEPT_LOG_INTERVAL_MS, now);
  let backoff = initial;
  while (!signal.aborted) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (signal.aborted) break;
      const kind = classifyAcceptError(error);
      stats.errors[kind]++;
      const message = error instanceof Error ? error.message : String(error);
      if (kind === "closed") {
        throttle.flush();
        log(`listener stopped: ${message}`);
        break;
      }
      if (kind === "connection") {
        throttle.note(`accept: a connection failed before it was accepted: ${message}`);
        continue;
      }
      throttle.note(
        `accept failed (${kind === "resource" ? "out of resources" : "unexpected error"}): ` +
          `${message}; retrying in ${backoff} ms`,
      );
      try {
        await sleep(backoff, signal);
      } catch {
        break; // the server closes
      }
      backoff = Math.min(max, backoff * 2);
      continue;
    }
    backoff = initial;
    if (signal.aborted) {
      closeQuietly(conn);
      break;
    }
    stats.accepted++;
    try {
      options.onConnection(conn);
    } catch (error) {
      log(`connection handler failed: ${error instanceof Error ? error.message : error}`);
      closeQuietly(conn);
    }
  }
  throttle.flush();
  return stats;
}

/** Fresh zeroed {@link AcceptStats}. */
export function newAcceptStats(): AcceptStats {
  return { accepted: 0, errors: { connection: 0, resource: 0, closed: 0, other: 0 } };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Logs the first line of a burst, then at most one line per interval with a count of the rest. */
class LogThrottle {
  #last = -Infinity;
  #suppressed = 0;
  #lastLine = "";

  constructor(
    readonly log: (line: string) => void,
    readonly intervalMs: number,
    readonly now: () => number,
  ) {}

  note(line: string): void {
    const t = this.now();
    if (t - this.#last >= this.intervalMs) {
      this.log(this.#suppressed > 0 ? `${line} (and ${this.#suppressed} more not logged)` : line);
      this.#last = t;
      this.#suppressed = 0;
    } else {
      this.#suppressed++;
      this.#lastLine = line;
    }
  }

  flush(): void {
    if (this.#suppressed > 0) {
      this.log(`${this.#lastLine} (and ${this.#suppressed - 1} more not logged)`);
      this.#suppressed = 0;
    }
  }
}
