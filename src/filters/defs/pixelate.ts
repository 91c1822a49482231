/** `pixelate`: mosaic of block averages, as ffmpeg pixelize=m=avg. */
import { defineFilter } from "../filter_module.ts";
import { eachPlane } from "../reference_kernels.ts";

/** Block sizes of pixelate for the luma and the chroma planes. */
export interface PixelateBlocks {
  luma: number;
  chroma: number;
}

/**
 * pixelate's block sizes, as ffmpeg pixelize computes them: chroma max(1, floor(block / 2)),
 * luma twice that (so an odd block is rounded down to even, and 1 becomes 2).
 */
export function pixelateBlocks(block: number): PixelateBlocks {
  const chroma = Math.max(1, Math.floor(block / 2));
  return { luma: 2 * chroma, chroma };
}

/** Reference of the `pixelate` kernel: block mean (rounded down) in b × b blocks. */
export function pixelatePlane(plane: Uint8Array, w: number, h: number, b: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y0 = 0; y0 < h; y0 += b) {
    for (let x0 = 0; x0 < w; x0 += b) {
      const y1 = Math.min(h, y0 + b);
      const x1 = Math.min(w, x0 + b);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += plane[y * w + x];
      const n = (y1 - y0) * (x1 - x0);
      const avg = Math.floor(sum / n);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * w + x] = avg;
    }
  }
  return out;
}

/** Pixelate: every plane in place, luma blocks twice the chroma blocks. */
export const pixelate = defineFilter<PixelateBlocks>({
  name: "pixelate",
  description: "Mosaic: every block becomes its average.",
  params: [
    {
      name: "block",
      default: 16,
      min: 1,
      max: 256,
      integer: true,
      description: "block size in luma pixels",
    },
  ],
  ffmpeg: "pixelize=w=B:h=B:m=avg",
  planes:
    "U and V in c × c squares from the top-left corner, c = max(1, floor(block/2)), and Y in " +
    "2c × 2c squares (an odd block is rounded down to even, as ffmpeg does); blocks cut by " +
    "the right and bottom edges average what they cover. Mean rounded down.",
  kernels: ["pixelate"],
  inPlace: true,
  plan: (p) => pixelateBlocks(p.block),
  wasm({ k, src, planes, sums }, blocks) {
    planes.forEach((pl, i) => {
      const block = i === 0 ? blocks.luma : blocks.chroma;
      k.pixelate(src + pl.offset, pl.width, pl.height, block, sums);
    });
  },
  reference: (frame, blocks) =>
    eachPlane(
      frame,
      (pl, w, h, i) => pixelatePlane(pl, w, h, i === 0 ? blocks.luma : blocks.chroma),
    ),
  examples: ["pixelate", "pixelate=1", "pixelate=5", "pixelate=256"],
  ffmpegExact: [
    ["pixelate=block=16", "pixelize=w=16:h=16:m=avg"],
    ["pixelate=block=5", "pixelize=w=5:h=5:m=avg"],
  ],
});
