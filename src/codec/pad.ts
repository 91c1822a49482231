/**
 * Pads a yuv420p frame with odd dimensions to even ones (H.264 4:2:0 needs them), repeating the
 * last column and row of the luma plane. The chroma planes already have ceil(w/2)×ceil(h/2)
 * samples, which is exactly what the even size needs, so they are copied as they are. Pure.
 */
import { planeLayout } from "./frame.ts";

/** `data` unchanged when both sides are even, else a padded copy of size (w+w%2)×(h+h%2). */
export function padToEven(data: Uint8Array, width: number, height: number): Uint8Array {
  if (width % 2 === 0 && height % 2 === 0) return data;
  const src = planeLayout(width, height);
  const outWidth = width + (width & 1);
  const outHeight = height + (height & 1);
  const dst = planeLayout(outWidth, outHeight);
  const out = new Uint8Array(dst.total);
  for (let y = 0; y < outHeight; y++) {
    const from = Math.min(y, height - 1) * width;
    const to = y * outWidth;
    out.set(data.subarray(from, from + width), to);
    if (outWidth > width) out[to + width] = data[from + width - 1];
  }
  out.set(data.subarray(src.uOffset, src.total), dst.uOffset);
  return out;
}
