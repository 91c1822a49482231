/**
 * A streaming parser for YUV4MPEG2 (`-f yuv4mpegpipe`), the format both decoder backends ask
 * ffmpeg to write: a one-line header with the frame size and rate, then `FRAME\n` + one raw
 * yuv420p frame, repeated. Self-describing, so the decoder learns the frame size (after any
 * rotation ffmpeg applied) from the stream itself. Pure: no I/O.
 */
import { CodecError } from "./errors.ts";
import { frameSize } from "./frame.ts";
import type { Rational } from "./types.ts";

/** What the stream header says. */
export interface Y4mHeader {
  width: number;
  height: number;
  fps: Rational;
  /** Chroma/colour tag (`420jpeg`, `420mpeg2`, `420paldv` or `420`); 4:2:0 only. */
  colorspace: string;
}

/** The stream is not the YUV4MPEG2 vframe expects. */
export class Y4mFormatError extends CodecError {
  override name = "Y4mFormatError";
}

const MAX_LINE = 4096;
const HEADER_MAGIC = "YUV4MPEG2";
const FRAME_MAGIC = "FRAME";
const ACCEPTED_COLORSPACES = new Set(["420jpeg", "420mpeg2", "420paldv", "420"]);

/** Parses a header line (without the newline). @throws Y4mFormatError */
export function parseY4mHeader(line: string): Y4mHeader {
  const fields = line.split(" ");
  if (fields[0] !== HEADER_MAGIC) {
    throw new Y4mFormatError(`not a YUV4MPEG2 stream: header starts with '${line.slice(0, 16)}'`);
  }
  let width = 0;
  let height = 0;
  let fps: Rational | undefined;
  let colorspace = "420jpeg";
  for (const field of fields.slice(1)) {
    const tag = field[0];
    const value = field.slice(1);
    if (tag === "W") width = Number(value);
    else if (tag === "H") height = Number(value);
    else if (tag === "C") colorspace = value;
    else if (tag === "F") {
      const [num, den] = value.split(":").map(Number);
      fps = { num, den };
    }
  }
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new Y4mFormatError(`YUV4MPEG2 header has a bad frame size: '${line}'`);
  }
  if (!fps || !(fps.num > 0) || !(fps.den > 0)) {
    throw new Y4mFormatError(`YUV4MPEG2 header has no usable frame rate: '${line}'`);
  }
  if (!ACCEPTED_COLORSPACES.has(colorspace)) {
    throw new Y4mFormatError(
      `YUV4MPEG2 colorspace C${colorspace} is not 4:2:0 8-bit; decode with -pix_fmt yuv420p`,
    );
  }
  return { width, height, fps, colorspace };
}

/** Options for {@link Y4mParser}. */
export interface Y4mParserOptions {
  /** Called once, when the header has been read, before any frame. May throw to refuse it. */
  onHeader?: (header: Y4mHeader) => void;
}

/**
 * Feed it chunks; it calls back with each whole frame (a new buffer the callee owns).
 * Chunks may be views into memory the caller reuses: bytes are copied before `push` returns.
 */
export class Y4mParser {
  #header: Y4mHeader | undefined;
  #frameBytes = 0;
  #line: number[] = [];
  #inFrameData = false;
  #frame: Uint8Array | null = null;
  #filled = 0;
  #frames = 0;
  readonly #onHeader?: (header: Y4mHeader) => void;

  constructor(options: Y4mParserOptions = {}) {
    this.#onHeader = options.onHeader;
  }

  /** The header, once read. */
  get header(): Y4mHeader | undefined {
    return this.#header;
  }

  /** Frames completed so far. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Consumes `chunk`, calling `onFrame` for each frame completed; stops early once `maxFrames`
   * frames were completed by this call (default: no limit).
   * @returns the number of bytes consumed (the caller feeds the rest later).
   * @throws Y4mFormatError on malformed input.
   */
  push(chunk: Uint8Array, onFrame: (data: Uint8Array) => void, maxFrames = Infinity): number {
    let at = 0;
    let completed = 0;
    while (at < chunk.length && completed < maxFrames) {
      if (this.#inFrameData) {
        const frame = this.#frame!;
        const take = Math.min(this.#frameBytes - this.#filled, chunk.length - at);
        frame.set(chunk.subarray(at, at + take), this.#filled);
        this.#filled += take;
        at += take;
        if (this.#filled === this.#frameBytes) {
          this.#inFrameData = false;
          this.#frame = null;
          this.#frames++;
          completed++;
          onFrame(frame);
        }
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#line.length + (end - at) > MAX_LINE) {
        throw new Y4mFormatError(`YUV4MPEG2 line longer than ${MAX_LINE} bytes: not a y4m stream`);
      }
      for (let i = at; i < end; i++) this.#line.push(chunk[i]);
      if (newline === -1) return chunk.length;
      at = newline + 1;
      this.#endLine(String.fromCharCode(...this.#line));
      this.#line = [];
    }
    return at;
  }

  #endLine(line: string): void {
    if (!this.#header) {
      const header = parseY4mHeader(line);
      this.#onHeader?.(header);
      this.#header = header;
      this.#frameBytes = frameSize(header.width, header.height);
      return;
    }
    if (line !== FRAME_MAGIC && !line.startsWith(FRAME_MAGIC + " ")) {
      throw new Y4mFormatError(
        `expected a YUV4MPEG2 FRAME marker after frame ${this.#frames}, got '${line.slice(0, 16)}'`,
      );
    }
    this.#inFrameData = true;
    this.#frame = new Uint8Array(this.#frameBytes);
    this.#filled = 0;
  }

  /** @throws Y4mFormatError when the stream stopped inside a header or frame. */
  finish(): void {
    if (this.#inFrameData || this.#line.length > 0) {
      throw new Y4mFormatError(
        `YUV4MPEG2 stream ended inside frame ${this.#frames} ` +
          `(${this.#filled} of ${this.#frameBytes} bytes)`,
      );
    }
  }
}
