/**
 * `rotate`: turns the picture by a multiple of 90° (angle a multiple of π/2, clockwise for a
 * positive angle, as ffmpeg rotate). A quarter turn swaps the frame's width and height (ffmpeg
 * keeps the input's size unless told `ow=ih:oh=iw`).
 */
import { defineFilter } from "../filter_module.ts";
import type { FilterParams } from "../params.ts";
import { eachPlane } from "../reference_kernels.ts";
import { type TurnKernels, turnPlane, turnWasm } from "./turn.ts";

/** The kernels rotate calls beyond the shared ones. */
export type RotateKernels = TurnKernels;

/** Quarter turns in `angle` radians when it is a whole number of them (within 1e-9), else NaN. */
export function quarterTurns(angle: number): number {
  const k = Math.round(angle / (Math.PI / 2));
  return Math.abs(angle / (Math.PI / 2) - k) < 1e-9 ? k : NaN;
}

/** Clockwise quarter turns of `angle`, 0 to 3. */
function turns(angle: number): number {
  return ((quarterTurns(angle) % 4) + 4) % 4;
}

function angleProblem(p: FilterParams): string | undefined {
  if (!Number.isNaN(quarterTurns(p.angle))) return undefined;
  return `angle must be a multiple of PI/2 (a quarter turn: PI/2, PI, 3*PI/2, -PI/2), got ` +
    `${p.angle}`;
}

/** Reference of the `reverse` kernel: a packed plane turned by 180°, i.e. its bytes reversed. */
export function reversePlane(plane: Uint8Array): Uint8Array {
  const n = plane.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = plane[n - 1 - i];
  return out;
}

/** transpose's direction for 1 (clockwise) and 3 (counter-clockwise) quarter turns. */
const DIR = [0, 1, 0, 2];

/** Rotate: a copy, a half turn (bytes reversed) or a quarter turn (transpose and a flip). */
export const rotate = defineFilter<number, RotateKernels>({
  name: "rotate",
  description: "Turns the picture by a multiple of 90°, clockwise for a positive angle; a " +
    "quarter turn swaps width and height.",
  params: [
    {
      name: "angle",
      default: 0,
      min: -1000,
      max: 1000,
      aliases: ["a"],
      description: "angle in radians, a multiple of PI/2 (`rotate=PI/2`, `rotate=PI`); `a` is " +
        "the same",
      check: angleProblem,
    },
  ],
  ffmpeg: "rotate=A:ow=rotw(A):oh=roth(A)",
  planes: "Every plane turned the same way: a half turn is hflip and vflip together, a quarter " +
    "turn transpose=clock (PI/2) or transpose=cclock (-PI/2).",
  differences: "Identical to ffmpeg's rotate=A:ow=rotw(A):oh=roth(A) for multiples of PI/2; " +
    "ffmpeg's plain rotate=PI/2 keeps the input's size (cutting the picture and filling " +
    "corners with black) where vframe swaps width and height. Other angles are refused.",
  kernels: ["reverse", "transpose", "hflip", "vflip", "copy"],
  inPlace: false,
  plan: (p) => turns(p.angle),
  outputSize: (t, w, h) => (t % 2 === 1 ? { width: h, height: w } : { width: w, height: h }),
  wasm(step, t) {
    if (t % 2 === 1) return turnWasm(step, DIR[t]);
    const { k, src, dst, frame, planes } = step;
    k.copy(dst, src, frame.total);
    if (t === 2) { for (const pl of planes) k.reverse(dst + pl.offset, pl.width * pl.height); }
  },
  reference(frame, t) {
    if (t % 2 === 1) {
      return {
        y: turnPlane(frame.y, frame.width, frame.height, DIR[t]),
        u: turnPlane(frame.u, frame.chromaWidth, frame.chromaHeight, DIR[t]),
        v: turnPlane(frame.v, frame.chromaWidth, frame.chromaHeight, DIR[t]),
      };
    }
    return eachPlane(frame, (plane) => (t === 2 ? reversePlane(plane) : plane.slice()));
  },
  examples: [
    "rotate=PI",
    "rotate",
    "rotate=a=-PI",
    "rotate=2*PI",
    "rotate=angle=3*PI",
    "rotate=PI/2",
    "rotate=-PI/2",
    "rotate=3*PI/2",
  ],
  ffmpegExact: [["rotate=PI", "rotate=PI"], ["rotate=a=-PI", "rotate=a=-PI"]],
});
