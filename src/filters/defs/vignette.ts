/** `vignette`: darkens the picture towards its corners like a lens, as ffmpeg vignette. */
import { defineFilter } from "../filter_module.ts";
import { type FilterParams, type ParamDef, paramValue } from "../params.ts";
import type { FilterKernels } from "../wasm.ts";

/** The kernels vignette calls beyond the shared ones. */
export interface VignetteKernels extends FilterKernels {
  vignette(
    p: number,
    w: number,
    h: number,
    uOffset: number,
    vOffset: number,
    x0: number,
    y0: number,
    yscale: number,
    angle: number,
    dmax: number,
    backward: number,
    dither: number,
    g: number,
  ): void;
}

/** What vignette computes once per chain. */
export interface VignettePlan {
  params: FilterParams;
  /** The angle as ffmpeg keeps it: float(clip(float(angle), 0, float(π/2))). */
  angle: number;
  /** The vertical scale of distances, float(aspect) (square pixels assumed). */
  yscale: number;
  backward: boolean;
  dither: boolean;
}

/** Where the lens is centred and how far its edge reaches, for one frame size. */
export interface VignetteGeometry {
  x0: number;
  y0: number;
  dmax: number;
}

/** The value x0 and y0 take by default: the centre (ffmpeg's `w/2` and `h/2`). */
export const CENTRE = -1;

/** Keeps a centre where the kernel's 32-bit arithmetic holds (±2^30: far outside any frame). */
function bounded(v: number): number {
  return Number.isNaN(v) ? 0 : Math.max(-(2 ** 30), Math.min(2 ** 30, v));
}

/** The lens geometry for a width × height frame. */
export function vignetteGeometry(p: FilterParams, width: number, height: number): VignetteGeometry {
  const vars = { w: width, h: height };
  const x0 = p.x === CENTRE ? width / 2 : paramValue(p.x, vars);
  const y0 = p.y === CENTRE ? height / 2 : paramValue(p.y, vars);
  // hypot of values whose squares are exact: the correctly rounded sqrt of their sum.
  const dmax = Math.sqrt((width / 2) ** 2 + (height / 2) ** 2);
  return { x0: bounded(x0), y0: bounded(y0), dmax };
}

// fdlibm's __kernel_cos and __kernel_sin coefficients (as asm/vignette.ts).
const C = [
  4.16666666666666019037e-02,
  -1.38888888888741095749e-03,
  2.48015872894767294178e-05,
  -2.75573143513906633035e-07,
  2.08757232129817482790e-09,
  -1.13596475577881948265e-11,
];
const S = [
  -1.66666666666666324348e-01,
  8.33333333332248946124e-03,
  -1.98412698298579493134e-04,
  2.75573137070700676789e-06,
  -2.50507602534068634195e-08,
  1.58969099521155010221e-10,
];
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** The double whose high and low 32-bit words are hi and lo. */
function fromWords(hi: number, lo: number): number {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0];
}
const SMALL = fromWords(0x3fd33333, 0);
const BIG = fromWords(0x3fe90001, 0);

/** fdlibm's __kernel_cos(x, 0), 0 ≤ x ≤ π/4. */
function kcos(x: number): number {
  const z = x * x;
  const r = z * (C[0] + z * (C[1] + z * (C[2] + z * (C[3] + z * (C[4] + z * C[5])))));
  const zr = z * r;
  if (x < SMALL) return 1 - (0.5 * z - zr);
  let qx = 0.28125;
  if (x < BIG) {
    f64[0] = x * 0.25;
    u32[0] = 0;
    qx = f64[0];
  }
  return (1 - qx) - ((0.5 * z - qx) - zr);
}

/** fdlibm's __kernel_sin(x, 0, 0). */
function ksin(x: number): number {
  const z = x * x;
  const v = z * x;
  const r = S[1] + z * (S[2] + z * (S[3] + z * (S[4] + z * S[5])));
  return x + v * (S[0] + z * r);
}

/** cos(t) for 0 ≤ t ≤ π/2 (a little more), as asm/vignette.ts computes it. */
export function vignetteCos(t: number): number {
  return t <= 0.7853981633974483
    ? kcos(t)
    : ksin((1.57079632673412561417e+00 - t) + 6.07710050650619224932e-11);
}

/** ffmpeg's get_natural_factor for |xx| = a, |yy| = b, as a float (1 / it when backward). */
export function vignetteFactor(
  a: number,
  b: number,
  angle: number,
  dmax: number,
  backward: boolean,
): number {
  const d = Math.sqrt(a * a + b * b) / dmax;
  let f = 0;
  if (!(d > 1)) {
    const c = vignetteCos(angle * d);
    f = (c * c) * (c * c);
  }
  return Math.fround(backward ? 1 / f : f);
}

/** C's (int) of a double on x86 clipped to a byte: out of range (or NaN) becomes 0. */
function clipInt(v: number): number {
  const q = v >= 2147483648 || !(v > -2147483649) ? 0 : Math.trunc(v);
  return q < 0 ? 0 : q > 255 ? 255 : q;
}

/** yy of row y (as asm/vignette.ts: kept within ±2^30). */
function rowYy(y: number, y0: number, yscale: number): number {
  const v = (y - y0) * yscale;
  return v >= 2 ** 30 ? 2 ** 30 : v <= -(2 ** 30) ? -(2 ** 30) : Math.trunc(v);
}

/**
 * Reference of the `vignette` kernel: ffmpeg's loops as written, one sample at a time (the
 * factor of every luma position, then Y, U and V in order with the dither running on).
 */
export function vignetteRef(
  planes: { y: Uint8Array; u: Uint8Array; v: Uint8Array },
  width: number,
  height: number,
  plan: VignettePlan,
): void {
  const { x0, y0, dmax } = vignetteGeometry(plan.params, width, height);
  const fmap = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const yy = rowYy(y, y0, plan.yscale);
    for (let x = 0; x < width; x++) {
      const xx = Math.trunc(x - x0);
      fmap[y * width + x] = vignetteFactor(
        Math.abs(xx),
        Math.abs(yy),
        plan.angle,
        dmax,
        plan.backward,
      );
    }
  }
  let state = 0;
  const dv = () => {
    if (!plan.dither) return 0;
    const d = state / 4294967296;
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return d;
  };
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  for (let i = 0; i < width * height; i++) {
    planes.y[i] = clipInt(Math.fround(fmap[i] * planes.y[i]) + dv());
  }
  for (const plane of [planes.u, planes.v]) {
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const f = fmap[2 * y * width + 2 * x];
        const c = Math.fround(Math.fround(f * (plane[y * cw + x] - 127)) + 127);
        plane[y * cw + x] = clipInt(c + dv());
      }
    }
  }
}

function centre(name: "x" | "y", ffmpeg: string, size: string): ParamDef {
  return {
    name,
    default: CENTRE,
    min: -100000,
    max: 100000,
    aliases: [ffmpeg],
    words: { [`${size}/2`]: CENTRE },
    vars: ["w", "h"],
    description: `${name === "x" ? "horizontal" : "vertical"} lens centre in pixels, or an ` +
      `expression of w and h (${size}/3); the default, ${size}/2, is the frame's centre, held as ` +
      `${CENTRE} (\`${ffmpeg}\`, ffmpeg's name, is the same)`,
  };
}

/** Vignette: every sample scaled in place by its lens factor. */
export const vignette = defineFilter<VignettePlan, VignetteKernels>({
  name: "vignette",
  description: "Darkens the picture towards its edges like a lens (or undoes it: mode=backward).",
  params: [
    {
      name: "angle",
      default: Math.PI / 5,
      min: -100,
      max: 100,
      aliases: ["a"],
      description: "lens angle in radians, an expression such as PI/4; clipped to [0, PI/2] as " +
        "ffmpeg does; the default is PI/5 (`a` is the same)",
    },
    centre("x", "x0", "w"),
    centre("y", "y0", "h"),
    {
      name: "mode",
      default: 0,
      min: 0,
      max: 1,
      integer: true,
      words: { forward: 0, backward: 1 },
      description: "forward darkens, backward brightens by the inverse factor",
    },
    {
      name: "eval",
      default: 0,
      min: 0,
      max: 1,
      integer: true,
      words: { init: 0, frame: 1 },
      description: "init: expressions are evaluated once (per frame size); frame is refused",
      check: (p) =>
        p.eval === 1
          ? "eval=frame is not supported: frames carry no time or number here, so the " +
            "expressions would not change from frame to frame; use eval=init"
          : undefined,
    },
    {
      name: "dither",
      default: 1,
      min: 0,
      max: 1,
      integer: true,
      words: { true: 1, false: 0 },
      description: "1 (true) dithers the rounding as ffmpeg does, 0 (false) truncates",
    },
    {
      name: "aspect",
      default: 1,
      min: 0,
      max: 1000,
      minExclusive: true,
      description: "aspect ratio of the lens (vertical distances are scaled by it)",
    },
  ],
  ffmpeg: "vignette=angle=A:x0=X:y0=Y:mode=M:dither=D:aspect=R",
  planes: "Every sample scaled by cos⁴(angle·d/dmax) of its luma position (chroma: of its " +
    "block's top-left luma sample, around 127), d its distance to (x0, y0) in whole pixels " +
    "and dmax half the frame's diagonal; ffmpeg's float arithmetic, dithered rounding and " +
    "clipping.",
  differences: "ffmpeg's dither sequence runs on from frame to frame; here it starts again on " +
    "every frame (frames are filtered independently), so frames after the first differ by at " +
    "most 1 (identical with dither=0, and on the first frame). Pixels are taken as square " +
    "(ffmpeg scales distances by the input's sample aspect ratio). cos is fdlibm's, so a " +
    "factor may differ from glibc's in its last bit.",
  kernels: ["vignette"],
  inPlace: true,
  plan: (p) => ({
    params: p,
    angle: Math.fround(Math.min(Math.fround(Math.PI / 2), Math.max(0, Math.fround(p.angle)))),
    yscale: Math.fround(p.aspect),
    backward: p.mode === 1,
    dither: p.dither === 1,
  }),
  wasm({ k, src, frame, sums }, plan) {
    const { x0, y0, dmax } = vignetteGeometry(plan.params, frame.width, frame.height);
    k.vignette(
      src,
      frame.width,
      frame.height,
      frame.uOffset,
      frame.vOffset,
      x0,
      y0,
      plan.yscale,
      plan.angle,
      dmax,
      plan.backward ? 1 : 0,
      plan.dither ? 1 : 0,
      sums,
    );
  },
  reference(frame, plan) {
    const out = { y: frame.y.slice(), u: frame.u.slice(), v: frame.v.slice() };
    vignetteRef(out, frame.width, frame.height, plan);
    return out;
  },
  examples: [
    "vignette",
    "vignette=PI/4:dither=0",
    "vignette=angle=PI/2:x0=w/4:y0=h*0.8",
    "vignette=a=0.3:mode=backward",
    "vignette=1.2:x0=-5:y0=3:aspect=0.5",
    "vignette=PI/3:w*1.5:h/3:backward:init:1:2",
  ],
  ffmpegExact: [
    ["vignette=PI/4:dither=0", "vignette=PI/4:dither=0"],
    ["vignette", "vignette"],
    [
      "vignette=angle=PI/3:x0=w/3:y0=h*0.7:dither=0",
      "vignette=angle=PI/3:x0=w/3:y0=h*0.7:dither=0",
    ],
    ["vignette=a=0.4:mode=backward:dither=0", "vignette=a=0.4:mode=backward:dither=0"],
    ["vignette=0.9:aspect=16/9", "vignette=0.9:aspect=16/9"],
    ["vignette=x0=-10:y0=h+5:mode=backward", "vignette=x0=-10:y0=h+5:mode=backward"],
  ],
});
