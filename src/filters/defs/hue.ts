/** `hue`: rotates the colours around the grey axis and scales their saturation, as ffmpeg hue. */
import { defineFilter } from "../filter_module.ts";
import { clamp8, map } from "../reference_kernels.ts";
import type { FilterKernels } from "../wasm.ts";
import { chromaScaleSample, roundHalfEven } from "./saturation.ts";

/** The kernels hue calls beyond the shared ones. */
export interface HueKernels extends FilterKernels {
  hueRotate(u: number, v: number, n: number, c: number, s: number): void;
}

/** What hue computes once per chain: its 16.16 rotation and, for a brightness, a luma table. */
export interface HuePlan {
  /** lrint(cos(hue)·2^16·saturation). */
  c: number;
  /** lrint(sin(hue)·2^16·saturation). */
  s: number;
  /** Luma table for a brightness other than 0, else undefined (luma unchanged). */
  luma?: Uint8Array;
}

/**
 * ffmpeg hue's constants (libavfilter/vf_hue.c, float fields): hue = float(float(h)·π/180),
 * c = lrint(cos(hue)·2^16·float(s)), s = lrint(sin(hue)·2^16·float(s)); for a brightness b,
 * luma' = clamp(trunc(x + float(b)·25.5)).
 */
export function huePlan(h: number, s: number, b: number): HuePlan {
  const hue = Math.fround((Math.fround(h) * Math.PI) / 180);
  const sat = Math.fround(s);
  const plan: HuePlan = {
    c: roundHalfEven(Math.cos(hue) * 65536 * sat),
    s: roundHalfEven(Math.sin(hue) * 65536 * sat),
  };
  const bright = Math.fround(b);
  if (bright !== 0) {
    plan.luma = new Uint8Array(256);
    for (let x = 0; x < 256; x++) plan.luma[x] = clamp8(Math.trunc(x + bright * 25.5));
  }
  return plan;
}

/** Reference of the `hueRotate` kernel on one U, V pair: the new [u, v]. */
export function hueRotateSample(u: number, v: number, c: number, s: number): [number, number] {
  const a = u - 128;
  const b = v - 128;
  return [clamp8((c * a - s * b + 0x808000) >> 16), clamp8((s * a + c * b + 0x808000) >> 16)];
}

/** Hue: U and V rotated and scaled together in place; the luma through a table for `b`. */
export const hue = defineFilter<HuePlan, HueKernels>({
  name: "hue",
  description: "Turns the hue by `h` degrees and scales the saturation by `s`.",
  params: [
    {
      name: "h",
      default: 0,
      min: -3600,
      max: 3600,
      description: "hue angle in degrees",
    },
    {
      name: "s",
      default: 1,
      min: -10,
      max: 10,
      description: "saturation: 0 is grey, 1 unchanged, negative inverts the colours",
    },
    {
      name: "b",
      default: 0,
      min: -10,
      max: 10,
      positional: false,
      description: "brightness added to the luma in tenths of its range (b=1 adds 25.5; named " +
        "only: ffmpeg's third positional value is the angle in radians, H, not supported)",
    },
  ],
  ffmpeg: "hue=h=H:s=S:b=B",
  planes: "U and V rotated around 128 by the angle and scaled by s, with ffmpeg hue's 16.16 " +
    "fixed-point arithmetic; Y unchanged unless b ≠ 0 (then x + 25.5·b, truncated).",
  kernels: ["hueRotate", "chromaScale", "lut"],
  inPlace: true,
  plan: (p) => huePlan(p.h, p.s, p.b),
  wasm({ k, memory, src, frame, table }, plan) {
    if (plan.s !== 0) {
      k.hueRotate(src + frame.uOffset, src + frame.vOffset, frame.uvSize, plan.c, plan.s);
    } else if (plan.c !== 65536) {
      k.chromaScale(src + frame.uOffset, 2 * frame.uvSize, plan.c);
    }
    if (plan.luma) {
      memory.set(plan.luma, table);
      k.lut(src, frame.ySize, table);
    }
  },
  reference(frame, plan) {
    const n = frame.u.length;
    const u = new Uint8Array(n);
    const v = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      [u[i], v[i]] = plan.s !== 0
        ? hueRotateSample(frame.u[i], frame.v[i], plan.c, plan.s)
        : [chromaScaleSample(frame.u[i], plan.c), chromaScaleSample(frame.v[i], plan.c)];
    }
    const luma = plan.luma;
    return { y: luma ? map(frame.y, (x) => luma[x]) : frame.y.slice(), u, v };
  },
  examples: ["hue", "hue=90", "hue=h=-30:s=2", "hue=180:0.5", "hue=s=0", "hue=h=45:b=-2.5"],
  ffmpegExact: [
    ["hue=h=90", "hue=h=90"],
    ["hue=h=-135:s=1.7", "hue=h=-135:s=1.7"],
    ["hue=h=33:s=-0.6:b=1.3", "hue=h=33:s=-0.6:b=1.3"],
    ["hue=s=3", "hue=s=3"],
  ],
});
