/** `vflip`: mirror top-bottom. */
import { defineFilter } from "../filter_module.ts";
import { eachPlane } from "../reference_kernels.ts";

/** Reference of the `vflip` kernel: a plane mirrored top-bottom. */
export function vflipPlane(plane: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = plane[(h - 1 - y) * w + x];
  }
  return out;
}

/** Vflip: every plane mirrored in place. */
export const vflip = defineFilter({
  name: "vflip",
  description: "Mirror top-bottom.",
  params: [],
  ffmpeg: "vflip",
  planes: "Every plane.",
  kernels: ["vflip"],
  inPlace: true,
  wasm({ k, src, planes }) {
    for (const pl of planes) k.vflip(src + pl.offset, pl.width, pl.height);
  },
  reference: (frame) => eachPlane(frame, vflipPlane),
  examples: ["vflip"],
  ffmpegExact: [["vflip", "vflip"]],
});
