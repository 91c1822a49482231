/**
 * Cuts a byte stream of back-to-back raw yuv420p frames into whole frames. Pure: feed it chunks
 * of any size, it copies bytes straight into each frame's own buffer (the chunk may be reused by
 * the caller as soon as `push` returns).
 */
import { CodecError } from "./errors.ts";
import { frameSize } from "./frame.ts";

/** Collects bytes into fixed-size frames. */
export class FrameAssembler {
  /** Bytes per frame. */
  readonly frameBytes: number;
  #current: Uint8Array | null = null;
  #filled = 0;

  /**
   * @param width luma width ≥ 1
   * @param height luma height ≥ 1
   * @throws RangeError on bad dimensions.
   */
  constructor(width: number, height: number) {
    this.frameBytes = frameSize(width, height);
  }

  /** Bytes of the frame being assembled (0 between frames). */
  get pendingBytes(): number {
    return this.#filled;
  }

  /**
   * Consumes all of `chunk`, calling `onFrame` with each frame completed (the frame's buffer is
   * new and belongs to the callee).
   */
  push(chunk: Uint8Array, onFrame: (data: Uint8Array) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#current === null) {
        this.#current = new Uint8Array(this.frameBytes);
        this.#filled = 0;
      }
      const take = Math.min(this.frameBytes - this.#filled, chunk.length - at);
      this.#current.set(chunk.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === this.frameBytes) {
        const frame = this.#current;
        this.#current = null;
        this.#filled = 0;
        onFrame(frame);
      }
    }
  }

  /** @throws CodecError when the stream ended in the middle of a frame. */
  finish(): void {
    if (this.#filled !== 0) {
      throw new CodecError(
        `raw stream ended inside a frame: ${this.#filled} of ${this.frameBytes} bytes; ` +
          `check the frame size (WIDTHxHEIGHT) and that the input is yuv420p`,
      );
    }
  }
}
