/**
 * The bounded hand-off between a decoder backend (producer) and the frame iterator (consumer).
 * The producer asks {@link FrameBuffer.waitForSpace} before decoding more, so no more than
 * `capacity` decoded frames wait in memory.
 */

/** A bounded FIFO of frame buffers that ends with `end()` or `fail(error)`. */
export class FrameBuffer {
  /** Most frames held at once. */
  readonly capacity: number;
  #frames: Uint8Array[] = [];
  #ended = false;
  #error: unknown = undefined;
  #failed = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;
  /** Called each time the consumer takes a frame. */
  onTake: (() => void) | undefined;

  /** @throws RangeError when capacity is not an integer ≥ 1. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`maxBuffered must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Frames waiting. */
  get size(): number {
    return this.#frames.length;
  }

  /** True once ended or failed. */
  get closed(): boolean {
    return this.#ended || this.#failed;
  }

  /** Adds a frame (the producer should have waited for space). */
  push(frame: Uint8Array): void {
    if (this.closed) return;
    this.#frames.push(frame);
    this.#wake();
  }

  /** No more frames after those queued. */
  end(): void {
    this.#ended = true;
    this.#wake();
    this.#wakeProducer?.();
  }

  /** The producer failed: the consumer gets `error` after the queued frames. First call wins. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.#failed = true;
    this.#error = error;
    this.#wake();
    this.#wakeProducer?.();
  }

  /** Resolves when fewer than `capacity` frames wait (or the buffer closed). */
  async waitForSpace(): Promise<void> {
    while (this.#frames.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.#wakeProducer = resolve);
    }
  }

  /** The next frame, or null at the end. @throws the producer's error, after queued frames. */
  async next(): Promise<Uint8Array | null> {
    while (true) {
      const frame = this.#frames.shift();
      if (frame) {
        this.onTake?.();
        const wake = this.#wakeProducer;
        this.#wakeProducer = undefined;
        wake?.();
        return frame;
      }
      if (this.#failed) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wakeConsumer = resolve);
    }
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }
}
