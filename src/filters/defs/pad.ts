/**
 * `pad`: puts the frame on a larger canvas of one colour, as ffmpeg pad: `w:h:x:y:color`,
 * expressions of the input size, sizes and position rounded down to even for 4:2:0.
 */
import { defineFilter, type OutputSize } from "../filter_module.ts";
import { type FilterParams, paramValue } from "../params.ts";
import { rgbToYuvCcir } from "./drawbox.ts";
import { colorBytes, formatColor, INVERT_COLOR, parseColor } from "./drawbox_color.ts";
import { copyRectRef, copyRectWasm, cTrunc } from "./geometry_rect.ts";
import { SIZE_VARS, sizeVars } from "./size_vars.ts";

/** Where the input goes on the canvas for one input size, or why it cannot. */
export interface PadGeometry extends OutputSize {
  x: number;
  y: number;
}

const ALL_VARS = [...SIZE_VARS, "x", "y"];

/** Rounds down to even (ffmpeg's ff_draw_round_to_sub for 4:2:0, rounding down). */
function even(n: number): number {
  return Math.floor(n / 2) * 2;
}

/**
 * ffmpeg pad's geometry for an iw × ih input (config_input): w, h (0 → ih), w again (0 → iw),
 * truncated; x, y, x again, truncated, each centred when it would put the input off the
 * canvas; then everything rounded down to even; refused when the canvas is smaller than the
 * input.
 */
export function padGeometry(p: FilterParams, iw: number, ih: number): PadGeometry {
  const vars = sizeVars(iw, ih);
  let w = cTrunc(paramValue(p.w, vars));
  vars.ow = vars.out_w = w;
  let h = cTrunc(paramValue(p.h, vars));
  if (h === 0) h = ih;
  vars.oh = vars.out_h = h;
  w = cTrunc(paramValue(p.w, vars));
  if (w === 0) w = iw;
  vars.ow = vars.out_w = w;
  const fail = (problem: string): PadGeometry => ({ width: NaN, height: NaN, x: 0, y: 0, problem });
  if (Number.isNaN(w) || Number.isNaN(h)) return fail("its width or height is not a number");
  let x = cTrunc(paramValue(p.x, vars));
  vars.x = x;
  let y = cTrunc(paramValue(p.y, vars));
  vars.y = y;
  x = cTrunc(paramValue(p.x, vars));
  if (Number.isNaN(x) || x < 0 || x + iw > w) x = Math.trunc((w - iw) / 2);
  if (Number.isNaN(y) || y < 0 || y + ih > h) y = Math.trunc((h - ih) / 2);
  w = even(w);
  h = even(h);
  if (w < iw || h < ih) {
    return fail(
      `the canvas would be ${w}x${h} (rounded down to even for 4:2:0), smaller than the ` +
        `${iw}x${ih} input; give a larger w and h (e.g. pad=iw+2:ih+2 for an odd size)`,
    );
  }
  x = even(x);
  y = even(y);
  if (x < 0 || y < 0 || x + iw > w || y + ih > h) {
    return fail(`the input does not fit at ${x},${y} on the ${w}x${h} canvas`);
  }
  return { width: w, height: h, x, y };
}

/**
 * ffmpeg pad paints its right border after copying the input, from x + iw rounded down to even:
 * for an odd input width the input's last luma column, and the chroma column holding it, take
 * the colour. Calls `set(plane, x, y)` for each of those samples.
 */
function oddEdge(
  iw: number,
  ih: number,
  g: PadGeometry,
  set: (plane: number, x: number, y: number) => void,
): void {
  if (iw % 2 === 0) return;
  const x = g.x + iw - 1;
  for (let y = g.y; y < g.y + ih; y++) set(0, x, y);
  for (let y = g.y / 2; y < g.y / 2 + Math.ceil(ih / 2); y++) {
    set(1, x >> 1, y);
    set(2, x >> 1, y);
  }
}

/** The Y, U, V bytes of pad's colour (ffmpeg's CCIR conversion; alpha is ignored). */
export function padColor(color: number): [number, number, number] {
  const [r, g, b] = colorBytes(color);
  return rgbToYuvCcir(r, g, b);
}

export const pad = defineFilter<FilterParams>({
  name: "pad",
  description: "Puts the frame on a larger canvas of one colour (`w:h:x:y:color`), as ffmpeg pad.",
  params: [
    {
      name: "w",
      default: 0,
      min: 0,
      max: 1_000_000,
      aliases: ["width"],
      vars: ALL_VARS,
      description: "canvas width: pixels or an expression (`iw+100`, `ih*16/9`); 0 (default) is " +
        "the input's",
    },
    {
      name: "h",
      default: 0,
      min: 0,
      max: 1_000_000,
      aliases: ["height"],
      vars: ALL_VARS,
      description: "canvas height, as `w`",
    },
    {
      name: "x",
      default: 0,
      min: -1_000_000,
      max: 1_000_000,
      vars: ALL_VARS,
      description: "where the input's left edge goes (`(ow-iw)/2`); off the canvas (e.g. -1) " +
        "centres it",
    },
    {
      name: "y",
      default: 0,
      min: -1_000_000,
      max: 1_000_000,
      vars: ALL_VARS,
      description: "where the input's top edge goes, as `x`",
    },
    {
      name: "color",
      default: 0x000000ff,
      min: 0,
      max: 2 ** 32 - 1,
      aliases: ["c"],
      description: "canvas colour: a name (`black`, default), `#RRGGBB` or `0xRRGGBB[AA]` " +
        "(alpha ignored)",
      parse: (text) => {
        const v = parseColor(text);
        return v === INVERT_COLOR ? "color=invert is drawbox's; pad needs a colour" : v;
      },
      format: formatColor,
    },
  ],
  ffmpeg: "pad=W:H:X:Y:color=C",
  planes: "The canvas filled with the colour's Y, U and V (BT.601 limited range, as ffmpeg), " +
    "the input copied at (x, y), chroma at (x/2, y/2); for an odd input width its last column " +
    "takes the colour, as ffmpeg's right border (painted from an even x) covers it.",
  kernels: ["copyPlane", "fill"],
  inPlace: false,
  outputSize: (p, w, h) => padGeometry(p, w, h),
  wasm(step, p) {
    const g = padGeometry(p, step.frame.width, step.frame.height);
    const { k, dst, planes, outPlanes } = step;
    const yuv = padColor(p.color);
    for (let i = 0; i < 3; i++) {
      const o = outPlanes[i];
      k.fill(dst + o.offset, yuv[i], o.width * o.height);
      const s = i === 0 ? 1 : 2;
      copyRectWasm(step, planes[i], 0, 0, o, g.x / s, g.y / s, planes[i].width, planes[i].height);
    }
    const { memory } = step;
    oddEdge(step.frame.width, step.frame.height, g, (plane, x, y) => {
      const o = outPlanes[plane];
      memory[dst + o.offset + y * o.width + x] = yuv[plane];
    });
  },
  reference(frame, p) {
    const g = padGeometry(p, frame.width, frame.height);
    const yuv = padColor(p.color);
    const cw = Math.ceil(g.width / 2);
    const ch = Math.ceil(g.height / 2);
    const y = new Uint8Array(g.width * g.height).fill(yuv[0]);
    const u = new Uint8Array(cw * ch).fill(yuv[1]);
    const v = new Uint8Array(cw * ch).fill(yuv[2]);
    const { width: iw, height: ih, chromaWidth: icw, chromaHeight: ich } = frame;
    copyRectRef(frame.y, iw, 0, 0, y, g.width, g.x, g.y, iw, ih);
    copyRectRef(frame.u, icw, 0, 0, u, cw, g.x / 2, g.y / 2, icw, ich);
    copyRectRef(frame.v, icw, 0, 0, v, cw, g.x / 2, g.y / 2, icw, ich);
    const out = [y, u, v];
    oddEdge(iw, ih, g, (plane, x, yy) => {
      out[plane][yy * (plane === 0 ? g.width : cw) + x] = yuv[plane];
    });
    return { y, u, v };
  },
  examples: [
    "pad=2*ceil(iw/2)+2:2*ceil(ih/2)+4:2:2:color=red",
    "pad=w=2*ceil(iw/2)+6:h=2*ceil(ih/2):x=-1:y=0",
    "pad=2*ceil(iw/2):2*ceil(ih/2)+2:0:2:0x336699",
  ],
  ffmpegExact: [
    ["pad=iw+40:ih+20:10:6", "pad=iw+40:ih+20:10:6"],
    ["pad=w=400:h=300:x=-1:y=-1:color=0x3366cc", "pad=w=400:h=300:x=-1:y=-1:color=0x3366cc"],
  ],
});
