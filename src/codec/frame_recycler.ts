/**
 * Frame buffers given back by the consumer for the decoder to fill again, so a steady run
 * allocates (and the system zeroes) no new frame memory: see `DecodedFrames.recycle`. A buffer
 * given back that is not kept (no room, or a decoder that cannot reuse buffers: ffmpeg.wasm's
 * frames come from its worker) is freed at once, not left for the garbage collector: a 1080p run
 * otherwise held hundreds of MiB of dead frames between collections.
 */

/** Default most spare buffers kept. */
export const DEFAULT_MAX_SPARE = 16;

/** A free list of same-size frame buffers. */
export class FrameRecycler {
  /** Most spare buffers kept (0: none, every buffer given back is freed). */
  maxSpare: number;
  #frameBytes = 0;
  #spare: Uint8Array<ArrayBuffer>[] = [];
  #taken = 0;
  #reused = 0;

  constructor(maxSpare = DEFAULT_MAX_SPARE) {
    if (!Number.isInteger(maxSpare) || maxSpare < 0) {
      throw new RangeError(`maxSpare must be an integer >= 0, got ${maxSpare}`);
    }
    this.maxSpare = maxSpare;
  }

  /** Bytes per frame; set once the decoder knows it (changing it drops the spares). */
  get frameBytes(): number {
    return this.#frameBytes;
  }

  set frameBytes(bytes: number) {
    if (bytes !== this.#frameBytes) this.#spare = [];
    this.#frameBytes = bytes;
  }

  /** Spare buffers waiting. */
  get spare(): number {
    return this.#spare.length;
  }

  /** Buffers handed out, and how many of them were reused ones. */
  get stats(): { taken: number; reused: number } {
    return { taken: this.#taken, reused: this.#reused };
  }

  /** A frame buffer: a spare one (its old contents left in it), or a new one. */
  take(): Uint8Array<ArrayBuffer> {
    this.#taken++;
    const spare = this.#spare.pop();
    if (spare) {
      this.#reused++;
      return spare;
    }
    return new Uint8Array(this.#frameBytes);
  }

  /**
   * Takes back `data` when it is a whole, unshared, attached buffer of exactly one frame: keeps
   * it for a later {@link take} when there is room, else frees its memory now (detaching it).
   * Anything else (another size, a view into a larger buffer, a SharedArrayBuffer, a buffer
   * already given back) is left alone.
   * @returns whether it was kept for reuse.
   */
  give(data: Uint8Array): boolean {
    if (
      !(data instanceof Uint8Array) || this.#frameBytes === 0 ||
      data.byteLength !== this.#frameBytes || data.byteOffset !== 0 ||
      !(data.buffer instanceof ArrayBuffer) || data.buffer.byteLength !== this.#frameBytes ||
      this.#spare.some((s) => s.buffer === data.buffer)
    ) {
      return false;
    }
    if (this.#spare.length < this.maxSpare) {
      this.#spare.push(data as Uint8Array<ArrayBuffer>);
      return true;
    }
    // Detaching frees the memory at once instead of at the next garbage collection.
    data.buffer.transfer(0);
    return false;
  }

  /**
   * The decoder is done: frees the spares now and every buffer given back from here on (a
   * consumer may still hold frames in flight; kept, they would live as long as this object).
   */
  close(): void {
    this.maxSpare = 0;
    for (const spare of this.#spare) spare.buffer.transfer(0);
    this.#spare = [];
  }
}
