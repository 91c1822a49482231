/**
 * A single-producer, single-consumer byte ring on a SharedArrayBuffer, for streaming bytes
 * between the main thread and an ffmpeg.wasm worker whose `exec` blocks its thread.
 *
 * The consumer side ({@link ByteRing.readBlocking}) uses `Atomics.wait`, so it can run inside an
 * Emscripten device callback that must return data synchronously. The producer side
 * ({@link ByteRing.write}) uses `Atomics.waitAsync`, so the main thread's event loop keeps running
 * while it waits for room (back-pressure). Either side may cancel.
 *
 * Layout: 4 Int32 header words (bytes written, bytes read — both counted modulo 2^32 —, closed,
 * cancelled), padded to 64 bytes, then `capacity` data bytes (a power of two).
 */
import { CodecError } from "./errors.ts";

const WRITTEN = 0;
const READ = 1;
const CLOSED = 2;
const CANCELLED = 3;
const HEADER_BYTES = 64;
/** How long one wait lasts before the state is looked at again (a safety net, not a poll). */
const WAIT_SLICE_MS = 1000;

/** The other side cancelled the ring (consumer gone, or producer aborted). */
export class RingCancelledError extends CodecError {
  override name = "RingCancelledError";
}

/** A byte ring shared by two threads. Create on one side, pass `buffer` to the other, attach. */
export class ByteRing {
  /** The shared memory; post it to the other thread and call {@link ByteRing.attach} there. */
  readonly buffer: SharedArrayBuffer;
  /** Data capacity in bytes (a power of two). */
  readonly capacity: number;
  readonly #state: Int32Array;
  readonly #data: Uint8Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.#state = new Int32Array(buffer, 0, 4);
    this.#data = new Uint8Array(buffer, HEADER_BYTES);
  }

  /**
   * Allocates a ring of at least `minCapacity` bytes (rounded up to a power of two, ≥ 4 KiB).
   * @throws RangeError when `minCapacity` is not an integer in 1..2^30.
   */
  static create(minCapacity: number): ByteRing {
    if (!Number.isInteger(minCapacity) || minCapacity < 1 || minCapacity > 2 ** 30) {
      throw new RangeError(`ring capacity must be an integer in 1..2^30, got ${minCapacity}`);
    }
    let capacity = 4096;
    while (capacity < minCapacity) capacity *= 2;
    return new ByteRing(new SharedArrayBuffer(HEADER_BYTES + capacity));
  }

  /**
   * Wraps a buffer made by {@link ByteRing.create} on another thread.
   * @throws RangeError when the buffer does not have a ring's shape.
   */
  static attach(buffer: SharedArrayBuffer): ByteRing {
    const capacity = buffer.byteLength - HEADER_BYTES;
    if (capacity < 4096 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`not a ByteRing buffer: ${buffer.byteLength} bytes`);
    }
    return new ByteRing(buffer);
  }

  /** Bytes written and not yet read. */
  get used(): number {
    return (Atomics.load(this.#state, WRITTEN) - Atomics.load(this.#state, READ)) >>> 0;
  }

  /** True once the producer called {@link close}. */
  get closed(): boolean {
    return Atomics.load(this.#state, CLOSED) === 1;
  }

  /** True once either side called {@link cancel}. */
  get cancelled(): boolean {
    return Atomics.load(this.#state, CANCELLED) === 1;
  }

  /**
   * Producer: copies all of `bytes` in, waiting (without blocking the event loop) for room.
   * @throws RingCancelledError when the ring is cancelled; CodecError after {@link close};
   *   the signal's reason when `signal` aborts.
   */
  async write(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new CodecError("write after close on a ByteRing");
    let at = 0;
    while (at < bytes.length) {
      signal?.throwIfAborted();
      if (this.cancelled) throw new RingCancelledError("the reader stopped reading");
      const read = Atomics.load(this.#state, READ);
      const written = Atomics.load(this.#state, WRITTEN);
      const free = this.capacity - ((written - read) >>> 0);
      if (free === 0) {
        const result = Atomics.waitAsync(this.#state, READ, read, WAIT_SLICE_MS);
        if (result.async) await result.value;
        continue;
      }
      const start = (written >>> 0) & (this.capacity - 1);
      const n = Math.min(free, bytes.length - at, this.capacity - start);
      this.#data.set(bytes.subarray(at, at + n), start);
      at += n;
      Atomics.store(this.#state, WRITTEN, (written + n) | 0);
      Atomics.notify(this.#state, WRITTEN);
    }
  }

  /** Producer: no more bytes will come; the consumer reads what is left, then gets EOF. */
  close(): void {
    Atomics.store(this.#state, CLOSED, 1);
    Atomics.notify(this.#state, WRITTEN);
  }

  /** Either side: stop now; both sides' waits end with {@link RingCancelledError}. */
  cancel(): void {
    Atomics.store(this.#state, CANCELLED, 1);
    Atomics.notify(this.#state, WRITTEN);
    Atomics.notify(this.#state, READ);
  }

  /**
   * Consumer (a worker thread; blocks it): waits for at least one byte, copies up to
   * `dst.length` bytes. Returns the count, or 0 at end of stream.
   * @throws RingCancelledError when the ring is cancelled.
   */
  readBlocking(dst: Uint8Array): number {
    if (dst.length === 0) return 0;
    while (true) {
      const n = this.#take(dst);
      if (n !== 0) return n;
      if (this.cancelled) throw new RingCancelledError("the writer cancelled the stream");
      const written = Atomics.load(this.#state, WRITTEN);
      if (this.closed) {
        if (((written - Atomics.load(this.#state, READ)) >>> 0) === 0) return 0;
        continue;
      }
      Atomics.wait(this.#state, WRITTEN, written, WAIT_SLICE_MS);
    }
  }

  /**
   * Consumer on a thread that must not block (tests, the main thread): like
   * {@link readBlocking} but waits with `Atomics.waitAsync`.
   */
  async read(dst: Uint8Array): Promise<number> {
    if (dst.length === 0) return 0;
    while (true) {
      const n = this.#take(dst);
      if (n !== 0) return n;
      if (this.cancelled) throw new RingCancelledError("the writer cancelled the stream");
      const written = Atomics.load(this.#state, WRITTEN);
      if (this.closed) {
        if (((written - Atomics.load(this.#state, READ)) >>> 0) === 0) return 0;
        continue;
      }
      const result = Atomics.waitAsync(this.#state, WRITTEN, written, WAIT_SLICE_MS);
      if (result.async) await result.value;
    }
  }

  #take(dst: Uint8Array): number {
    const written = Atomics.load(this.#state, WRITTEN);
    const read = Atomics.load(this.#state, READ);
    const available = (written - read) >>> 0;
    if (available === 0) return 0;
    const start = (read >>> 0) & (this.capacity - 1);
    const n = Math.min(available, dst.length, this.capacity - start);
    dst.set(this.#data.subarray(start, start + n));
    Atomics.store(this.#state, READ, (read + n) | 0);
    Atomics.notify(this.#state, READ);
    return n;
  }
}
