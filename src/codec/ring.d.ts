/**
 * Types of ring.js: a single-producer, single-consumer byte ring on a SharedArrayBuffer for
 * streaming bytes between the main thread and an ffmpeg.wasm worker blocked in `exec`.
 */

/** The other side cancelled the ring (consumer gone, or producer aborted). */
export class RingCancelledError extends Error {}

/** A byte ring shared by two threads. Create on one side, pass `buffer` to the other, attach. */
export class ByteRing {
  private constructor(buffer: SharedArrayBuffer);
  /** The shared memory; post it to the other thread and call {@link ByteRing.attach} there. */
  readonly buffer: SharedArrayBuffer;
  /** Data capacity in bytes (a power of two). */
  readonly capacity: number;
  /**
   * Allocates a ring of at least `minCapacity` bytes (rounded up to a power of two, ≥ 4 KiB).
   * @throws RangeError when `minCapacity` is not an integer in 1..2^30.
   */
  static create(minCapacity: number): ByteRing;
  /**
   * Wraps a buffer made by {@link ByteRing.create} on another thread.
   * @throws RangeError when the buffer does not have a ring's shape.
   */
  static attach(buffer: SharedArrayBuffer): ByteRing;
  /** Bytes written and not yet read. */
  readonly used: number;
  /** True once the producer called {@link ByteRing.close}. */
  readonly closed: boolean;
  /** True once either side called {@link ByteRing.cancel}. */
  readonly cancelled: boolean;
  /**
   * Producer: copies all of `bytes` in, waiting (without blocking the event loop) for room.
   * @throws RingCancelledError when the ring is cancelled; Error after close; the signal's
   *   reason when `signal` aborts.
   */
  write(bytes: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Empties the ring and clears `closed`/`cancelled`, to use it for another stream. Only when
   * no thread reads or writes it any more.
   */
  reset(): void;
  /** Producer: no more bytes will come; the consumer reads what is left, then gets EOF. */
  close(): void;
  /** Either side: stop now; both sides' waits end with {@link RingCancelledError}. */
  cancel(): void;
  /**
   * Consumer on a worker thread (blocks it): waits for at least one byte, copies up to
   * `dst.length` bytes. Returns the count, or 0 at end of stream.
   * @throws RingCancelledError when the ring is cancelled.
   */
  readBlocking(dst: Uint8Array): number;
  /** Consumer that must not block (tests, the main thread): like `readBlocking`, async. */
  read(dst: Uint8Array): Promise<number>;
}
