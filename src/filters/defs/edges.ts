/** `edges`: Sobel edge magnitude of the luma, as a grey image. */
import { defineFilter } from "../filter_module.ts";
import { neighbourhood, withGreyChroma } from "../reference_kernels.ts";

/** Reference of the `sobel` kernel: min(255, floor(sqrt(gx² + gy²))), ffmpeg's borders. */
export function sobel(plane: Uint8Array, w: number, h: number): Uint8Array {
  return neighbourhood(plane, w, h, (at) => {
    const gx = at(1, -1) - at(-1, -1) + 2 * (at(1, 0) - at(-1, 0)) + at(1, 1) - at(-1, 1);
    const gy = at(-1, 1) - at(-1, -1) + 2 * (at(0, 1) - at(0, -1)) + at(1, 1) - at(1, -1);
    return Math.min(255, Math.floor(Math.sqrt(gx * gx + gy * gy)));
  });
}

/** Edges: Sobel magnitude of the luma into the other buffer, chroma there set to 128. */
export const edges = defineFilter({
  name: "edges",
  description: "Sobel edge magnitude as a grey image.",
  params: [],
  ffmpeg: "sobel=planes=1,lutyuv=y=val:u=128:v=128",
  planes: "Y: min(255, trunc(sqrt(gx² + gy²))); U and V set to 128. Borders as ffmpeg's " +
    "convolution filters (-1 reflects to 1, n to n-1).",
  kernels: ["sobel", "fill"],
  inPlace: false,
  wasm({ k, src, dst, frame }) {
    k.sobel(src, dst, frame.width, frame.height);
    k.fill(dst + frame.uOffset, 128, 2 * frame.uvSize);
  },
  reference: (frame) => withGreyChroma(frame, sobel(frame.y, frame.width, frame.height)),
  examples: ["edges"],
  ffmpegExact: [["edges", "sobel=planes=1,lutyuv=y=val:u=128:v=128"]],
});
