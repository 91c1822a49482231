/** `hflip`: mirror left-right. */
import { defineFilter } from "../filter_module.ts";
import { eachPlane } from "../reference_kernels.ts";

/** Reference of the `hflip` kernel: a plane mirrored left-right. */
export function hflipPlane(plane: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = plane[y * w + w - 1 - x];
  return out;
}

/** Hflip: every plane mirrored in place. */
export const hflip = defineFilter({
  name: "hflip",
  description: "Mirror left-right.",
  params: [],
  ffmpeg: "hflip",
  planes: "Every plane.",
  kernels: ["hflip"],
  inPlace: true,
  wasm({ k, src, planes }) {
    for (const pl of planes) k.hflip(src + pl.offset, pl.width, pl.height);
  },
  reference: (frame) => eachPlane(frame, hflipPlane),
  examples: ["hflip"],
  ffmpegExact: [["hflip", "hflip"]],
});
