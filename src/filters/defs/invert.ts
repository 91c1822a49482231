/** `invert`: photographic negative. */
import { defineFilter } from "../filter_module.ts";
import { eachPlane, map } from "../reference_kernels.ts";

/** Invert: 255 - x on every sample of every plane. */
export const invert = defineFilter({
  name: "invert",
  description: "Photographic negative.",
  params: [],
  ffmpeg: "negate",
  planes: "Every plane: 255 - x.",
  kernels: ["invert"],
  inPlace: true,
  wasm({ k, src, frame }) {
    k.invert(src, frame.total);
  },
  reference: (frame) => eachPlane(frame, (pl) => map(pl, (x) => 255 - x)),
  examples: ["invert"],
  ffmpegExact: [["invert", "negate"]],
});
