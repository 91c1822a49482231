/**
 * yuv420p → RGBA conversion for the preview's JPEG frames: BT.601 coefficients, limited ("TV")
 * range (Y in 16..235, U/V in 16..240), the way H.264 streams from ffmpeg are normally tagged.
 */
import { planeLayout } from "../codec/frame.ts";
import { PreviewOptionsError } from "./errors.ts";

/** An RGBA image (4 bytes per pixel, alpha 255), the input jpeg-js expects. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Options for {@link yuv420pToRgba}. */
export interface YuvToRgbaOptions {
  /**
   * Largest output width or height (default 0 = keep the frame's size). A bigger frame is shrunk
   * by the smallest integer factor that fits, averaging luma over each block.
   */
  maxSide?: number;
}

/** The integer factor that shrinks `width` × `height` to fit in `maxSide` (1 when it fits). */
export function downscaleFactor(width: number, height: number, maxSide: number): number {
  if (maxSide <= 0) return 1;
  return Math.max(1, Math.ceil(Math.max(width, height) / maxSide));
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Converts one yuv420p frame (layout of src/codec/frame.ts) to RGBA, BT.601 limited range:
 * R = 1.164(Y−16) + 1.596(V−128), G = 1.164(Y−16) − 0.392(U−128) − 0.813(V−128),
 * B = 1.164(Y−16) + 2.017(U−128), in 8.8 fixed point, clamped to 0..255.
 * @throws PreviewOptionsError when `data` is not exactly one frame of that size or maxSide is bad.
 */
export function yuv420pToRgba(
  data: Uint8Array,
  width: number,
  height: number,
  options: YuvToRgbaOptions = {},
): RgbaImage {
  const maxSide = options.maxSide ?? 0;
  if (!Number.isInteger(maxSide) || maxSide < 0) {
    throw new PreviewOptionsError(`maxSide must be an integer >= 0, got ${maxSide}`);
  }
  const layout = planeLayout(width, height);
  if (!(data instanceof Uint8Array) || data.length !== layout.total) {
    throw new PreviewOptionsError(
      `a ${width}x${height} yuv420p frame has ${layout.total} bytes, got ${
        data instanceof Uint8Array ? data.length : typeof data
      }`,
    );
  }
  const k = downscaleFactor(width, height, maxSide);
  const ow = Math.ceil(width / k);
  const oh = Math.ceil(height / k);
  const out = new Uint8Array(ow * oh * 4);
  const { chromaWidth, uOffset, vOffset } = layout;
  let o = 0;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * k;
    const y1 = Math.min(height, y0 + k);
    const cy = Math.min(height - 1, y0 + (k >> 1)) >> 1;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * k;
      const x1 = Math.min(width, x0 + k);
      let luma: number;
      if (k === 1) {
        luma = data[y0 * width + x0];
      } else {
        let sum = 0;
        for (let y = y0; y < y1; y++) {
          const row = y * width;
          for (let x = x0; x < x1; x++) sum += data[row + x];
        }
        const n = (y1 - y0) * (x1 - x0);
        luma = Math.floor((sum + (n >> 1)) / n);
      }
      const cx = Math.min(width - 1, x0 + (k >> 1)) >> 1;
      const ci = cy * chromaWidth + cx;
      const c = 298 * (luma - 16);
      const d = data[uOffset + ci] - 128;
      const e = data[vOffset + ci] - 128;
      out[o] = clamp8((c + 409 * e + 128) >> 8);
      out[o + 1] = clamp8((c - 100 * d - 208 * e + 128) >> 8);
      out[o + 2] = clamp8((c + 516 * d + 128) >> 8);
      out[o + 3] = 255;
      o += 4;
    }
  }
  return { width: ow, height: oh, data: out };
}
