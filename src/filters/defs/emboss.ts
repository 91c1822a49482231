/** `emboss`: a 3×3 emboss convolution of every plane. */
import { defineFilter } from "../filter_module.ts";
import { clamp8, eachPlane, neighbourhood } from "../reference_kernels.ts";

/** Reference of the `emboss` kernel: clamp(-2·ul - uc - ml + mc + mr + dc + 2·dr). */
export function embossPlane(plane: Uint8Array, w: number, h: number): Uint8Array {
  return neighbourhood(plane, w, h, (at) =>
    clamp8(
      -2 * at(-1, -1) - at(0, -1) - at(-1, 0) + at(0, 0) + at(1, 0) + at(0, 1) + 2 * at(1, 1),
    ));
}

const KERNEL = "-2 -1 0 -1 1 1 0 1 2";

/** Emboss: each plane convolved into the other buffer. */
export const emboss = defineFilter({
  name: "emboss",
  description: "Emboss: 3×3 convolution '-2 -1 0 / -1 1 1 / 0 1 2'.",
  params: [],
  ffmpeg: `convolution='${KERNEL}:${KERNEL}:${KERNEL}'`,
  planes: "All three planes (the kernel sums to 1, so flat chroma keeps its value). Borders as " +
    "ffmpeg's convolution filters (-1 reflects to 1, n to n-1).",
  kernels: ["emboss"],
  inPlace: false,
  wasm({ k, src, dst, planes }) {
    for (const pl of planes) k.emboss(src + pl.offset, dst + pl.offset, pl.width, pl.height);
  },
  reference: (frame) => eachPlane(frame, embossPlane),
  examples: ["emboss"],
  ffmpegExact: [["emboss", `convolution='${KERNEL}:${KERNEL}:${KERNEL}'`]],
});
