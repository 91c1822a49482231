/**
 * A single-producer, single-consumer byte ring on a SharedArrayBuffer, for streaming bytes
 * between the main thread and an ffmpeg.wasm worker whose `exec` blocks its thread.
 *
 * The consumer side (`readBlocking`) uses `Atomics.wait`, so it can run inside an Emscripten
 * device callback that must return data synchronously. The producer side (`write`) uses
 * `Atomics.waitAsync`, so the main thread's event loop keeps running while it waits for room
 * (back-pressure). Either side may cancel.
 *
 * Layout: 4 Int32 header words (bytes written, bytes read — both counted modulo 2^32 —, closed,
 * cancelled), padded to 64 bytes, then `capacity` data bytes (a power of two).
 *
 * Plain JavaScript (typed by ring.d.ts) because the ffmpeg.wasm worker imports it: a worker whose
 * module graph holds TypeScript is type-checked each time it starts under `deno test` (~1.4 s).
 */

const WRITTEN = 0;
const READ = 1;
const CLOSED = 2;
const CANCELLED = 3;
const HEADER_BYTES = 64;
/** How long one wait lasts before the state is looked at again (a safety net, not a poll). */
const WAIT_SLICE_MS = 1000;

/**
 * Waits until `state[index]` is no longer `value` (or `ms` pass) without blocking the thread.
 * A timer runs alongside because a pending `Atomics.waitAsync` alone does not keep Deno's event
 * loop alive.
 * @param {Int32Array} state
 * @param {number} index
 * @param {number} value
 * @param {number} ms
 */
async function waitAsync(state, index, value, ms) {
  const result = Atomics.waitAsync(state, index, value, ms);
  if (!result.async) return;
  let timer;
  await Promise.race([result.value, new Promise((resolve) => timer = setTimeout(resolve, ms))]);
  clearTimeout(timer);
}

/** The other side cancelled the ring (consumer gone, or producer aborted). */
export class RingCancelledError extends Error {
  name = "RingCancelledError";
}

/** A byte ring shared by two threads. Create on one side, pass `buffer` to the other, attach. */
export class ByteRing {
  /** @type {Int32Array} */
  #state;
  /** @type {Uint8Array} */
  #data;

  /** @param {SharedArrayBuffer} buffer */
  constructor(buffer) {
    /** The shared memory. */
    this.buffer = buffer;
    /** Data capacity in bytes (a power of two). */
    this.capacity = buffer.byteLength - HEADER_BYTES;
    this.#state = new Int32Array(buffer, 0, 4);
    this.#data = new Uint8Array(buffer, HEADER_BYTES);
  }

  /** @param {number} minCapacity */
  static create(minCapacity) {
    if (!Number.isInteger(minCapacity) || minCapacity < 1 || minCapacity > 2 ** 30) {
      throw new RangeError(`ring capacity must be an integer in 1..2^30, got ${minCapacity}`);
    }
    let capacity = 4096;
    while (capacity < minCapacity) capacity *= 2;
    return new ByteRing(new SharedArrayBuffer(HEADER_BYTES + capacity));
  }

  /** @param {SharedArrayBuffer} buffer */
  static attach(buffer) {
    const capacity = buffer.byteLength - HEADER_BYTES;
    if (capacity < 4096 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`not a ByteRing buffer: ${buffer.byteLength} bytes`);
    }
    return new ByteRing(buffer);
  }

  get used() {
    return (Atomics.load(this.#state, WRITTEN) - Atomics.load(this.#state, READ)) >>> 0;
  }

  get closed() {
    return Atomics.load(this.#state, CLOSED) === 1;
  }

  get cancelled() {
    return Atomics.load(this.#state, CANCELLED) === 1;
  }

  /**
   * @param {Uint8Array} bytes
   * @param {AbortSignal} [signal]
   */
  async write(bytes, signal) {
    if (this.closed) throw new Error("write after close on a ByteRing");
    let at = 0;
    while (at < bytes.length) {
      signal?.throwIfAborted();
      if (this.cancelled) throw new RingCancelledError("the reader stopped reading");
      const read = Atomics.load(this.#state, READ);
      const written = Atomics.load(this.#state, WRITTEN);
      const free = this.capacity - ((written - read) >>> 0);
      if (free === 0) {
        await waitAsync(this.#state, READ, read, WAIT_SLICE_MS);
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

  reset() {
    for (const index of [WRITTEN, READ, CLOSED, CANCELLED]) Atomics.store(this.#state, index, 0);
  }

  close() {
    Atomics.store(this.#state, CLOSED, 1);
    Atomics.notify(this.#state, WRITTEN);
  }

  cancel() {
    Atomics.store(this.#state, CANCELLED, 1);
    Atomics.notify(this.#state, WRITTEN);
    Atomics.notify(this.#state, READ);
  }

  /** @param {Uint8Array} dst */
  readBlocking(dst) {
    if (dst.length === 0) return 0;
    while (true) {
      if (this.cancelled) throw new RingCancelledError("the stream was cancelled");
      const n = this.#take(dst);
      if (n !== 0) return n;
      const written = Atomics.load(this.#state, WRITTEN);
      if (this.closed) {
        if (((written - Atomics.load(this.#state, READ)) >>> 0) === 0) return 0;
        continue;
      }
      Atomics.wait(this.#state, WRITTEN, written, WAIT_SLICE_MS);
    }
  }

  /** @param {Uint8Array} dst */
  async read(dst) {
    if (dst.length === 0) return 0;
    while (true) {
      if (this.cancelled) throw new RingCancelledError("the stream was cancelled");
      const n = this.#take(dst);
      if (n !== 0) return n;
      const written = Atomics.load(this.#state, WRITTEN);
      if (this.closed) {
        if (((written - Atomics.load(this.#state, READ)) >>> 0) === 0) return 0;
        continue;
      }
      await waitAsync(this.#state, WRITTEN, written, WAIT_SLICE_MS);
    }
  }

  /** @param {Uint8Array} dst */
  #take(dst) {
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
