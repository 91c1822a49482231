/**
 * {@link MessageConnection}: protocol messages over a `Deno.Conn` (TCP or unix socket).
 *
 * Reading is pulled by the caller (`next()`), never done in the background, so a slow consumer
 * slows the peer down through TCP flow control, and a peer that vanishes shows up as the end
 * of the stream on the next read instead of as an unhandled rejection. Writes are serialised,
 * so messages sent from concurrent tasks (progress timers, output chunks) never interleave.
 */
import { encodeMessage, MessageDecoder } from "./codec.ts";
import {
  ConnectionClosedError,
  ProtocolError,
  ReadTimeoutError,
  WriteTimeoutError,
} from "./errors.ts";
import { type ErrorCode, FIELD_LIMITS, type Message, type Peer } from "./messages.ts";

/** Options of {@link MessageConnection}. */
export interface MessageConnectionOptions {
  /**
   * What the *peer* sends: a server passes `"client"`, a client passes `"server"`; messages of
   * the other side fail with `unexpected-type`. Default: both accepted.
   */
  from?: Peer;
  /** Default time limit of {@link MessageConnection.next}, ms; 0 = none (default 0). */
  readTimeoutMs?: number;
  /** A `send()` taking longer closes the connection, ms; 0 = none (default 60_000). */
  writeTimeoutMs?: number;
  /** Bytes asked for per `read()` call (default 65_536). */
  readBufferBytes?: number;
}

/** Options of {@link MessageConnection.closeGracefully} and {@link MessageConnection.fail}. */
export interface GracefulCloseOptions {
  /**
   * After half-closing, how long to keep reading (and discarding) what the peer still sends
   * before closing, ms. Closing a socket with unread input makes the kernel send a reset,
   * which can destroy the last message before the peer reads it. Default 1000.
   */
  lingerMs?: number;
}

type ReadOutcome = { n: number | null } | { error: unknown };

const TIMED_OUT = Symbol("timed out");

function checkMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer >= 0 (0 = no limit), got ${value}`);
  }
  return value;
}

/** Resolves to `TIMED_OUT` after `ms`, unless `cancel()` is called first. Never rejects. */
function timer(ms: number): { fired: Promise<typeof TIMED_OUT>; cancel: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const fired = new Promise<typeof TIMED_OUT>((resolve) => {
    id = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return { fired, cancel: () => clearTimeout(id) };
}

/**
 * Protocol messages over one `Deno.Conn`. Owns the connection: close it through this object.
 *
 * `next()` resolves `null` when the stream ends at a message boundary — the peer closed or
 * reset the connection, or it was closed locally — and rejects with {@link ProtocolError} for
 * malformed input (including a stream that ends mid-message) or {@link ReadTimeoutError}.
 * After a `ProtocolError`, reply with {@link fail}. `send()` rejects with
 * {@link ConnectionClosedError} or {@link WriteTimeoutError}; {@link trySend}, {@link fail},
 * {@link closeGracefully} and {@link close} never reject or throw.
 */
export class MessageConnection implements AsyncIterable<Message> {
  /** The wrapped connection. */
  readonly conn: Deno.Conn;
  readonly #decoder: MessageDecoder;
  readonly #readTimeoutMs: number;
  readonly #writeTimeoutMs: number;
  readonly #buffer: Uint8Array;
  readonly #queue: Message[] = [];
  #pendingRead: Promise<ReadOutcome> | undefined;
  #reading = false;
  #ended = false;
  #closed = false;
  #writeBroken: unknown;
  #writes: Promise<void> = Promise.resolve();

  /**
   * @throws RangeError for a time limit that is not an integer ≥ 0 or a buffer size < 1.
   * @throws TypeError for a `from` that is not `client`, `server` or undefined.
   */
  constructor(conn: Deno.Conn, options: MessageConnectionOptions = {}) {
    const { from, readTimeoutMs = 0, writeTimeoutMs = 60_000, readBufferBytes = 65_536 } = options;
    this.#readTimeoutMs = checkMs("readTimeoutMs", readTimeoutMs);
    this.#writeTimeoutMs = checkMs("writeTimeoutMs", writeTimeoutMs);
    if (!Number.isSafeInteger(readBufferBytes) || readBufferBytes < 1) {
      throw new RangeError(`readBufferBytes must be an integer >= 1, got ${readBufferBytes}`);
    }
    this.#decoder = new MessageDecoder({ from });
    this.#buffer = new Uint8Array(readBufferBytes);
    this.conn = conn;
  }

  /** Whether {@link close} (or a write timeout) closed the connection. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `msg`. Sends are queued: concurrent calls go out whole, in call order.
   * @throws ProtocolError when `msg` is invalid (checked before anything is written).
   * @throws ConnectionClosedError when the connection is closed or the peer is gone.
   * @throws WriteTimeoutError when the write took over `writeTimeoutMs` (the connection is then closed).
   */
  send(msg: Message): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(msg);
    } catch (error) {
      return Promise.reject(error);
    }
    const write = this.#writes.then(() => this.#writeAll(bytes));
    this.#writes = write.catch(() => {});
    return write;
  }

  /**
   * Like {@link send}, but resolves `false` instead of rejecting, whatever went wrong. An invalid
   * `msg` (a bug in the caller, which `send` would reject with {@link ProtocolError}) is also
   * reported on `console.error`, so that it does not go unnoticed.
   */
  async trySend(msg: Message): Promise<boolean> {
    try {
      await this.send(msg);
      return true;
    } catch (error) {
      if (error instanceof ProtocolError) {
        console.error(`MessageConnection.trySend dropped an invalid message: ${error.message}`);
      }
      return false;
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError();
    if (this.#writeBroken !== undefined) {
      throw new ConnectionClosedError("connection is broken", { cause: this.#writeBroken });
    }
    const limit = this.#writeTimeoutMs > 0 ? timer(this.#writeTimeoutMs) : undefined;
    try {
      let at = 0;
      while (at < bytes.length) {
        const written = this.conn.write(bytes.subarray(at));
        const n = limit ? await Promise.race([written, limit.fired]) : await written;
        if (n === TIMED_OUT) {
          this.close();
          throw new WriteTimeoutError(this.#writeTimeoutMs);
        }
        at += n;
      }
    } catch (error) {
      if (error instanceof WriteTimeoutError) throw error;
      this.#writeBroken = error;
      throw new ConnectionClosedError(
        this.#closed ? "connection is closed" : `peer is gone: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      limit?.cancel();
    }
  }

  /**
   * The next message, or `null` at the end of the stream (peer closed or reset the connection
   * at a message boundary, or it was closed locally).
   * @param timeoutMs time limit for this call, ms; 0 = none (default: `readTimeoutMs`).
   * @throws ProtocolError for malformed input or a stream that ends mid-message; every later
   * call throws it again.
   * @throws ReadTimeoutError when no message completed in time; the connection stays usable and
   * a later call goes on where this one stopped.
   * @throws Error when another `next()` is still pending on this connection.
   */
  async next(timeoutMs: number = this.#readTimeoutMs): Promise<Message | null> {
    checkMs("timeoutMs", timeoutMs);
    if (this.#queue.length > 0) return this.#queue.shift()!;
    if (this.#decoder.error) throw this.#decoder.error;
    if (this.#ended || this.#closed) return null;
    if (this.#reading) throw new Error("MessageConnection.next called while another is pending");
    this.#reading = true;
    const limit = timeoutMs > 0 ? timer(timeoutMs) : undefined;
    try {
      while (true) {
        const read = this.#read();
        const outcome = limit ? await Promise.race([read, limit.fired]) : await read;
        if (outcome === TIMED_OUT) throw new ReadTimeoutError(timeoutMs);
        this.#pendingRead = undefined;
        if (this.#closed) return null;
        if ("error" in outcome || outcome.n === null) {
          this.#ended = true;
          this.#decoder.end(); // throws `truncated` when the stream stopped mid-message
          return null;
        }
        const messages = this.#decoder.push(this.#buffer.subarray(0, outcome.n));
        if (messages.length > 0) {
          this.#queue.push(...messages);
          return this.#queue.shift()!;
        }
      }
    } finally {
      limit?.cancel();
      this.#reading = false;
    }
  }

  /** The outstanding read, started if there is none; never rejects. */
  #read(): Promise<ReadOutcome> {
    this.#pendingRead ??= this.conn.read(this.#buffer).then(
      (n) => ({ n }),
      (error) => ({ error }),
    );
    return this.#pendingRead;
  }

  /** Messages until the end of the stream; throws what {@link next} throws. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    while (true) {
      const message = await this.next();
      if (message === null) return;
      yield message;
    }
  }

  /**
   * Sends an `error` message (if the connection still takes it), then {@link closeGracefully}.
   * `message` is cut to the 1..1024 characters the protocol allows. Never rejects.
   */
  async fail(code: ErrorCode, message: string, options: GracefulCloseOptions = {}): Promise<void> {
    const text = (message.slice(0, FIELD_LIMITS.reason) || code).toWellFormed();
    await this.trySend({ type: "error", code, message: text });
    await this.closeGracefully(options);
  }

  /**
   * Waits for queued sends, half-closes the connection (the peer reads the end of the stream),
   * reads and discards what the peer still sends for at most `lingerMs`, then closes.
   * Never rejects.
   */
  async closeGracefully(options: GracefulCloseOptions = {}): Promise<void> {
    const { lingerMs = 1_000 } = options;
    if (this.#closed) return;
    try {
      checkMs("lingerMs", lingerMs);
      await this.#writes;
      if (!this.#closed && this.#writeBroken === undefined) await this.conn.closeWrite();
      if (lingerMs > 0 && !this.#reading) {
        const limit = timer(lingerMs);
        try {
          while (!this.#ended && !this.#closed) {
            const outcome = await Promise.race([this.#read(), limit.fired]);
            if (outcome === TIMED_OUT) break;
            this.#pendingRead = undefined;
            if ("error" in outcome || outcome.n === null) this.#ended = true;
          }
        } finally {
          limit.cancel();
        }
      }
    } catch {
      // Whatever went wrong, the connection is closed below: nothing is left to report.
    } finally {
      this.close();
    }
  }

  /** Closes the connection now. Pending and later `next()` calls return `null`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed by Deno (e.g. the resource is gone): nothing to do.
    }
  }
}
