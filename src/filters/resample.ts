/**
 * Resampling tables for `scale`: for each output sample along one direction, the first input
 * sample it reads and its integer weights (14-bit, summing to 16384), as swscale builds them —
 * output sample o centred at input position (o + 0.5)·in/out − 0.5, the kernel widened by the
 * ratio when shrinking, taps past the edges folded onto the edge samples. Shared by the wasm
 * kernel's host code and the TypeScript reference, so both compute the same thing. Pure.
 */
import { RESAMPLE_MAX_TAPS } from "./frame_buffers.ts";
import { clamp8 } from "./reference_kernels.ts";

/** The resampling kernels of `scale=…:flags=`. */
export const SCALE_METHODS = { neighbor: 0, bilinear: 1, bicubic: 2, lanczos: 3 } as const;

/** One direction's table: `starts[o]`, and `taps` weights per output at `coefs[o·taps…]`. */
export interface ResampleTable {
  inLen: number;
  outLen: number;
  taps: number;
  starts: Int32Array;
  coefs: Int16Array;
}

/** Half-width of each kernel at scale 1, in input samples. */
const SUPPORT = [0.5, 1, 2, 3];

/** swscale's default bicubic: B = 0, C = 0.6. */
function bicubic(x: number): number {
  const B = 0;
  const C = 0.6;
  const a = Math.abs(x);
  if (a < 1) {
    return ((12 - 9 * B - 6 * C) * a ** 3 + (-18 + 12 * B + 6 * C) * a ** 2 + 6 - 2 * B) / 6;
  }
  if (a < 2) {
    return ((-B - 6 * C) * a ** 3 + (6 * B + 30 * C) * a ** 2 + (-12 * B - 48 * C) * a + 8 * B +
      24 * C) / 6;
  }
  return 0;
}

function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

/** The kernel `method` at distance x (in kernel units). */
function kernel(method: number, x: number): number {
  const a = Math.abs(x);
  if (method === 1) return Math.max(0, 1 - a);
  if (method === 2) return bicubic(x);
  return a < 3 ? sinc(x) * sinc(x / 3) : 0;
}

/**
 * The table that resamples `inLen` samples to `outLen` with kernel `method` (SCALE_METHODS).
 * When shrinking by more than the table's {@link RESAMPLE_MAX_TAPS} taps allow, the kernel is
 * widened less than the ratio (a little aliasing instead of an unbounded table).
 */
export function resampleTable(inLen: number, outLen: number, method: number): ResampleTable {
  const ratio = inLen / outLen;
  const support = SUPPORT[method];
  const maxScale = (RESAMPLE_MAX_TAPS - 2) / (2 * support);
  const s = method === 0 ? 1 : Math.min(Math.max(1, ratio), maxScale);
  const rows: { lo: number; w: Map<number, number> }[] = [];
  let taps = 1;
  for (let o = 0; o < outLen; o++) {
    const centre = (o + 0.5) * ratio - 0.5;
    const w = new Map<number, number>();
    if (method === 0) {
      w.set(Math.min(inLen - 1, Math.floor((o + 0.5) * ratio)), 1);
    } else {
      const reach = support * s;
      let total = 0;
      for (let i = Math.ceil(centre - reach); i <= Math.floor(centre + reach); i++) {
        const v = kernel(method, (i - centre) / s);
        if (v === 0) continue;
        const j = Math.min(inLen - 1, Math.max(0, i));
        w.set(j, (w.get(j) ?? 0) + v);
        total += v;
      }
      if (w.size === 0 || total === 0) {
        w.clear();
        w.set(Math.min(inLen - 1, Math.max(0, Math.round(centre))), 1);
        total = 1;
      }
      for (const [j, v] of w) w.set(j, v / total);
    }
    const keys = [...w.keys()];
    const lo = Math.min(...keys);
    taps = Math.max(taps, Math.max(...keys) - lo + 1);
    rows.push({ lo, w });
  }
  taps = Math.min(taps, inLen);
  const starts = new Int32Array(outLen);
  const coefs = new Int16Array(outLen * taps);
  rows.forEach(({ lo, w }, o) => {
    const start = Math.min(lo, inLen - taps);
    starts[o] = start;
    let sum = 0;
    let big = 0;
    for (const [j, v] of w) {
      const q = Math.round(v * 16384);
      coefs[o * taps + j - start] = q;
      sum += q;
      if (Math.abs(q) > Math.abs(coefs[o * taps + big])) big = j - start;
    }
    coefs[o * taps + big] += 16384 - sum;
  });
  return { inLen, outLen, taps, starts, coefs };
}

/**
 * Reference of the `scaleV` kernel: the w × h plane `src` resampled along its columns with
 * `table` (table.inLen = h), giving a w × table.outLen plane.
 */
export function resampleColumns(src: Uint8Array, w: number, table: ResampleTable): Uint8Array {
  const { outLen, taps, starts, coefs } = table;
  const out = new Uint8Array(w * outLen);
  for (let y = 0; y < outLen; y++) {
    const s = starts[y];
    for (let x = 0; x < w; x++) {
      let acc = 8192;
      for (let t = 0; t < taps; t++) acc += coefs[y * taps + t] * src[(s + t) * w + x];
      out[y * w + x] = clamp8(acc >> 14);
    }
  }
  return out;
}
