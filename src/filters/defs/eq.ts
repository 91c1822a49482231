/** `eq`: brightness, contrast and gamma of the luma, with ffmpeg eq's arithmetic. */
import { defineFilter } from "../filter_module.ts";
import { clamp8, map, withLuma } from "../reference_kernels.ts";

/** How eq changes the luma: not at all, ffmpeg's linear fixed-point formula, or a table. */
export type EqPlan =
  | { kind: "identity" }
  | { kind: "linear"; contrast: number; brightness: number }
  | { kind: "table"; table: Uint8Array };

/**
 * ffmpeg eq's choice and arithmetic (libavfilter/vf_eq.c): defaults leave the frame alone;
 * gamma 1 with |contrast| < 7.9 uses x' = clamp(((x·C) >> 12) + B) with C = trunc(contrast·4096)
 * and B = trunc(trunc(100·brightness + 100)·511 / 200) - 128 - trunc(C / 32); anything else a
 * 256-entry table: v = contrast·(x/255 - 0.5) + 0.5 + brightness; 0 if v ≤ 0, else
 * v = v^(1/gamma), 255 if v ≥ 1, else trunc(256·v).
 */
export function eqPlan(brightness: number, contrast: number, gamma: number): EqPlan {
  if (contrast === 1 && brightness === 0 && gamma === 1) return { kind: "identity" };
  if (gamma === 1 && Math.abs(contrast) < 7.9) {
    const c = Math.trunc(contrast * 256 * 16);
    const b = Math.trunc((Math.trunc(100 * brightness + 100) * 511) / 200) - 128 -
      Math.trunc(c / 32);
    return { kind: "linear", contrast: c, brightness: b };
  }
  const table = new Uint8Array(256);
  const g = 1 / gamma;
  for (let i = 0; i < 256; i++) {
    let v = contrast * (i / 255 - 0.5) + 0.5 + brightness;
    if (v <= 0) {
      table[i] = 0;
    } else {
      v = Math.pow(v, g);
      table[i] = v >= 1 ? 255 : Math.trunc(256 * v);
    }
  }
  return { kind: "table", table };
}

/** Reference of the `eqLinear` kernel on one sample: ffmpeg eq's linear path. */
export function eqLinearSample(x: number, contrast: number, brightness: number): number {
  return clamp8(((x * contrast) >> 12) + brightness);
}

/** eq: the luma through ffmpeg eq's linear formula or its table; chroma unchanged. */
export const eq = defineFilter<EqPlan>({
  name: "eq",
  description: "Brightness, contrast and gamma of the luma.",
  params: [
    {
      name: "brightness",
      default: 0,
      min: -1,
      max: 1,
      description: "added to the normalised luma",
    },
    {
      name: "contrast",
      default: 1,
      min: -1000,
      max: 1000,
      description: "scales the normalised luma around 0.5",
    },
    { name: "gamma", default: 1, min: 0.1, max: 10, description: "luma gamma" },
  ],
  ffmpeg: "eq=brightness=B:contrast=C:gamma=G",
  planes: "Y only (U and V unchanged), point-wise, with ffmpeg eq's own integer arithmetic: its " +
    "linear fixed-point path when gamma = 1 and |contrast| < 7.9, its table otherwise; the " +
    "defaults leave the frame untouched.",
  kernels: ["eqLinear", "lut"],
  inPlace: true,
  plan: (p) => eqPlan(p.brightness, p.contrast, p.gamma),
  wasm({ k, memory, src, frame, table }, plan) {
    if (plan.kind === "linear") k.eqLinear(src, frame.ySize, plan.contrast, plan.brightness);
    if (plan.kind === "table") {
      memory.set(plan.table, table);
      k.lut(src, frame.ySize, table);
    }
  },
  reference(frame, plan) {
    if (plan.kind === "linear") {
      return withLuma(
        frame,
        map(frame.y, (x) => eqLinearSample(x, plan.contrast, plan.brightness)),
      );
    }
    if (plan.kind === "table") return withLuma(frame, map(frame.y, (x) => plan.table[x]));
    return withLuma(frame, frame.y.slice());
  },
  examples: ["eq=0.1:1.2", "eq=-1:-3", "eq=gamma=1.5", "eq=0.2:10", "eq=0.3:-1000:0.1", "eq"],
  ffmpegExact: [
    ["eq=brightness=0.1:contrast=1.2", "eq=brightness=0.1:contrast=1.2"],
    ["eq=brightness=-0.3:contrast=0.5:gamma=0.7", "eq=brightness=-0.3:contrast=0.5:gamma=0.7"],
    ["eq=contrast=10", "eq=contrast=10"],
    ["eq=gamma=2.2", "eq=gamma=2.2"],
  ],
});
