/**
 * `scale`: resizes the frame, as ffmpeg scale: width and height as numbers or expressions of the
 * input size (`iw`, `ih`, `a`…), `-1` / `-n` to keep the aspect ratio (rounded to a multiple of
 * n), 0 for the input's size; `flags=bilinear|bicubic|lanczos|neighbor` (default bicubic).
 */
import { defineFilter, type OutputSize, type PlaneRect } from "../filter_module.ts";
import { RESAMPLE_MAX_TAPS } from "../frame_buffers.ts";
import { type FilterParams, paramValue } from "../params.ts";
import { transpose } from "../reference_kernels.ts";
import { resampleColumns, type ResampleTable, resampleTable, SCALE_METHODS } from "../resample.ts";
import type { FilterKernels } from "../wasm.ts";
import { SIZE_VARS, sizeVars } from "./size_vars.ts";

/** The kernels scale calls beyond the shared ones. */
export interface ScaleKernels extends FilterKernels {
  scaleV(
    src: number,
    ss: number,
    dst: number,
    ds: number,
    w: number,
    oh: number,
    taps: number,
    starts: number,
    coefs: number,
  ): void;
  scaleVH(
    src: number,
    ss: number,
    dst: number,
    ds: number,
    w: number,
    ow: number,
    oh: number,
    vTaps: number,
    vStarts: number,
    vCoefs: number,
    hPairs: number,
    hGroups: number,
    hRecs: number,
    hUniform: number,
    row0: number,
    row1: number,
    tmp: number,
  ): void;
}

/** C's (int) of a double: truncation; NaN and infinities stay NaN (refused later). */
function cInt(v: number): number {
  return Number.isFinite(v) ? Math.trunc(v) : NaN;
}

/** ffmpeg's av_rescale(a, b, c) for a, b, c > 0: a·b/c rounded half up. */
function rescale(a: number, b: number, c: number): number {
  return Math.floor((a * b + Math.floor(c / 2)) / c);
}

/**
 * ffmpeg's output size for scale's w and h (ff_scale_eval_dimensions then
 * ff_scale_adjust_dimensions, libavfilter 8): w, then h, then w again (each may use `ow`/`oh`),
 * 0 meaning the input's size; then -n (n ≥ 1) keeps the aspect ratio, rounded to a multiple of n.
 */
export function scaleSize(p: FilterParams, iw: number, ih: number): OutputSize {
  const vars = sizeVars(iw, ih);
  const evalW = () => {
    const r = cInt(paramValue(p.w, vars));
    return r === 0 ? iw : r;
  };
  let w = evalW();
  vars.ow = vars.out_w = w;
  const hr = cInt(paramValue(p.h, vars));
  let h = hr === 0 ? ih : hr;
  vars.oh = vars.out_h = h;
  w = evalW();
  if (Number.isNaN(w) || Number.isNaN(h)) return { width: NaN, height: NaN };
  const fw = w < -1 ? -w : 1;
  const fh = h < -1 ? -h : 1;
  if (w < 0 && h < 0) {
    w = iw;
    h = ih;
  }
  if (w < 0) w = rescale(h, iw, ih * fw) * fw;
  if (h < 0) h = rescale(w, ih, iw * fh) * fh;
  return { width: w, height: h };
}

/** What scale computes once per chain: its parameters and the tables of the last size seen. */
export interface ScalePlan {
  params: FilterParams;
  /** Tables by `inLen>outLen`, each direction and plane (few sizes per chain). */
  tables: Map<string, { table: ResampleTable; bytes: Uint8Array }>;
  /** scaleVH's tables by plane size `w×h>ow×oh` (undefined: the plane takes the two-pass path). */
  programs: Map<string, ScaleProgram | undefined>;
}

/** What scaleVH reads for one plane size: its tables as bytes and their offsets in them. */
export interface ScaleProgram {
  /** Everything below, copied to `weights` before the call; the other fields are offsets in it. */
  bytes: Uint8Array;
  /** Vertical taps; i32 first input row per output row; i16 weights per row (even count). */
  vTaps: number;
  vStarts: number;
  vCoefs: number;
  /** Horizontal tap pairs; per group of four outputs i32 base and record offset; the records. */
  hPairs: number;
  hGroups: number;
  hRecs: number;
  /** i32 c0, c1, delta, record: the run of blocks of 16 outputs sharing one record. */
  hUniform: number;
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

/**
 * scaleVH's tables for resampling a w × h plane to ow × oh (vertical pass first), or undefined
 * when a group of four horizontal outputs spans more than a 16-byte load (shrinking by more
 * than about 4.6) or the tables would not fit in `room` bytes.
 */
export function scaleProgram(
  w: number,
  h: number,
  ow: number,
  oh: number,
  method: number,
  room: number,
): ScaleProgram | undefined {
  const v = resampleTable(h, oh, method);
  const hz = resampleTable(w, ow, method);
  const vPairs = (v.taps + 1) >> 1;
  const hPairs = (hz.taps + 1) >> 1;
  const groups = 4 * Math.ceil(ow / 16);
  const recSize = 16 * (1 + hPairs);
  // Records (mask, then weights) of the groups, each distinct one once.
  const records: Uint8Array[] = [];
  const known = new Map<string, number>();
  const groupWords = new Int32Array(2 * groups);
  for (let g = 0; g < groups; g++) {
    const rec = new Uint8Array(recSize);
    const view = new DataView(rec.buffer);
    rec.fill(0x80, 0, 16);
    let base = Infinity;
    for (let o = 4 * g; o < Math.min(ow, 4 * g + 4); o++) base = Math.min(base, hz.starts[o]);
    if (base === Infinity) base = 0; // past ow: zero weights
    for (let j = 0; j < 4 && 4 * g + j < ow; j++) {
      const o = 4 * g + j;
      const d = hz.starts[o] - base;
      if (d > 14) return undefined;
      rec[4 * j] = d;
      rec[4 * j + 2] = d + 1;
      for (let t = 0; t < hz.taps; t++) {
        view.setInt16(16 + 16 * (t >> 1) + 4 * j + 2 * (t & 1), hz.coefs[o * hz.taps + t], true);
      }
    }
    const key = rec.join(",");
    let index = known.get(key);
    if (index === undefined) {
      index = records.length;
      records.push(rec);
      known.set(key, index);
    }
    groupWords[2 * g] = base;
    groupWords[2 * g + 1] = index * recSize;
  }
  const uniform = uniformBlocks(groupWords, records, Math.floor(ow / 16), hPairs);
  const vStarts = 0;
  const vCoefs = align16(4 * oh);
  const hGroups = align16(vCoefs + 4 * vPairs * oh);
  const hUniform = align16(hGroups + 8 * groups);
  const hRecs = hUniform + 16;
  const size = hRecs + recSize * records.length;
  if (size > room) return undefined;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (let y = 0; y < oh; y++) {
    view.setInt32(vStarts + 4 * y, v.starts[y], true);
    for (let t = 0; t < v.taps; t++) {
      view.setInt16(vCoefs + 4 * vPairs * y + 2 * t, v.coefs[y * v.taps + t], true);
    }
  }
  bytes.set(new Uint8Array(groupWords.buffer), hGroups);
  uniform.forEach((n, i) => view.setInt32(hUniform + 4 * i, n, true));
  records.forEach((rec, i) => bytes.set(rec, hRecs + recSize * i));
  return { bytes, vTaps: v.taps, vStarts, vCoefs, hPairs, hGroups, hRecs, hUniform };
}

/**
 * The longest run of whole blocks of 16 outputs (c0 ≤ c < c1, c1 ≤ `whole`) whose groups all
 * share one record, with bases a constant delta apart, that one 16-byte load serves (every
 * output's last pair within it): [c0, c1, delta, record offset], or zeros. Only for 1 to 4
 * pairs (scaleVH's unrolled copies).
 */
function uniformBlocks(
  groupWords: Int32Array,
  records: Uint8Array[],
  whole: number,
  pairs: number,
): [number, number, number, number] {
  const recSize = 16 * (1 + pairs);
  const base = (g: number) => groupWords[2 * g];
  const rec = (g: number) => groupWords[2 * g + 1];
  const oneLoad = (offset: number) => {
    const mask = records[offset / recSize];
    for (let j = 0; j < 4; j++) {
      if (mask[4 * j] !== 0x80 && mask[4 * j] + 2 * pairs > 16) return false;
    }
    return true;
  };
  let best: [number, number, number, number] = [0, 0, 0, 0];
  if (pairs < 1 || pairs > 4) return best;
  let c = 0;
  while (c < whole) {
    const g = 4 * c;
    const delta = base(g + 1) - base(g);
    const fits = (b: number) => {
      for (let i = 0; i < 4; i++) {
        const h = 4 * b + i;
        if (rec(h) !== rec(g) || base(h) - base(g) !== (h - g) * delta) return false;
      }
      return true;
    };
    if (delta < 0 || !oneLoad(rec(g)) || !fits(c)) {
      c++;
      continue;
    }
    let end = c + 1;
    while (end < whole && fits(end)) end++;
    if (end - c > best[1] - best[0]) best = [c, end, delta, rec(g)];
    c = end;
  }
  return best;
}

/** The table for `inLen` → `outLen`, with its bytes as scaleV reads them (remembered). */
function tableOf(plan: ScalePlan, inLen: number, outLen: number) {
  const key = `${inLen}>${outLen}`;
  let known = plan.tables.get(key);
  if (!known) {
    const table = resampleTable(inLen, outLen, plan.params.flags);
    const coefAt = align64(4 * outLen);
    const bytes = new Uint8Array(coefAt + table.coefs.byteLength);
    bytes.set(new Uint8Array(table.starts.buffer), 0);
    bytes.set(new Uint8Array(table.coefs.buffer), coefAt);
    known = { table, bytes };
    if (plan.tables.size > 16) plan.tables.clear();
    plan.tables.set(key, known);
  }
  return known;
}

function align64(n: number): number {
  return (n + 63) & ~63;
}

/** Reference of one plane: columns resampled, then rows (as columns of the transpose). */
export function scalePlane(
  plane: Uint8Array,
  w: number,
  h: number,
  ow: number,
  oh: number,
  method: number,
): Uint8Array {
  const v = resampleColumns(plane, w, resampleTable(h, oh, method)); // w × oh
  const t = resampleColumns(transpose(v, w, oh), oh, resampleTable(w, ow, method)); // oh × ow
  return transpose(t, oh, ow);
}

export const scale = defineFilter<ScalePlan, ScaleKernels>({
  name: "scale",
  description: "Resizes the frame (bilinear, bicubic, Lanczos or nearest neighbour), as ffmpeg " +
    "scale; `-1` or `-2` for one side keeps the aspect ratio.",
  params: [
    {
      name: "w",
      default: 0,
      min: -64,
      max: 1_000_000,
      aliases: ["width"],
      vars: SIZE_VARS,
      description: "output width: pixels, an expression (`iw/2`, `oh*a`), 0 for the input's, " +
        "-1 to keep the aspect ratio, -n for that rounded to a multiple of n",
    },
    {
      name: "h",
      default: 0,
      min: -64,
      max: 1_000_000,
      aliases: ["height"],
      vars: SIZE_VARS,
      description: "output height, as `w`",
    },
    {
      name: "flags",
      default: SCALE_METHODS.bicubic,
      min: 0,
      max: 3,
      integer: true,
      words: SCALE_METHODS,
      description: "resampling kernel: `bicubic` (default, swscale's B=0 C=0.6), `bilinear`, " +
        "`lanczos` (3 lobes), `neighbor`",
    },
  ],
  ffmpeg: "scale=W:H:flags=F",
  planes: "Each plane resampled on its own grid: columns first, then rows, with 14-bit integer " +
    "weights (the kernel widened by the ratio when shrinking, taps past the edges folded onto " +
    "the edge samples); chroma at the output's ceil(w/2) × ceil(h/2).",
  differences: "Same output size as ffmpeg (its expressions, -1/-n rounding and 0). Pixels " +
    "differ slightly from swscale (whose filters are built with other rounding and whose " +
    "chroma is sited left): within a few levels on luma (PSNR over 40 dB in the parity tests). " +
    "Only `flags` of the swscale options is read.",
  kernels: ["scaleV", "scaleVH", "transpose"],
  inPlace: false,
  plan: (params) => ({ params, tables: new Map(), programs: new Map() }),
  outputSize: (plan, w, h) => scaleSize(plan.params, w, h),
  wasm(step, plan) {
    const { k, memory, src, dst, planes, outPlanes, scratch, scratch2, weights, table } = step;
    let loaded: ScaleProgram | undefined;
    const run = (input: PlaneRect, output: PlaneRect) => {
      const { width: w, height: h } = input;
      const { width: ow, height: oh } = output;
      const key = `${w}x${h}>${ow}x${oh}`;
      if (!plan.programs.has(key)) {
        // The weights room the engine guarantees (see WasmStep.weights).
        const longest = Math.max(w, h, ow, oh);
        const room = align64(4 * longest) + align64(2 * RESAMPLE_MAX_TAPS * longest);
        if (plan.programs.size > 16) plan.programs.clear();
        plan.programs.set(key, scaleProgram(w, h, ow, oh, plan.params.flags, room));
      }
      const prog = plan.programs.get(key);
      if (prog) {
        if (prog !== loaded) memory.set(prog.bytes, weights);
        loaded = prog;
        k.scaleVH(
          src + input.offset,
          w,
          dst + output.offset,
          ow,
          w,
          ow,
          oh,
          prog.vTaps,
          weights + prog.vStarts,
          weights + prog.vCoefs,
          prog.hPairs,
          weights + prog.hGroups,
          weights + prog.hRecs,
          weights + prog.hUniform,
          scratch,
          scratch2,
          table,
        );
        return;
      }
      loaded = undefined;
      const pass = (s: number, d: number, cols: number, inLen: number, outLen: number) => {
        const { table, bytes } = tableOf(plan, inLen, outLen);
        memory.set(bytes, weights);
        const coefs = weights + align64(4 * outLen);
        k.scaleV(s, cols, d, cols, cols, outLen, table.taps, weights, coefs);
      };
      pass(src + input.offset, scratch, w, h, oh); // w × oh
      k.transpose(scratch, w, scratch2, oh, w, oh); // oh × w
      pass(scratch2, scratch, oh, w, ow); // oh × ow
      k.transpose(scratch, oh, dst + output.offset, ow, oh, ow); // ow × oh
    };
    for (let i = 0; i < 3; i++) run(planes[i], outPlanes[i]);
  },
  reference(frame, plan) {
    const { width: ow, height: oh } = scaleSize(plan.params, frame.width, frame.height);
    const cw = Math.ceil(ow / 2);
    const ch = Math.ceil(oh / 2);
    const m = plan.params.flags;
    return {
      y: scalePlane(frame.y, frame.width, frame.height, ow, oh, m),
      u: scalePlane(frame.u, frame.chromaWidth, frame.chromaHeight, cw, ch, m),
      v: scalePlane(frame.v, frame.chromaWidth, frame.chromaHeight, cw, ch, m),
    };
  },
  examples: [
    "scale=iw*2:ih*2",
    "scale=iw/2+1:ih/3+1",
    "scale=-1:ih+3:flags=bilinear",
    "scale=iw+5:0:flags=lanczos",
    "scale=2*iw+1:ih:flags=neighbor",
    "scale=w='max(1,iw/4)':h='max(1,ih/4)'",
  ],
});
