/** `threshold`: black and white from the luma. */
import { defineFilter } from "../filter_module.ts";
import { map, withGreyChroma } from "../reference_kernels.ts";

/** Threshold: luma to 0 or 255 in place, chroma set to 128. */
export const threshold = defineFilter({
  name: "threshold",
  description: "Black and white: luma at or above `level` becomes white.",
  params: [
    {
      name: "level",
      default: 128,
      min: 0,
      max: 255,
      integer: true,
      description: "luma threshold",
    },
  ],
  ffmpeg: "lutyuv=y='if(gte(val,L),255,0)':u=128:v=128",
  planes: "Y: 255 when x ≥ level else 0; U and V set to 128.",
  kernels: ["threshold", "fill"],
  inPlace: true,
  wasm({ k, src, frame }, p) {
    k.threshold(src, frame.ySize, p.level);
    k.fill(src + frame.uOffset, 128, 2 * frame.uvSize);
  },
  reference: (frame, p) => withGreyChroma(frame, map(frame.y, (x) => (x >= p.level ? 255 : 0))),
  examples: ["threshold", "threshold=0", "threshold=255"],
  ffmpegExact: [["threshold=level=100", "lutyuv=y='if(gte(val,100),255,0)':u=128:v=128"]],
});
