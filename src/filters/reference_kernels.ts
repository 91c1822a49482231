/**
 * Building blocks of the filters' TypeScript references (the `reference` of each module in
 * defs/): plain scalar code, one sample at a time, no tricks; the specification the SIMD kernels
 * are tested against bit for bit. Every function returns new arrays and leaves its input alone.
 */
import type { Planes, ReferenceFrame } from "./filter_module.ts";
import { boxNormaliser, type Pass } from "./passes.ts";

/** Applies `op` to each plane of `frame` (index 0 is Y, 1 U, 2 V). */
export function eachPlane(
  frame: ReferenceFrame,
  op: (plane: Uint8Array, w: number, h: number, index: number) => Uint8Array,
): Planes {
  const { width: w, height: h, chromaWidth: cw, chromaHeight: ch } = frame;
  return { y: op(frame.y, w, h, 0), u: op(frame.u, cw, ch, 1), v: op(frame.v, cw, ch, 2) };
}

/** The frame with a new luma plane and copies of its chroma planes. */
export function withLuma(frame: ReferenceFrame, y: Uint8Array): Planes {
  return { y, u: frame.u.slice(), v: frame.v.slice() };
}

/** The frame with a new luma plane and both chroma planes set to 128 (no colour). */
export function withGreyChroma(frame: ReferenceFrame, y: Uint8Array): Planes {
  const n = frame.chromaWidth * frame.chromaHeight;
  return { y, u: new Uint8Array(n).fill(128), v: new Uint8Array(n).fill(128) };
}

/** Symmetric reflection with the edge sample repeated, periodic: ... 1 0 | 0 1 ... n-1 | n-1 ... */
export function mirror(i: number, n: number): number {
  const p = 2 * n;
  const k = ((i % p) + p) % p;
  return k < n ? k : p - 1 - k;
}

/** ffmpeg's 3×3 convolution border rule: -1 → 1, n → n-1 (both → 0 when n = 1). */
export function reflect3(i: number, n: number): number {
  let k = Math.abs(i);
  if (k >= n) k = 2 * n - 1 - k;
  return Math.max(0, k);
}

/** (a·m + 2^14) >> 15, saturated to int16: wasm's i16x8.q15mulr_sat_s on one lane. */
export function q15(a: number, m: number): number {
  return Math.min(32767, Math.max(-32768, Math.floor((a * m + 16384) / 32768)));
}

/** Clamp to 0..255. */
export function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Box mean of radius r over a line: q15(S >> shift, m) (boxNormaliser) of the window sum S,
 * mirrored ends. The window sum slides (add the sample entering, drop the one leaving).
 */
export function boxLine(line: Uint8Array, r: number): Uint8Array {
  const n = line.length;
  const out = new Uint8Array(n);
  const { m, shift } = boxNormaliser(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += line[mirror(i, n)];
  for (let y = 0; y < n; y++) {
    out[y] = q15(s >> shift, m);
    s += line[mirror(y + r + 1, n)] - line[mirror(y - r, n)];
  }
  return out;
}

/** The [c1, 256 - 2·c1, c1] / 256 kernel over a line (rounded), edge samples repeated. */
export function tap3Line(line: Uint8Array, c1: number): Uint8Array {
  const n = line.length;
  const out = new Uint8Array(n);
  const c0 = 256 - 2 * c1;
  for (let y = 0; y < n; y++) {
    const acc = c1 * (line[mirror(y - 1, n)] + line[mirror(y + 1, n)]) + c0 * line[y] + 128;
    out[y] = acc >> 8;
  }
  return out;
}

function passLine(line: Uint8Array, pass: Pass): Uint8Array {
  return pass.kind === "box" ? boxLine(line, pass.radius) : tap3Line(line, pass.c1);
}

/** Every pass along each row, then every pass along each column. */
export function separable(
  plane: Uint8Array,
  w: number,
  h: number,
  passes: readonly Pass[],
): Uint8Array {
  const tmp = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let line: Uint8Array = plane.slice(y * w, y * w + w);
    for (const p of passes) line = passLine(line, p);
    tmp.set(line, y * w);
  }
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    let line: Uint8Array = new Uint8Array(h);
    for (let y = 0; y < h; y++) line[y] = tmp[y * w + x];
    for (const p of passes) line = passLine(line, p);
    for (let y = 0; y < h; y++) out[y * w + x] = line[y];
  }
  return out;
}

/** dst[x·h + y] = src[y·w + x]. */
export function transpose(plane: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = plane[y * w + x];
  return out;
}

/** Maps every byte through `f`. */
export function map(bytes: Uint8Array, f: (x: number) => number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = f(bytes[i]);
  return out;
}

/** Applies a 3×3 function of the neighbourhood (ffmpeg border rule) to every sample. */
export function neighbourhood(
  plane: Uint8Array,
  w: number,
  h: number,
  f: (at: (dx: number, dy: number) => number) => number,
): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = (dx: number, dy: number) => plane[reflect3(y + dy, h) * w + reflect3(x + dx, w)];
      out[y * w + x] = f(at);
    }
  }
  return out;
}

/** Saturates to a signed 16-bit value. */
function sat16(v: number): number {
  return Math.min(32767, Math.max(-32768, v));
}

/**
 * The R, G and B of a luma sample with its block's chroma, in the fixed point of asm/rgb.ts
 * (BT.601 limited range; see that file for the formulas).
 */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = (y - 16) * 64;
  const d = (u - 128) * 64;
  const e = (v - 128) * 64;
  const y6 = c + q15(c, 5374);
  const rt = e + q15(e, 19530);
  const gt = -(q15(e, 26640) + q15(d, 12845));
  const bt = 2 * d + q15(d, 557);
  const ch = (t: number) => clamp8(sat16(sat16(y6 + t) + 32) >> 6);
  return [ch(rt), ch(gt), ch(bt)];
}

/**
 * An operation on R, G and B applied to a yuv420p frame as asm/rgb.ts does: every luma sample
 * through `op` with its block's chroma, back to luma; each block's chroma from the mean of its
 * results, a block cut by an odd last column or row repeating its edge pixel.
 */
export function rgbOperation(
  frame: ReferenceFrame,
  op: (r: number, g: number, b: number) => [number, number, number],
): Planes {
  const { width: w, height: h, chromaWidth: cw, chromaHeight: ch } = frame;
  const y = new Uint8Array(w * h);
  const rgb = new Array<[number, number, number]>(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const c = (j >> 1) * cw + (i >> 1);
      const [r, g, b] = op(...yuvToRgb(frame.y[j * w + i], frame.u[c], frame.v[c]));
      rgb[j * w + i] = [r, g, b];
      y[j * w + i] = (66 * r + 129 * g + 25 * b + 4224) >> 8;
    }
  }
  const u = new Uint8Array(cw * ch);
  const v = new Uint8Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const sum = [0, 0, 0];
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const px = rgb[Math.min(h - 1, 2 * cy + dy) * w + Math.min(w - 1, 2 * cx + dx)];
        for (let k = 0; k < 3; k++) sum[k] += px[k];
      }
      const [r, g, b] = sum.map((s) => (s + 2) >> 2);
      u[cy * cw + cx] = clamp8(((112 * b - 38 * r - 74 * g + 128) >> 8) + 128);
      v[cy * cw + cx] = clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
  }
  return { y, u, v };
}
