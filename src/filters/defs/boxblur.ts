/** `boxblur`: box (mean) blur of all three planes, repeated. */
import { defineFilter } from "../filter_module.ts";
import { boxPasses, type Pass } from "../passes.ts";
import { eachPlane, separable } from "../reference_kernels.ts";

/** Box blur: `passes` box passes of `radius` per direction, horizontal first. */
export const boxblur = defineFilter<readonly Pass[]>({
  name: "boxblur",
  description: "Box (mean) blur repeated `passes` times, horizontally then vertically.",
  params: [
    {
      name: "radius",
      default: 2,
      min: 0,
      max: 128,
      integer: true,
      description: "half width of the box: the window is 2·radius+1 samples",
    },
    {
      name: "passes",
      default: 2,
      min: 0,
      max: 10,
      integer: true,
      description: "times the box is applied in each direction (0 or radius 0: no blur)",
    },
  ],
  ffmpeg: "boxblur=luma_radius=R:luma_power=P",
  planes: "All three planes with the same radius in each plane's own pixels (ffmpeg's default " +
    "chroma_radius = luma_radius). Borders mirror with the edge sample repeated.",
  differences: "Identical to ffmpeg boxblur for radius ≤ 5 and 35 larger radii (those whose " +
    "rounding of the mean one 16-bit multiply reproduces); for the others each pass's mean is " +
    "within 1 of ffmpeg's. ffmpeg refuses a radius above min(w, h)/2 of any plane; vframe keeps " +
    "mirroring. Radius is capped at 128.",
  kernels: ["transpose", "boxV", "tap3V", "copy"],
  inPlace: false,
  plan: (p) => boxPasses(p.radius, p.passes),
  wasm(step, passes) {
    for (const pl of step.planes) {
      step.separable(step.src + pl.offset, step.dst + pl.offset, pl, passes);
    }
  },
  reference: (frame, passes) => eachPlane(frame, (pl, w, h) => separable(pl, w, h, passes)),
  examples: [
    "boxblur",
    "boxblur=1:1",
    "boxblur=7:3",
    "boxblur=64:1",
    "boxblur=128:2",
    "boxblur=0:2",
    "boxblur=3:0",
  ],
  ffmpegExact: [
    ["boxblur=radius=2:passes=2", "boxblur=luma_radius=2:luma_power=2"],
    ["boxblur=radius=5:passes=3", "boxblur=luma_radius=5:luma_power=3"],
    ["boxblur=radius=20:passes=1", "boxblur=luma_radius=20:luma_power=1"],
  ],
});
