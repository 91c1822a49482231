/** `grayscale`: removes colour. */
import { defineFilter } from "../filter_module.ts";
import { withGreyChroma } from "../reference_kernels.ts";

/** Grayscale: chroma set to 128, luma unchanged. */
export const grayscale = defineFilter({
  name: "grayscale",
  description: "Removes colour.",
  params: [],
  ffmpeg: "hue=s=0",
  planes: "Y unchanged; U and V set to 128.",
  kernels: ["fill"],
  inPlace: true,
  wasm({ k, src, frame }) {
    k.fill(src + frame.uOffset, 128, 2 * frame.uvSize);
  },
  reference: (frame) => withGreyChroma(frame, frame.y.slice()),
  examples: ["grayscale"],
  ffmpegExact: [["grayscale", "hue=s=0"]],
});
