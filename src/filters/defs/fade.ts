/**
 * `fade`: fades the picture in from black (or a colour) or out to it, as ffmpeg fade: over `d`
 * seconds from `st` on the input's timeline, or over `nb_frames` frames from `start_frame`. Each
 * frame's time and index reach the filter through the engine (WasmStep.time, .index).
 */
import { defineFilter } from "../filter_module.ts";
import type { FilterParams } from "../params.ts";
import { colorBytes, formatColor, INVERT_COLOR, parseColor } from "./drawbox_color.ts";
import { rgbToYuvCcir } from "./drawbox.ts";
import type { FilterKernels } from "../wasm.ts";

/** The kernels fade calls beyond the shared ones. */
export interface FadeKernels extends FilterKernels {
  fade(p: number, n: number, base: number, factor: number, add: number): void;
}

/** ffmpeg's fade factor that keeps the picture as it is (16-bit fixed point, 1.0). */
export const FADE_OPAQUE = 65535;

/** ffmpeg's luma and chroma constants for a fade to black (vf_fade.c). */
const BLACK: readonly (readonly [number, number])[] = [
  [16, (16 << 16) + 32768],
  [128, 8421367],
  [128, 8421367],
];

/** What fade computes once per chain: its parameters and the base and offset of each plane. */
export interface FadePlan {
  params: FilterParams;
  /** Y, U, V: [base, add] of the kernel (x' = ((x - base)·factor + add) >> 16). */
  planes: readonly (readonly [number, number])[];
}

/** fade's plan: ffmpeg's constants for black, else the colour's BT.601 limited-range Y, U, V. */
export function fadePlan(params: FilterParams): FadePlan {
  const [r, g, b] = colorBytes(params.color);
  if (r === 0 && g === 0 && b === 0) return { params, planes: BLACK };
  const yuv = rgbToYuvCcir(r, g, b);
  return { params, planes: yuv.map((c) => [c, (c << 16) + 32768] as const) };
}

/**
 * ffmpeg fade's factor (0 = the colour, 65535 = the picture) for the frame at `time` seconds,
 * index `index`: in time mode (d > 0) (time - st) · 65535 / d truncated, in frame mode
 * (index - start_frame) · ⌊65536 / nb_frames⌋; 0 before the start, clipped to [0, 65535];
 * reversed for a fade out.
 */
export function fadeFactor(p: FilterParams, time: number, index: number): number {
  let f = 0;
  if (time >= p.starttime && index >= p.startframe) {
    f = p.duration > 0
      // The tiny epsilon: ffmpeg divides integer timestamps; t = n/25 is not exact in binary.
      ? Math.trunc(((time - p.starttime) * 65535) / p.duration + 1e-7)
      : (index - p.startframe) * Math.trunc(65536 / p.nbframes);
  }
  f = Math.max(0, Math.min(FADE_OPAQUE, f));
  return p.type === 1 ? FADE_OPAQUE - f : f;
}

/** Reference of the `fade` kernel on one plane: a new plane. */
export function fadePlaneRef(
  plane: Uint8Array,
  base: number,
  factor: number,
  add: number,
): Uint8Array {
  return plane.map((x) => Math.max(0, Math.min(255, ((x - base) * factor + add) >> 16)));
}

function modeProblem(p: FilterParams): string | undefined {
  if (p.duration > 0 && p.startframe > 0 && p.starttime === 0) {
    return "start_frame with d (seconds) is not supported: give st=SECONDS with d, or " +
      "start_frame with nb_frames";
  }
  if (p.duration === 0 && p.starttime > 0) {
    return "st (seconds) needs d=SECONDS, the fade's duration; or fade by frames with " +
      "start_frame and nb_frames";
  }
  return undefined;
}

/** Fade: every plane moved towards the colour, in place, by the frame's factor. */
export const fade = defineFilter<FadePlan, FadeKernels>({
  name: "fade",
  description: "Fades in from black (or a colour) or out to it, over `d` seconds from `st`, or " +
    "over `nb_frames` frames from `start_frame`, on the input's timeline.",
  params: [
    {
      name: "type",
      default: 0,
      min: 0,
      max: 1,
      integer: true,
      aliases: ["t"],
      words: { in: 0, out: 1 },
      description: "`in` (from the colour to the picture) or `out` (to the colour) (`t`)",
    },
    {
      name: "startframe",
      default: 0,
      min: 0,
      max: 2 ** 31 - 1,
      integer: true,
      aliases: ["start_frame", "s"],
      description: "frame-based fade: the index of its first frame (`start_frame`, `s`)",
    },
    {
      name: "nbframes",
      default: 25,
      min: 1,
      max: 2 ** 31 - 1,
      integer: true,
      aliases: ["nb_frames", "n"],
      description: "frame-based fade: how many frames it lasts (`nb_frames`, `n`)",
    },
    {
      name: "starttime",
      default: 0,
      min: 0,
      max: 1e7,
      positional: false,
      aliases: ["start_time", "st"],
      check: modeProblem,
      description: "time-based fade: when it starts, seconds from the first frame " +
        "(`start_time`, `st`; needs `d`)",
    },
    {
      name: "duration",
      default: 0,
      min: 0,
      max: 1e7,
      positional: false,
      aliases: ["d"],
      description: "time-based fade: how long it lasts in seconds; 0 fades by frames (`d`)",
    },
    {
      name: "color",
      default: 0x000000ff,
      min: 0,
      max: INVERT_COLOR - 1,
      integer: true,
      positional: false,
      aliases: ["c"],
      parse: (text) => {
        const v = parseColor(text);
        return v === INVERT_COLOR ? "color=invert is drawbox's; fade takes a colour" : v;
      },
      format: formatColor,
      description: "the colour faded from or to, as drawbox's (black, white, 0xRRGGBB…; the " +
        "alpha is ignored); default black (`c`)",
    },
  ],
  ffmpeg: "fade=t=in:st=S:d=D",
  planes: "Every plane: x' = ((x − base)·f + add) >> 16 with ffmpeg's 16-bit factor f (time " +
    "mode: (t − st)·65535/d truncated; frame mode: (n − start_frame)·⌊65536/nb_frames⌋), " +
    "ffmpeg's constants for black (luma base 16, chroma 128); frames past the fade are left " +
    "alone. A frame's time is its pts (a variable-rate input's own times), else index / fps.",
  differences: "Identical to ffmpeg for a fade to black on yuv420p. A fade to another colour " +
    "is done in YUV (towards the colour's BT.601 limited-range Y, U, V) where ffmpeg converts " +
    "the frames to RGB and back; ffmpeg's `alpha` option is not supported; `st` needs `d` and " +
    "`start_frame` goes with `nb_frames` (ffmpeg's mixed modes depend on the frames seen " +
    "before, which a frame filtered on its own does not know).",
  kernels: ["fade"],
  inPlace: true,
  plan: fadePlan,
  wasm({ k, src, frame, time, index }, plan) {
    const f = fadeFactor(plan.params, time, index);
    if (f >= FADE_OPAQUE) return;
    const offsets = [0, frame.uOffset, frame.vOffset];
    const sizes = [frame.ySize, frame.uvSize, frame.uvSize];
    for (let i = 0; i < 3; i++) {
      const [base, add] = plan.planes[i];
      k.fade(src + offsets[i], sizes[i], base, f, add);
    }
  },
  reference(frame, plan) {
    const f = fadeFactor(plan.params, frame.time ?? 0, frame.index ?? 0);
    const planes = [frame.y, frame.u, frame.v];
    if (f >= FADE_OPAQUE) return { y: frame.y.slice(), u: frame.u.slice(), v: frame.v.slice() };
    const [y, u, v] = planes.map((pl, i) =>
      fadePlaneRef(pl, plan.planes[i][0], f, plan.planes[i][1])
    );
    return { y, u, v };
  },
  examples: [
    "fade",
    "fade=t=out:nb_frames=3",
    "fade=in:0:1",
    "fade=t=in:st=0:d=1",
    "fade=type=out:start_time=0:duration=0.5:color=white",
    "fade=t=in:st=0:d=4:c=0x3366cc",
  ],
  ffmpegExact: [["fade=in:0:1", "fade=in:0:1"]],
});
