/** `sharpen`: unsharp mask of the luma. */
import { defineFilter } from "../filter_module.ts";
import { gaussianPasses, type Pass } from "../passes.ts";
import { clamp8, q15, separable, withLuma } from "../reference_kernels.ts";

/** sharpen's amount in the kernel's 1/512 steps. */
export function unsharpAmount(amount: number): number {
  return Math.round(amount * 512);
}

/** Reference of the `unsharp` kernel: one sample and its blurred value combined. */
export function unsharpSample(x: number, blurred: number, amount512: number): number {
  return clamp8(x + q15((x - blurred) * 64, amount512));
}

/** What sharpen computes once per chain: the blur's passes and the amount in 1/512 steps. */
export interface SharpenPlan {
  passes: readonly Pass[];
  amount512: number;
}

/** Sharpen: the luma blurred into the other buffer, then x + amount·(x - blurred) in place. */
export const sharpen = defineFilter<SharpenPlan>({
  name: "sharpen",
  description: "Unsharp mask: x + amount·(x - gaussian(x)).",
  params: [
    {
      name: "amount",
      default: 1,
      min: -2,
      max: 5,
      description: "strength; negative values blur",
    },
    {
      name: "sigma",
      default: 1,
      min: 0,
      max: 100,
      minExclusive: true,
      description: "sigma of the blur that is subtracted (see blur)",
    },
  ],
  ffmpeg: "unsharp=luma_amount=A",
  planes: "Y only (U and V unchanged), like unsharp's default chroma_amount=0.",
  differences:
    "The blurred copy is vframe's Gaussian (see blur) where unsharp uses a box-like matrix " +
    "(luma_msize_x/y, default 5); amount is applied in steps of 1/512.",
  kernels: ["transpose", "boxV", "tap3V", "copy", "unsharp"],
  inPlace: true,
  plan: (p) => ({ passes: gaussianPasses(p.sigma), amount512: unsharpAmount(p.amount) }),
  wasm(step, plan) {
    step.separable(step.src, step.dst, step.planes[0], plan.passes);
    step.k.unsharp(step.src, step.dst, step.frame.ySize, plan.amount512);
  },
  reference(frame, plan) {
    const blurred = separable(frame.y, frame.width, frame.height, plan.passes);
    const y = new Uint8Array(frame.y.length);
    for (let i = 0; i < y.length; i++) y[i] = unsharpSample(frame.y[i], blurred[i], plan.amount512);
    return withLuma(frame, y);
  },
  examples: ["sharpen", "sharpen=5:3", "sharpen=-2:0.5"],
});
