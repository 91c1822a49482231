/**
 * Limits on how long an upload may take: an overall deadline and a minimum rate averaged over a
 * sliding window. The read timeout alone (per message) lets a client hold a job slot forever by
 * sending a one-byte chunk every few seconds; these do not.
 *
 * - Deadline: the whole upload, from the `ack` to `upload-end`, within `timeoutMs`; by default
 *   {@link defaultUploadTimeoutMs}: 60 s plus one second per 256 KiB announced (2 GiB: 2 h 17 min).
 * - Minimum rate: once the upload has run for one window (default 10 s), the bytes received from
 *   the client over the last window (measured at the socket, in tenths of the window) must average
 *   at least `minBytesPerSecond` (default 64 KiB/s; 0 turns the check off).
 *
 * {@link UploadWatch} is pure (time is passed in); {@link meteredConn} counts a connection's bytes.
 */

/** Default minimum upload rate, bytes per second: 64 KiB/s. */
export const DEFAULT_MIN_UPLOAD_RATE = 64 * 1024;
/** Default window the upload rate is averaged over, ms. */
export const DEFAULT_UPLOAD_RATE_WINDOW_MS = 10_000;
/** The fixed part of the default upload deadline, ms. */
export const UPLOAD_TIMEOUT_BASE_MS = 60_000;
/** The rate the default upload deadline allows for the announced size, bytes per second. */
export const UPLOAD_TIMEOUT_RATE = 256 * 1024;

/** The default deadline of an upload of `size` bytes: 60 s + size ÷ 256 KiB/s, in ms. */
export function defaultUploadTimeoutMs(size: number): number {
  return UPLOAD_TIMEOUT_BASE_MS + Math.ceil((size / UPLOAD_TIMEOUT_RATE) * 1000);
}

/** Options of {@link UploadWatch}. */
export interface UploadWatchOptions {
  /** The announced upload size, bytes. */
  size: number;
  /** The whole upload's time limit, ms; `undefined` = {@link defaultUploadTimeoutMs}; 0 = none. */
  timeoutMs?: number;
  /** Minimum average rate over the window, bytes/s (default 64 KiB/s); 0 = no rate check. */
  minBytesPerSecond?: number;
  /** The window, ms (default 10 000). */
  windowMs?: number;
  /** When this connection's part of the upload started (the clock's ms): the rate window's start. */
  start: number;
  /**
   * When the whole upload started, for the deadline (default `start`). A client that re-attaches
   * to its job after a dropped connection gets a new rate window, not a new deadline.
   */
  timeoutStart?: number;
}

const SLOTS = 10;

/**
 * Watches one upload against its deadline and minimum rate. Tell it every byte received
 * ({@link received}), ask it whether to drop the client ({@link verdict}) after every message and
 * whenever {@link msUntilNextCheck} has passed.
 */
export class UploadWatch {
  readonly size: number;
  readonly timeoutMs: number;
  readonly minBytesPerSecond: number;
  readonly windowMs: number;
  readonly start: number;
  readonly timeoutStart: number;
  readonly #slotMs: number;
  readonly #counts = new Array<number>(SLOTS).fill(0);
  #slot = 0;
  #total = 0;

  /** @throws RangeError for a negative or non-finite limit, or a window under 10 ms. */
  constructor(options: UploadWatchOptions) {
    this.size = options.size;
    this.timeoutMs = options.timeoutMs ?? defaultUploadTimeoutMs(options.size);
    this.minBytesPerSecond = options.minBytesPerSecond ?? DEFAULT_MIN_UPLOAD_RATE;
    this.windowMs = options.windowMs ?? DEFAULT_UPLOAD_RATE_WINDOW_MS;
    this.start = options.start;
    this.timeoutStart = options.timeoutStart ?? options.start;
    for (
      const [name, v] of [["timeoutMs", this.timeoutMs], [
        "minBytesPerSecond",
        this.minBytesPerSecond,
      ]] as const
    ) {
      if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} must be >= 0, got ${v}`);
    }
    if (!(Number.isFinite(this.windowMs) && this.windowMs >= SLOTS)) {
      throw new RangeError(`windowMs must be >= ${SLOTS}, got ${this.windowMs}`);
    }
    this.#slotMs = this.windowMs / SLOTS;
  }

  /** Bytes received so far. */
  get total(): number {
    return this.#total;
  }

  /** Counts `bytes` received at time `now`. */
  received(bytes: number, now: number): void {
    this.#advance(now);
    this.#counts[this.#slot % SLOTS] += bytes;
    this.#total += bytes;
  }

  /** Bytes received in the last window (its last 9 to 10 tenths, the current one included). */
  inWindow(now: number): number {
    this.#advance(now);
    return this.#counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Why the client should be dropped at `now`, or `undefined` while it keeps up.
   * @param written bytes of the upload stored so far (for the message).
   */
  verdict(now: number, written: number): string | undefined {
    const elapsed = now - this.start;
    if (this.timeoutMs > 0 && now - this.timeoutStart >= this.timeoutMs) {
      return `upload not complete within ${seconds(this.timeoutMs)} s (--upload-timeout): ` +
        `received ${written} of ${this.size} bytes`;
    }
    if (this.minBytesPerSecond > 0 && elapsed >= this.windowMs) {
      // The counted span is 9 to 10 tenths of the window: ask for 9 tenths' worth.
      const need = this.minBytesPerSecond * (this.windowMs / 1000) * (SLOTS - 1) / SLOTS;
      const got = this.inWindow(now);
      if (got < need) {
        return `upload too slow: ${got} bytes in the last ${seconds(this.windowMs)} s (${
          kib(got / (this.windowMs / 1000))
        } KiB/s), below the minimum of ${kib(this.minBytesPerSecond)} KiB/s (--min-upload-rate); ` +
          `received ${written} of ${this.size} bytes`;
      }
    }
    return undefined;
  }

  /** Ms until {@link verdict} may change without new bytes (Infinity with no limits). */
  msUntilNextCheck(now: number): number {
    const elapsed = now - this.start;
    let next = Infinity;
    if (this.timeoutMs > 0) next = Math.min(next, this.timeoutMs - (now - this.timeoutStart));
    if (this.minBytesPerSecond > 0) {
      next = Math.min(
        next,
        elapsed < this.windowMs ? this.windowMs - elapsed : this.#slotMs - (elapsed % this.#slotMs),
      );
    }
    return Math.max(1, next);
  }

  #advance(now: number): void {
    const slot = Math.max(this.#slot, Math.floor((now - this.start) / this.#slotMs));
    if (slot - this.#slot >= SLOTS) {
      this.#counts.fill(0);
    } else {
      for (let s = this.#slot + 1; s <= slot; s++) this.#counts[s % SLOTS] = 0;
    }
    this.#slot = slot;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function kib(bytesPerSecond: number): string {
  return String(Math.round((bytesPerSecond / 1024) * 10) / 10);
}

/**
 * `conn` with every byte it reads reported to `onRead` (after the read). Everything else is the
 * connection's own.
 */
export function meteredConn(conn: Deno.Conn, onRead: (bytes: number) => void): Deno.Conn {
  const read = async (p: Uint8Array): Promise<number | null> => {
    const n = await conn.read(p);
    if (n) onRead(n);
    return n;
  };
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === "read") return read;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
