/**
 * Where FilterEngine keeps a frame in wasm memory: two frame buffers that swap roles between
 * filters, two scratch planes for separable passes, running sums and a lookup table, each
 * 64-byte aligned with a guard gap, laid out above the module's static data.
 */
import type { PlaneLayout } from "../codec/frame.ts";
import type { PlaneRect } from "./filter_module.ts";

/** Bytes between buffers, so an overrun does not land in the next one unnoticed. */
const GUARD = 64;

/** The most weights per output sample a resampling table (scale) holds. */
export const RESAMPLE_MAX_TAPS = 64;

/** `n` rounded up to a multiple of 64. */
export function align64(n: number): number {
  return (n + 63) & ~63;
}

/** Byte offsets of the engine's buffers in wasm memory for one frame size. */
export interface FrameBuffers {
  frame: PlaneLayout;
  /** Y, U and V: offsets inside a frame buffer and sizes. */
  planes: readonly [PlaneRect, PlaneRect, PlaneRect];
  /** The largest frame size the buffers hold (the frame's own unless given). */
  capacity: { width: number; height: number };
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
  /**
   * Room for one resampling table (scale): i32 starts then i16 weights, for up to
   * max(capacity) outputs of {@link RESAMPLE_MAX_TAPS} taps.
   */
  weights: number;
  /** First byte after the last buffer: the memory must be at least this big. */
  end: number;
}

/** Y, U and V of a frame buffer holding a `frame`-sized frame. */
export function planeRects(frame: PlaneLayout): readonly [PlaneRect, PlaneRect, PlaneRect] {
  return [
    { offset: 0, width: frame.width, height: frame.height },
    { offset: frame.uOffset, width: frame.chromaWidth, height: frame.chromaHeight },
    { offset: frame.vOffset, width: frame.chromaWidth, height: frame.chromaHeight },
  ];
}

/**
 * The buffers for `frame`, starting at or after `base`. `capacity` (default: the frame's size):
 * the largest width and height the frame takes on in a chain that changes its size; every
 * buffer is made big enough for a frame of capacity.width × capacity.height.
 */
export function frameBuffers(
  base: number,
  frame: PlaneLayout,
  capacity: { width: number; height: number } = frame,
): FrameBuffers {
  const cw = Math.max(frame.width, capacity.width);
  const ch = Math.max(frame.height, capacity.height);
  const total = Math.max(frame.total, cw * ch + 2 * Math.ceil(cw / 2) * Math.ceil(ch / 2));
  const a = align64(base) + GUARD;
  const b = a + align64(total) + GUARD;
  const scratch = b + align64(total) + GUARD;
  const padded = Math.max(align64(cw) * ch, align64(ch) * cw);
  const scratch2 = scratch + align64(padded) + GUARD;
  const sums = scratch2 + align64(padded) + GUARD;
  const longest = Math.max(cw, ch);
  // Box passes: a row table of 4 · (h + 2r + 2) bytes, r ≤ 128. Pixelate: u16 column sums.
  const sumBytes = Math.max(4 * (longest + 2 * 128 + 2), 2 * (cw + 16));
  const table = sums + align64(sumBytes) + GUARD;
  const weights = table + 256 + GUARD;
  const end = weights + align64(4 * longest) + align64(2 * RESAMPLE_MAX_TAPS * longest) + GUARD;
  const planes = planeRects(frame);
  return {
    frame,
    planes,
    capacity: { width: cw, height: ch },
    a,
    b,
    scratch,
    scratch2,
    sums,
    table,
    weights,
    end,
  };
}
