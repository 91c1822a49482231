/**
 * Where FilterEngine keeps a frame in wasm memory: two frame buffers that swap roles between
 * filters, two scratch planes for separable passes, running sums and a lookup table, each
 * 64-byte aligned with a guard gap, laid out above the module's static data.
 */
import type { PlaneLayout } from "../codec/frame.ts";
import type { PlaneRect } from "./filter_module.ts";

/** Bytes between buffers, so an overrun does not land in the next one unnoticed. */
const GUARD = 64;

/** `n` rounded up to a multiple of 64. */
export function align64(n: number): number {
  return (n + 63) & ~63;
}

/** Byte offsets of the engine's buffers in wasm memory for one frame size. */
export interface FrameBuffers {
  frame: PlaneLayout;
  /** Y, U and V: offsets inside a frame buffer and sizes. */
  planes: readonly [PlaneRect, PlaneRect, PlaneRect];
  /** The two frame buffers. */
  a: number;
  b: number;
  /** Two planes of scratch for separable passes (luma size, rows padded to 64 bytes). */
  scratch: number;
  scratch2: number;
  /** Running sums / column sums. */
  sums: number;
  /** A 256-byte lookup table. */
  table: number;
  /** First byte after the last buffer: the memory must be at least this big. */
  end: number;
}

/** The buffers for `frame`, starting at or after `base`. */
export function frameBuffers(base: number, frame: PlaneLayout): FrameBuffers {
  const a = align64(base) + GUARD;
  const b = a + align64(frame.total) + GUARD;
  const scratch = b + align64(frame.total) + GUARD;
  const padded = Math.max(
    align64(frame.width) * frame.height,
    align64(frame.height) * frame.width,
  );
  const scratch2 = scratch + align64(padded) + GUARD;
  const sums = scratch2 + align64(padded) + GUARD;
  const longest = Math.max(frame.width, frame.height);
  // Box passes: a row table of 4 · (h + 2r + 2) bytes, r ≤ 128. Pixelate: u16 column sums.
  const sumBytes = Math.max(4 * (longest + 2 * 128 + 2), 2 * (frame.width + 16));
  const table = sums + align64(sumBytes) + GUARD;
  const end = table + 256 + GUARD;
  const planes: [PlaneRect, PlaneRect, PlaneRect] = [
    { offset: 0, width: frame.width, height: frame.height },
    { offset: frame.uOffset, width: frame.chromaWidth, height: frame.chromaHeight },
    { offset: frame.vOffset, width: frame.chromaWidth, height: frame.chromaHeight },
  ];
  return { frame, planes, a, b, scratch, scratch2, sums, table, end };
}
