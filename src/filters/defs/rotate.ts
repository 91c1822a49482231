/** `rotate`: turns the picture by 180° (angle π), keeping its size, as ffmpeg rotate=PI. */
import { defineFilter } from "../filter_module.ts";
import type { FilterParams } from "../params.ts";
import { eachPlane } from "../reference_kernels.ts";
import type { FilterKernels } from "../wasm.ts";

/** The kernels rotate calls beyond the shared ones. */
export interface RotateKernels extends FilterKernels {
  reverse(p: number, n: number): void;
}

/** Half turns in `angle` radians when it is a whole number of them (within 1e-9), else NaN. */
export function halfTurns(angle: number): number {
  const k = Math.round(angle / Math.PI);
  return Math.abs(angle / Math.PI - k) < 1e-9 ? k : NaN;
}

function angleProblem(p: FilterParams): string | undefined {
  if (!Number.isNaN(halfTurns(p.angle))) return undefined;
  return `angle must be a multiple of PI (a half turn; 90° turns change the frame size and are ` +
    `not supported yet), got ${p.angle}`;
}

/** Reference of the `reverse` kernel: a packed plane turned by 180°, i.e. its bytes reversed. */
export function reversePlane(plane: Uint8Array): Uint8Array {
  const n = plane.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = plane[n - 1 - i];
  return out;
}

/** Rotate: every plane's bytes reversed in place for an odd number of half turns. */
export const rotate = defineFilter<boolean, RotateKernels>({
  name: "rotate",
  description: "Turns the picture by a multiple of 180°; the frame keeps its size.",
  params: [
    {
      name: "angle",
      default: 0,
      min: -1000,
      max: 1000,
      aliases: ["a"],
      description: "angle in radians, a multiple of PI (`rotate=PI`); `a` is the same",
      check: angleProblem,
    },
  ],
  ffmpeg: "rotate=PI",
  planes: "Every plane turned by 180° (hflip and vflip together); an even number of half " +
    "turns leaves the frame as it is.",
  kernels: ["reverse"],
  inPlace: true,
  plan: (p) => halfTurns(p.angle) % 2 !== 0,
  wasm({ k, src, planes }, turn) {
    if (!turn) return;
    for (const pl of planes) k.reverse(src + pl.offset, pl.width * pl.height);
  },
  reference: (frame, turn) =>
    eachPlane(frame, (plane) => (turn ? reversePlane(plane) : plane.slice())),
  examples: ["rotate=PI", "rotate", "rotate=a=-PI", "rotate=2*PI", "rotate=angle=3*PI"],
  ffmpegExact: [["rotate=PI", "rotate=PI"], ["rotate=a=-PI", "rotate=a=-PI"]],
});
