/**
 * `crop`: keeps a rectangle of the frame, as ffmpeg crop: `w:h:x:y`, expressions of the input
 * size, centred by default, sizes and position rounded down to even for 4:2:0 (ffmpeg's
 * behaviour unless `exact=1`).
 */
import { defineFilter, type OutputSize } from "../filter_module.ts";
import { type FilterParams, paramValue } from "../params.ts";
import { copyRectRef, copyRectWasm, lrint } from "./geometry_rect.ts";
import { SIZE_VARS, sizeVars } from "./size_vars.ts";

/** The word for crop's default x and y: centred, ffmpeg's `(in_w-out_w)/2`. */
export const CENTRE = -(2 ** 31);

/** Where the rectangle is on one input size (luma samples), or why it cannot be cut. */
export interface CropGeometry extends OutputSize {
  x: number;
  y: number;
}

const POS_VARS = [...SIZE_VARS, "x", "y"];

/**
 * ffmpeg crop's rectangle for an iw × ih input (config_input, then filter_frame for x and y):
 * w, h, w again (lrint); rounded down to even unless exact; refused when ≤ 0 or larger than
 * the input; x, y, x again (lrint), clamped into the frame, rounded down to even unless exact.
 */
export function cropGeometry(p: FilterParams, iw: number, ih: number): CropGeometry {
  const vars = sizeVars(iw, ih);
  const size = (v: number, input: number) => (v === 0 ? input : paramValue(v, vars));
  vars.ow = vars.out_w = size(p.w, iw);
  vars.oh = vars.out_h = size(p.h, ih);
  vars.ow = vars.out_w = size(p.w, iw);
  let w = lrint(vars.ow);
  let h = lrint(vars.oh);
  const fail = (problem: string): CropGeometry => ({
    width: NaN,
    height: NaN,
    x: 0,
    y: 0,
    problem,
  });
  if (Number.isNaN(w) || Number.isNaN(h)) return fail("its width or height is not a number");
  const even = p.exact === 0;
  if (even) {
    w = w - (w & 1);
    h = h - (h & 1);
  }
  if (w <= 0 || h <= 0 || w > iw || h > ih) {
    return fail(
      `the crop would be ${w}x${h}${even ? " (rounded down to even for 4:2:0)" : ""}: it must ` +
        `be at least 1x1 and at most the input's ${iw}x${ih}`,
    );
  }
  const pos = (v: number, fallback: number) => (v === CENTRE ? fallback : paramValue(v, vars));
  // The default is the expression (in_w-out_w)/2: out_w as evaluated, before any rounding.
  vars.x = pos(p.x, (iw - vars.ow) / 2);
  vars.y = pos(p.y, (ih - vars.oh) / 2);
  vars.x = pos(p.x, (iw - vars.ow) / 2);
  const place = (v: number, room: number) => {
    let n = lrint(v);
    if (Number.isNaN(n) || n < 0) n = 0; // ffmpeg: NaN leaves the centred default; see below
    if (n > room) n = room;
    return even ? n - (n & 1) : n;
  };
  const centreX = Math.trunc((iw - w) / 2);
  const centreY = Math.trunc((ih - h) / 2);
  const x = Number.isNaN(lrint(vars.x))
    ? centreX - (even ? centreX & 1 : 0)
    : place(vars.x, iw - w);
  const y = Number.isNaN(lrint(vars.y))
    ? centreY - (even ? centreY & 1 : 0)
    : place(vars.y, ih - h);
  return { width: w, height: h, x, y };
}

export const crop = defineFilter<FilterParams>({
  name: "crop",
  description: "Keeps a rectangle of the frame (`w:h:x:y`, centred by default), as ffmpeg crop.",
  params: [
    {
      name: "w",
      default: 0,
      min: 0,
      max: 1_000_000,
      aliases: ["out_w"],
      vars: SIZE_VARS,
      description: "width: pixels or an expression (`iw-100`, `ih*4/3`); 0 (default) is the " +
        "input's width",
    },
    {
      name: "h",
      default: 0,
      min: 0,
      max: 1_000_000,
      aliases: ["out_h"],
      vars: SIZE_VARS,
      description: "height, as `w`",
    },
    {
      name: "x",
      default: CENTRE,
      min: CENTRE,
      max: 1_000_000,
      vars: POS_VARS,
      words: { center: CENTRE },
      description: "left edge: pixels or an expression (`iw-ow`); `center` (default) centres it",
    },
    {
      name: "y",
      default: CENTRE,
      min: CENTRE,
      max: 1_000_000,
      vars: POS_VARS,
      words: { center: CENTRE },
      description: "top edge, as `x`",
    },
    {
      name: "exact",
      default: 0,
      min: 0,
      max: 1,
      integer: true,
      positional: false,
      description: "1: no rounding of sizes and position to even (chroma then starts at x/2 " +
        "rounded down)",
    },
  ],
  ffmpeg: "crop=W:H:X:Y",
  planes: "Every plane cut at the same place: chroma at (x/2, y/2), ceil(w/2) × ceil(h/2).",
  kernels: ["copyPlane"],
  inPlace: false,
  outputSize: (p, w, h) => cropGeometry(p, w, h),
  wasm(step, p) {
    const g = cropGeometry(p, step.frame.width, step.frame.height);
    const { planes, outPlanes } = step;
    copyRectWasm(step, planes[0], g.x, g.y, outPlanes[0], 0, 0, g.width, g.height);
    for (const i of [1, 2]) {
      const o = outPlanes[i];
      copyRectWasm(step, planes[i], g.x >> 1, g.y >> 1, o, 0, 0, o.width, o.height);
    }
  },
  reference(frame, p) {
    const g = cropGeometry(p, frame.width, frame.height);
    const cw = Math.ceil(g.width / 2);
    const ch = Math.ceil(g.height / 2);
    const y = new Uint8Array(g.width * g.height);
    const u = new Uint8Array(cw * ch);
    const v = new Uint8Array(cw * ch);
    copyRectRef(frame.y, frame.width, g.x, g.y, y, g.width, 0, 0, g.width, g.height);
    copyRectRef(frame.u, frame.chromaWidth, g.x >> 1, g.y >> 1, u, cw, 0, 0, cw, ch);
    copyRectRef(frame.v, frame.chromaWidth, g.x >> 1, g.y >> 1, v, cw, 0, 0, cw, ch);
    return { y, u, v };
  },
  examples: [
    "crop=iw:ih:exact=1",
    "crop=floor(iw/2)+1:floor(ih/2)+1:exact=1",
    "crop='max(1,iw-1)':'max(1,ih-1)':0:0:exact=1",
    "crop=w=1:h=1:x=iw-1:y=ih-1:exact=1",
  ],
  ffmpegExact: [
    ["crop=iw-20:ih-10", "crop=iw-20:ih-10"],
    ["crop=41:33:7:3", "crop=41:33:7:3"],
    ["crop=iw/2:ih/3:iw-ow:0", "crop=iw/2:ih/3:iw-ow:0"],
  ],
});
