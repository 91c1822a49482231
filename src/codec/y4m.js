/**
 * A streaming parser for YUV4MPEG2 (`-f yuv4mpegpipe`), the format both decoder backends ask
 * ffmpeg to write: a one-line header with the frame size and rate, then `FRAME\n` + one raw
 * yuv420p frame, repeated. Self-describing, so the decoder learns the frame size (after any
 * rotation ffmpeg applied) from the stream itself. Pure: no I/O.
 *
 * Plain JavaScript (typed by y4m.d.ts) because the ffmpeg.wasm worker imports it: a worker whose
 * module graph holds TypeScript is type-checked each time it starts under `deno test`.
 */

const MAX_LINE = 4096;
const HEADER_MAGIC = "YUV4MPEG2";
const FRAME_MAGIC = "FRAME";
const ACCEPTED_COLORSPACES = new Set(["420jpeg", "420mpeg2", "420paldv", "420"]);

/** The stream is not the YUV4MPEG2 vframe expects. */
export class Y4mFormatError extends Error {
  name = "Y4mFormatError";
}

/**
 * Bytes of a yuv420p frame (same as frame.ts's frameSize).
 * @param {number} width
 * @param {number} height
 */
function yuv420Size(width, height) {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** @param {string} line */
export function parseY4mHeader(line) {
  const fields = line.split(" ");
  if (fields[0] !== HEADER_MAGIC) {
    throw new Y4mFormatError(`not a YUV4MPEG2 stream: header starts with '${line.slice(0, 16)}'`);
  }
  let width = 0;
  let height = 0;
  let fps;
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

/** Feed it chunks; it calls back with each whole frame (a new buffer the callee owns). */
export class Y4mParser {
  #header;
  #frameBytes = 0;
  /** @type {number[]} */
  #line = [];
  #inFrameData = false;
  /** @type {Uint8Array | null} */
  #frame = null;
  #filled = 0;
  #frames = 0;
  #onHeader;

  /** @param {{ onHeader?: (header: object) => void }} [options] */
  constructor(options = {}) {
    this.#onHeader = options.onHeader;
  }

  get header() {
    return this.#header;
  }

  get frames() {
    return this.#frames;
  }

  /**
   * @param {Uint8Array} chunk
   * @param {(data: Uint8Array) => void} onFrame
   * @param {number} [maxFrames]
   */
  push(chunk, onFrame, maxFrames = Infinity) {
    let at = 0;
    let completed = 0;
    while (at < chunk.length && completed < maxFrames) {
      if (this.#inFrameData) {
        const frame = /** @type {Uint8Array} */ (this.#frame);
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

  /** @param {string} line */
  #endLine(line) {
    if (!this.#header) {
      const header = parseY4mHeader(line);
      this.#onHeader?.(header);
      this.#header = header;
      this.#frameBytes = yuv420Size(header.width, header.height);
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

  finish() {
    if (this.#inFrameData || this.#line.length > 0) {
      throw new Y4mFormatError(
        `YUV4MPEG2 stream ended inside frame ${this.#frames} ` +
          `(${this.#filled} of ${this.#frameBytes} bytes)`,
      );
    }
  }
}
