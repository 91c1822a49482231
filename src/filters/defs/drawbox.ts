/** `drawbox`: draws a rectangle, outlined or filled, opaque or translucent, as ffmpeg drawbox. */
import { defineFilter } from "../filter_module.ts";
import { type FilterParams, type ParamDef, paramValue } from "../params.ts";
import type { FilterKernels } from "../wasm.ts";
import { colorBytes, formatColor, INVERT_COLOR, parseColor } from "./drawbox_color.ts";

/** The kernels drawbox calls beyond the shared ones. */
export interface DrawboxKernels extends FilterKernels {
  drawbox(
    y: number,
    u: number,
    v: number,
    w: number,
    left: number,
    top: number,
    right: number,
    down: number,
    bx: number,
    by: number,
    bw: number,
    bh: number,
    t: number,
    ty: number,
    tables: number,
    chroma: number,
    counts: number,
  ): void;
}

/** Where the box is on one frame size: ffmpeg's integer x, y, w, h and thickness. */
export interface BoxGeometry {
  x: number;
  y: number;
  w: number;
  h: number;
  t: number;
}

/** What drawbox computes once per chain: its parameters and the colour's blend tables. */
export interface DrawboxPlan {
  params: FilterParams;
  /** Luma table: the blend (or 255 - x for color=invert). */
  luma: Uint8Array;
  /** U once, V once, U four times, V four times (256 bytes each); undefined for invert. */
  chroma?: Uint8Array;
  /** The geometry of the last frame size seen. */
  last?: { width: number; height: number; box: BoxGeometry };
}

/** The names drawbox's x, y, width, height and thickness expressions may use (ffmpeg's). */
const VARS = [
  "iw",
  "ih",
  "in_w",
  "in_h",
  "x",
  "y",
  "w",
  "h",
  "t",
  "fill",
  "dar",
  "sar",
  "hsub",
  "vsub",
];

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** C's (int) of a double on x86: truncation, INT_MIN for NaN and out-of-range values. */
function cInt(v: number): number {
  return Number.isFinite(v) && v > INT_MIN - 1 && v < INT_MAX + 1 ? Math.trunc(v) : INT_MIN;
}

/**
 * ffmpeg drawbox's geometry for a width × height frame (config_input): x, y, w, h and t
 * evaluated in that order six times over, so each may use the others, with `fill` standing for
 * the room left (iw, ih, iw - x, ih - y, and INT_MAX for t); then a w or h ≤ 0 becomes the
 * frame's.
 */
export function boxGeometry(p: FilterParams, width: number, height: number): BoxGeometry {
  const vars: Record<string, number> = {
    iw: width,
    ih: height,
    in_w: width,
    in_h: height,
    sar: 1,
    dar: width / height,
    hsub: 1,
    vsub: 1,
    x: NaN,
    y: NaN,
    w: NaN,
    h: NaN,
    t: NaN,
    fill: NaN,
  };
  const box: BoxGeometry = { x: 0, y: 0, w: 0, h: 0, t: 0 };
  const evaluate = (value: number, fill: number, name: "x" | "y" | "w" | "h" | "t") => {
    vars.fill = fill;
    const v = paramValue(value, vars);
    vars[name] = v;
    box[name] = cInt(v);
  };
  for (let i = 0; i <= 5; i++) {
    evaluate(p.x, width, "x");
    evaluate(p.y, height, "y");
    evaluate(p.width, width - box.x, "w");
    evaluate(p.height, height - box.y, "h");
    evaluate(p.thickness, INT_MAX, "t");
  }
  if (box.w <= 0) box.w = width;
  if (box.h <= 0) box.h = height;
  return box;
}

/** ffmpeg's RGB_TO_Y_CCIR, RGB_TO_U_CCIR and RGB_TO_V_CCIR (libavutil/colorspace.h). */
export function rgbToYuvCcir(r: number, g: number, b: number): [number, number, number] {
  const fix = (x: number) => Math.trunc(x * 1024 + 0.5);
  const y = (fix((0.299 * 219) / 255) * r + fix((0.587 * 219) / 255) * g +
    fix((0.114 * 219) / 255) * b + (512 + (16 << 10))) >> 10;
  const u = ((-fix((0.16874 * 224) / 255) * r - fix((0.33126 * 224) / 255) * g +
    fix((0.5 * 224) / 255) * b + 511) >> 10) + 128;
  const v = ((fix((0.5 * 224) / 255) * r - fix((0.41869 * 224) / 255) * g -
    fix((0.08131 * 224) / 255) * b + 511) >> 10) + 128;
  return [y, u, v];
}

/** The blend of every byte value with `c` at alpha a/255, as ffmpeg computes it (truncated). */
function blendTable(c: number, a: number): Uint8Array {
  const alpha = a / 255;
  const t = new Uint8Array(256);
  for (let x = 0; x < 256; x++) t[x] = Math.trunc((1 - alpha) * x + alpha * c);
  return t;
}

/** `t` applied four times. */
function fourTimes(t: Uint8Array): Uint8Array {
  return t.map((_, x) => t[t[t[t[x]]]]);
}

/** drawbox's plan: the blend tables of its colour. */
export function drawboxPlan(params: FilterParams): DrawboxPlan {
  if (params.color === INVERT_COLOR) {
    return { params, luma: new Uint8Array(256).map((_, x) => 255 - x) };
  }
  const [r, g, b, a] = colorBytes(params.color);
  const [y, u, v] = rgbToYuvCcir(r, g, b);
  const u1 = blendTable(u, a);
  const v1 = blendTable(v, a);
  const chroma = new Uint8Array(1024);
  chroma.set(u1, 0);
  chroma.set(v1, 256);
  chroma.set(fourTimes(u1), 512);
  chroma.set(fourTimes(v1), 768);
  return { params, luma: blendTable(y, a), chroma };
}

/** The geometry for a frame size, remembered for the next frame of the same size. */
function geometryFor(plan: DrawboxPlan, width: number, height: number): BoxGeometry {
  const last = plan.last;
  if (last && last.width === width && last.height === height) return last.box;
  const box = boxGeometry(plan.params, width, height);
  plan.last = { width, height, box };
  return box;
}

/** Keeps a value where the kernel's 32-bit sums cannot overflow (2^29: far outside any frame). */
function bounded(v: number): number {
  return Math.max(-(2 ** 29), Math.min(2 ** 29, v));
}

function position(name: "x" | "y", what: string): ParamDef {
  return {
    name,
    default: 0,
    min: -100000,
    max: 100000,
    vars: VARS,
    description: `${what} of the box's top-left corner in pixels, or an expression of iw, ih, ` +
      `w, h, t, fill… as ffmpeg's`,
  };
}

function size(name: "width" | "height", short: string, frame: string): ParamDef {
  return {
    name,
    default: 0,
    min: 0,
    max: 100000,
    aliases: [short],
    vars: VARS,
    description: `box ${name} in pixels, or an expression; 0 (or less) is the frame's ` +
      `${frame} (\`${short}\` is the same)`,
  };
}

/**
 * Reference of the `drawbox` kernel, as ffmpeg's loop is written: each luma sample of the box
 * that belongs (within t of an edge) goes through the luma table, and each time, the chroma
 * sample above it through the one-blend table of its plane.
 */
export function drawboxRef(
  planes: { y: Uint8Array; u: Uint8Array; v: Uint8Array },
  width: number,
  height: number,
  box: BoxGeometry,
  plan: DrawboxPlan,
): void {
  const cw = Math.ceil(width / 2);
  const { x: bx, y: by, w: bw, h: bh, t } = box;
  const belongs = (x: number, y: number) =>
    y - by < t || by + bh - 1 - y < t || x - bx < t || bx + bw - 1 - x < t;
  for (let y = Math.max(by, 0); y < Math.min(by + bh, height); y++) {
    for (let x = Math.max(bx, 0); x < Math.min(bx + bw, width); x++) {
      if (!belongs(x, y)) continue;
      planes.y[y * width + x] = plan.luma[planes.y[y * width + x]];
      if (!plan.chroma) continue;
      const c = (y >> 1) * cw + (x >> 1);
      planes.u[c] = plan.chroma[planes.u[c]];
      planes.v[c] = plan.chroma[256 + planes.v[c]];
    }
  }
}

/** Drawbox: the box drawn in place. */
export const drawbox = defineFilter<DrawboxPlan, DrawboxKernels>({
  name: "drawbox",
  description: "Draws a rectangle: an outline `thickness` pixels wide, or filled (t=fill).",
  params: [
    position("x", "horizontal position"),
    position("y", "vertical position"),
    size("width", "w", "width"),
    size("height", "h", "height"),
    {
      name: "color",
      default: 0x000000ff,
      min: 0,
      max: INVERT_COLOR,
      integer: true,
      aliases: ["c"],
      parse: parseColor,
      format: formatColor,
      description: "colour: an ffmpeg colour name (red, DarkSlateGray…), 0xRRGGBB or #RRGGBB, " +
        "with @alpha (red@0.5) for a translucent box, or invert (inverts the luma); default " +
        "black; held as the number 0xRRGGBBAA (`c` is the same)",
    },
    {
      name: "thickness",
      default: 3,
      min: 0,
      max: 100000,
      aliases: ["t"],
      vars: VARS,
      description: "outline width in pixels; `fill` fills the box (`t` is the same)",
    },
  ],
  ffmpeg: "drawbox=x:y:w:h:color:t",
  planes: "Y: each sample of the box's outline (or of the whole box) blended with the colour " +
    "(converted with ffmpeg's BT.601 limited-range formula) at its alpha, truncated, as " +
    "ffmpeg computes it; U and V: each chroma sample blended once per luma sample of its 2×2 " +
    "block that is drawn (ffmpeg's own way, so a translucent fill blends chroma four times). " +
    "Expressions are evaluated for each frame size.",
  kernels: ["drawbox"],
  inPlace: true,
  plan: drawboxPlan,
  wasm({ k, memory, src, frame, table, sums }, plan) {
    const box = geometryFor(plan, frame.width, frame.height);
    const left = Math.max(box.x, 0);
    const right = Math.min(box.x + box.w, frame.width);
    const top = Math.max(box.y, 0);
    const down = Math.min(box.y + box.h, frame.height);
    if (left >= right || top >= down) return;
    memory.set(plan.luma, table);
    if (plan.chroma) memory.set(plan.chroma, sums);
    k.drawbox(
      src,
      src + frame.uOffset,
      src + frame.vOffset,
      frame.width,
      left,
      top,
      right,
      down,
      bounded(box.x),
      bounded(box.y),
      bounded(box.w),
      bounded(box.h),
      bounded(box.t),
      table,
      sums,
      plan.chroma ? 1 : 0,
      sums + 1024,
    );
  },
  reference(frame, plan) {
    const out = { y: frame.y.slice(), u: frame.u.slice(), v: frame.v.slice() };
    drawboxRef(
      out,
      frame.width,
      frame.height,
      boxGeometry(plan.params, frame.width, frame.height),
      plan,
    );
    return out;
  },
  examples: [
    "drawbox",
    "drawbox=10:5:20:15:red",
    "drawbox=x=-3:y=1:w=iw/2+1:h=ih-3:color=yellow@0.4:t=2",
    "drawbox=3:3:0:0:0x10a0f0@0.7:fill",
    "drawbox=x=1:y=2:w=9:h=7:c=invert:t=fill",
    "drawbox=x=iw/3:y=ih/4:w=iw/2:h=ih/3:c=#3366cc@0x80:t=5",
    "drawbox=x=-10:y=-10:w=5:h=5:t=fill",
    "drawbox=x=2:y=1:w=iw-5:h=ih-3:c=white@0.25:t=1",
  ],
  ffmpegExact: [
    ["drawbox=10:5:20:15:red", "drawbox=10:5:20:15:red"],
    [
      "drawbox=x=iw/4:y=ih/3:w=iw/2:h=ih/4:color=DarkOrange@0.6:t=fill",
      "drawbox=x=iw/4:y=ih/3:w=iw/2:h=ih/4:color=DarkOrange@0.6:t=fill",
    ],
    [
      "drawbox=x=-5:y=3:w=40:h=31:c=0x3366cc@0.3:t=4",
      "drawbox=x=-5:y=3:w=40:h=31:c=0x3366cc@0.3:t=4",
    ],
    ["drawbox=7:9:33:21:invert:3", "drawbox=7:9:33:21:invert:3"],
    ["drawbox=c=white@0.5", "drawbox=c=white@0.5"],
    [
      "drawbox=x=w:y=h:w=iw/3:h=ih/3:c=green@0.3:t=2",
      "drawbox=x=w:y=h:w=iw/3:h=ih/3:c=green@0.3:t=2",
    ],
    [
      "drawbox=x=-20:y=-20:w=iw+40:h=ih+40:c=blue:t=25",
      "drawbox=x=-20:y=-20:w=iw+40:h=ih+40:c=blue:t=25",
    ],
  ],
});
