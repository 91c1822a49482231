/**
 * Reads a YUV4MPEG2 stream (see y4m.js) from a byte source straight into the caller's frame
 * buffers: header and `FRAME` lines go through a small staging buffer; frame bytes are read by
 * the source directly into the frame (only the part of a frame that arrived with its `FRAME`
 * line, at most one staging buffer's worth, is copied).
 */
// @ts-types="./y4m.d.ts"
import { parseY4mHeader, Y4mFormatError, type Y4mHeader } from "./y4m.js";

const MAX_LINE = 4096;
/** Staging buffer size: one read's worth of header line, `FRAME` line and frame start. */
const STAGE_BYTES = 64 * 1024;

/** Reads at most `into.length` bytes; resolves to the count, or null at the end of the stream. */
export type ReadInto = (into: Uint8Array) => Promise<number | null>;

/** Bytes of a yuv420p frame (frame.ts's frameSize, without its checks). */
function yuv420Size(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** A YUV4MPEG2 reader over a byte source. Not for concurrent use. */
export class Y4mReader {
  readonly #read: ReadInto;
  readonly #stage = new Uint8Array(STAGE_BYTES);
  #start = 0;
  #end = 0;
  #ended = false;
  #header: Y4mHeader | undefined;
  #frameBytes = 0;
  #frames = 0;

  constructor(read: ReadInto) {
    this.#read = read;
  }

  /** Frames read so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Bytes per frame (0 before the header). */
  get frameBytes(): number {
    return this.#frameBytes;
  }

  /**
   * Reads the stream header (once; later calls return it).
   * @throws Y4mFormatError when the stream is not YUV4MPEG2 4:2:0 or ends first.
   */
  async header(): Promise<Y4mHeader> {
    if (this.#header) return this.#header;
    const line = await this.#readLine();
    if (line === null) throw new Y4mFormatError("YUV4MPEG2 stream ended before its header");
    const header = parseY4mHeader(line) as Y4mHeader;
    this.#header = header;
    this.#frameBytes = yuv420Size(header.width, header.height);
    return header;
  }

  /**
   * Reads the next frame into `into` (exactly {@link frameBytes} long).
   * @returns false at the end of the stream (between frames).
   * @throws Y4mFormatError for a missing `FRAME` marker or a stream cut inside a frame;
   *   RangeError when `into` has the wrong size.
   */
  async readFrame(into: Uint8Array): Promise<boolean> {
    await this.header();
    if (into.length !== this.#frameBytes) {
      throw new RangeError(`frame buffer has ${into.length} bytes, a frame ${this.#frameBytes}`);
    }
    const line = await this.#readLine();
    if (line === null) return false;
    if (line !== "FRAME" && !line.startsWith("FRAME ")) {
      throw new Y4mFormatError(
        `expected a YUV4MPEG2 FRAME marker after frame ${this.#frames}, got '${line.slice(0, 16)}'`,
      );
    }
    let filled = Math.min(this.#end - this.#start, into.length);
    if (filled > 0) {
      into.set(this.#stage.subarray(this.#start, this.#start + filled));
      this.#start += filled;
    }
    while (filled < into.length) {
      const n = await this.#read(into.subarray(filled));
      if (n === null) {
        this.#ended = true;
        throw new Y4mFormatError(
          `YUV4MPEG2 stream ended inside frame ${this.#frames} ` +
            `(${filled} of ${this.#frameBytes} bytes)`,
        );
      }
      filled += n;
    }
    this.#frames++;
    return true;
  }

  /** The next line without its newline, or null at a clean end (no bytes left). */
  async #readLine(): Promise<string | null> {
    let searchFrom = this.#start;
    while (true) {
      const newline = this.#stage.subarray(searchFrom, this.#end).indexOf(0x0a);
      if (newline !== -1) {
        const end = searchFrom + newline;
        let line = "";
        for (let i = this.#start; i < end; i++) line += String.fromCharCode(this.#stage[i]);
        this.#start = end + 1;
        return line;
      }
      if (this.#end - this.#start >= MAX_LINE) {
        throw new Y4mFormatError(`YUV4MPEG2 line longer than ${MAX_LINE} bytes: not a y4m stream`);
      }
      if (this.#ended) {
        if (this.#end === this.#start) return null;
        throw new Y4mFormatError(
          `YUV4MPEG2 stream ended inside a header line after frame ${this.#frames}`,
        );
      }
      searchFrom = this.#end;
      if (this.#start > 0) {
        this.#stage.copyWithin(0, this.#start, this.#end);
        searchFrom -= this.#start;
        this.#end -= this.#start;
        this.#start = 0;
      }
      const n = await this.#read(this.#stage.subarray(this.#end));
      if (n === null) this.#ended = true;
      else this.#end += n;
    }
  }
}
