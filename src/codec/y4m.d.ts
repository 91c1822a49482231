/**
 * Types of y4m.js: a streaming YUV4MPEG2 parser, the format both decoder backends ask ffmpeg
 * to write (a header line with size and rate, then `FRAME\n` + one raw yuv420p frame, repeated).
 */
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
export class Y4mFormatError extends Error {}

/** Parses a header line (without the newline). @throws Y4mFormatError */
export function parseY4mHeader(line: string): Y4mHeader;

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
  constructor(options?: Y4mParserOptions);
  /** The header, once read. */
  readonly header: Y4mHeader | undefined;
  /** Frames completed so far. */
  readonly frames: number;
  /**
   * Consumes `chunk`, calling `onFrame` for each frame completed; stops early once `maxFrames`
   * frames were completed by this call (default: no limit).
   * @returns the number of bytes consumed (the caller feeds the rest later).
   * @throws Y4mFormatError on malformed input.
   */
  push(chunk: Uint8Array, onFrame: (data: Uint8Array) => void, maxFrames?: number): number;
  /** @throws Y4mFormatError when the stream stopped inside a header or frame. */
  finish(): void;
}
