/**
 * Stop signals (SIGINT, SIGTERM) for the long-running commands, with duplicates merged.
 *
 * One Ctrl-C often arrives twice: `deno task` forwards SIGINT to its child, and the child also
 * gets it from the terminal's process group. Signals that come within {@link SIGNAL_DEDUPE_MS} of
 * the first are that same request; one that comes later is a second request (force).
 */

/** The signals that ask a command to stop. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Stop signals this close to the first one (300 ms) count as the same request. */
export const SIGNAL_DEDUPE_MS = 300;

/** What a stop signal asks for: `stop` (the first), `duplicate` (the same request), `force`. */
export type StopRequest = "stop" | "duplicate" | "force";

/**
 * Classifies stop signals by arrival time. Pure: the caller passes the clock.
 *
 * ```ts
 * const gate = new StopSignalGate(300);
 * gate.accept(0); // "stop"
 * gate.accept(5); // "duplicate"
 * gate.accept(900); // "force"
 * ```
 */
export class StopSignalGate {
  /** The dedupe window, ms. */
  readonly windowMs: number;
  #firstAt: number | undefined;

  /** @throws RangeError when `windowMs` is not a finite number ≥ 0. */
  constructor(windowMs = SIGNAL_DEDUPE_MS) {
    if (typeof windowMs !== "number" || !Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`windowMs must be a finite number >= 0, got ${windowMs}`);
    }
    this.windowMs = windowMs;
  }

  /**
   * `stop` for the first signal, `duplicate` for one within `windowMs` of the first (inclusive),
   * `force` for any later one. `now` is in milliseconds on any monotonic clock.
   */
  accept(now: number): StopRequest {
    if (this.#firstAt === undefined) {
      this.#firstAt = now;
      return "stop";
    }
    return now - this.#firstAt <= this.windowMs ? "duplicate" : "force";
  }
}

/** Options of {@link listenForStop}. */
export interface StopListenerOptions {
  /** Called once, for the first stop signal. */
  onStop(signal: Deno.Signal): void;
  /** Called for every stop signal that comes after the dedupe window (a second request). */
  onForce(signal: Deno.Signal): void;
  /** Dedupe window (default {@link SIGNAL_DEDUPE_MS}). */
  dedupeMs?: number;
  /** Signals to listen to (default {@link STOP_SIGNALS}; unsupported ones are skipped). */
  signals?: readonly Deno.Signal[];
  /** Clock in milliseconds (default `performance.now`); injectable for tests. */
  now?: () => number;
}

/** A running {@link listenForStop}. */
export interface StopListener {
  /** Stops listening (the signals' default actions apply again). Idempotent. */
  dispose(): void;
}

/**
 * Listens for stop signals: the first calls `onStop`, duplicates within the dedupe window are
 * ignored, later ones call `onForce`.
 */
export function listenForStop(options: StopListenerOptions): StopListener {
  const gate = new StopSignalGate(options.dedupeMs);
  const now = options.now ?? (() => performance.now());
  const registered: [Deno.Signal, () => void][] = [];
  for (const signal of options.signals ?? STOP_SIGNALS) {
    const handler = () => {
      const request = gate.accept(now());
      if (request === "stop") options.onStop(signal);
      else if (request === "force") options.onForce(signal);
    };
    try {
      Deno.addSignalListener(signal, handler);
      registered.push([signal, handler]);
    } catch {
      // not supported on this platform (SIGTERM on Windows)
    }
  }
  return {
    dispose() {
      for (const [signal, handler] of registered.splice(0)) {
        try {
          Deno.removeSignalListener(signal, handler);
        } catch {
          // already removed
        }
      }
    },
  };
}

/**
 * Resolves on the first SIGINT or SIGTERM. Duplicates of it within {@link SIGNAL_DEDUPE_MS} are
 * swallowed; after that the listeners are removed, so a second Ctrl-C ends the process the usual
 * way (exit code 130).
 */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const listener = listenForStop({
      onStop: () => {
        resolve();
        setTimeout(() => listener.dispose(), SIGNAL_DEDUPE_MS);
      },
      onForce: () => {
        listener.dispose();
        Deno.exit(130);
      },
    });
  });
}
