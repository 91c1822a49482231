/** `unsharp`: ffmpeg's unsharp mask (sharpen or blur), luma and chroma with their own matrix. */
import { defineFilter } from "../filter_module.ts";
import type { FilterParams, ParamDef } from "../params.ts";
import type { FilterKernels } from "../wasm.ts";

/** The kernels unsharp calls beyond the shared ones. */
export interface UnsharpKernels extends FilterKernels {
  unsharpPlane(
    src: number,
    dst: number,
    w: number,
    h: number,
    sx: number,
    sy: number,
    amount: number,
    row: number,
  ): void;
}

/** One plane's unsharp constants: half matrix sizes (steps) and the amount in 16.16. */
export interface UnsharpStep {
  sx: number;
  sy: number;
  amount: number;
}

/** What unsharp computes once per chain: the luma's and the chroma's constants. */
export interface UnsharpPlan {
  luma: UnsharpStep;
  chroma: UnsharpStep;
}

/** ffmpeg's constants for a msize_x × msize_y matrix and an amount (a float option). */
export function unsharpStep(msizeX: number, msizeY: number, amount: number): UnsharpStep {
  return { sx: msizeX >> 1, sy: msizeY >> 1, amount: Math.trunc(Math.fround(amount) * 65536) };
}

/** The binomial coefficients C(n, 0..n). */
function binomial(n: number): number[] {
  const c = [1];
  for (let j = 0; j < n; j++) c.push((c[j] * (n - j)) / (j + 1));
  return c;
}

/**
 * Reference of the `unsharpPlane` kernel: for each sample, the binomial blur of its
 * (2·sx + 1) × (2·sy + 1) neighbourhood (edge samples repeated) summed, then
 * x + (((x - ((sum + 2^(bits-1)) >> bits)) · amount) >> 16), bits = 2·(sx + sy), clamped.
 */
export function unsharpPlaneRef(
  plane: Uint8Array,
  w: number,
  h: number,
  { sx, sy, amount }: UnsharpStep,
): Uint8Array {
  if (amount === 0) return plane.slice();
  const cx = binomial(2 * sx);
  const cy = binomial(2 * sy);
  const scale = 2 ** (2 * (sx + sy));
  const out = new Uint8Array(w * h);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let j = 0; j <= 2 * sy; j++) {
        const r = clamp(y - sy + j, h) * w;
        for (let i = 0; i <= 2 * sx; i++) sum += cy[j] * cx[i] * plane[r + clamp(x - sx + i, w)];
      }
      const blur = Math.floor((sum + scale / 2) / scale);
      const v = plane[y * w + x];
      out[y * w + x] = Math.min(255, Math.max(0, v + (((v - blur) * amount) >> 16)));
    }
  }
  return out;
}

/** ffmpeg's limit: the two half sizes of a matrix together at most 12 (sums fit 32 bits). */
function matrixProblem(which: string, x: string, y: string) {
  return (p: FilterParams): string | undefined => {
    const steps = (p[x] >> 1) + (p[y] >> 1);
    return steps > 12
      ? `the ${which} matrix ${p[x]}x${p[y]} is too big: ${x}/2 + ${y}/2 (rounded down) must ` +
        `be at most 12 (ffmpeg's limit), got ${steps}`
      : undefined;
  };
}

function size(name: string, long: string, what: string, extra: Partial<ParamDef> = {}): ParamDef {
  return {
    name,
    default: 5,
    min: 3,
    max: 23,
    odd: true,
    aliases: [long],
    description: `${what} matrix size, odd (ffmpeg's ${long})`,
    ...extra,
  };
}

/** Unsharp: each plane into the other buffer, luma and chroma with their own constants. */
export const unsharp = defineFilter<UnsharpPlan, UnsharpKernels>({
  name: "unsharp",
  description: "Sharpens (positive amount) or blurs (negative) with ffmpeg's unsharp mask.",
  params: [
    size("lx", "luma_msize_x", "luma horizontal"),
    size("ly", "luma_msize_y", "luma vertical", { check: matrixProblem("luma", "lx", "ly") }),
    {
      name: "la",
      default: 1,
      min: -2,
      max: 5,
      aliases: ["luma_amount"],
      description: "luma amount: x + amount·(x - blurred); 0 leaves the luma (luma_amount)",
    },
    size("cx", "chroma_msize_x", "chroma horizontal"),
    size("cy", "chroma_msize_y", "chroma vertical", {
      check: matrixProblem("chroma", "cx", "cy"),
    }),
    {
      name: "ca",
      default: 0,
      min: -2,
      max: 5,
      aliases: ["chroma_amount"],
      description: "chroma amount, as la (chroma_amount)",
    },
  ],
  ffmpeg: "unsharp=lx:ly:la:cx:cy:ca",
  planes:
    "Y with the luma matrix and amount, U and V with the chroma ones, each plane in its own " +
    "pixels: ffmpeg's binomial blur of the matrix (edge samples repeated) and its 16.16 " +
    "fixed-point amount; an amount of 0 leaves the plane unchanged.",
  kernels: ["unsharpPlane"],
  inPlace: false,
  plan: (p) => ({
    luma: unsharpStep(p.lx, p.ly, p.la),
    chroma: unsharpStep(p.cx, p.cy, p.ca),
  }),
  wasm({ k, src, dst, planes, sums }, plan) {
    planes.forEach((pl, i) => {
      const s = i === 0 ? plan.luma : plan.chroma;
      k.unsharpPlane(
        src + pl.offset,
        dst + pl.offset,
        pl.width,
        pl.height,
        s.sx,
        s.sy,
        s.amount,
        sums,
      );
    });
  },
  reference: (frame, plan) => ({
    y: unsharpPlaneRef(frame.y, frame.width, frame.height, plan.luma),
    u: unsharpPlaneRef(frame.u, frame.chromaWidth, frame.chromaHeight, plan.chroma),
    v: unsharpPlaneRef(frame.v, frame.chromaWidth, frame.chromaHeight, plan.chroma),
  }),
  examples: [
    "unsharp",
    "unsharp=3:3:-2",
    "unsharp=7:5:2.5:3:9:1",
    "unsharp=lx=23:ly=3:la=-1.5",
    "unsharp=13:11:5:13:11:-2",
    "unsharp=5:5:0:5:5:0",
  ],
  ffmpegExact: [
    ["unsharp", "unsharp"],
    ["unsharp=7:5:2.5:3:9:1", "unsharp=7:5:2.5:3:9:1"],
    ["unsharp=luma_msize_x=13:luma_msize_y=11:luma_amount=-2", "unsharp=13:11:-2"],
    ["unsharp=23:3:1.5:5:5:-0.7", "unsharp=23:3:1.5:5:5:-0.7"],
  ],
});
