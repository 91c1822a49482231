/** `blur`: Gaussian blur of all three planes. */
import { defineFilter } from "../filter_module.ts";
import { gaussianPasses, type Pass } from "../passes.ts";
import { eachPlane, separable } from "../reference_kernels.ts";

/** Gaussian blur: three box passes per direction (one 3-tap pass when sigma² < 2/3). */
export const blur = defineFilter<readonly Pass[]>({
  name: "blur",
  description: "Gaussian blur. Cost does not depend on sigma.",
  params: [
    {
      name: "sigma",
      default: 2,
      min: 0,
      max: 100,
      minExclusive: true,
      description: "standard deviation in pixels of each plane",
    },
  ],
  ffmpeg: "gblur=sigma=S",
  planes: "All three planes, with the same sigma in each plane's own pixels (as gblur does), so " +
    "chroma is blurred twice as far in picture terms. Borders mirror with the edge sample repeated.",
  differences:
    "sigma² < 2/3: one [a, 1-2a, a] pass per direction (a = sigma²/2); otherwise three box " +
    "passes per direction whose odd widths best match sigma² (Kutskir's rule), so the effective " +
    "sigma is quantised for small values (sigma 1 blurs like 0.82). gblur uses a recursive " +
    "(IIR) filter; results differ by a few levels.",
  kernels: ["transpose", "boxV", "tap3V", "copy"],
  inPlace: false,
  plan: (p) => gaussianPasses(p.sigma),
  wasm(step, passes) {
    for (const pl of step.planes) {
      step.separable(step.src + pl.offset, step.dst + pl.offset, pl, passes);
    }
  },
  reference: (frame, passes) => eachPlane(frame, (pl, w, h) => separable(pl, w, h, passes)),
  examples: ["blur=0.3", "blur=0.8", "blur=1", "blur=2.5", "blur=12", "blur=100"],
});
