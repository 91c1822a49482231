/**
 * Plain TypeScript reference kernels: the specification the SIMD WebAssembly kernels are
 * tested against, bit for bit. One sample at a time, no tricks. Used only by tests and by the
 * filters benchmark. Every function works on one plane (or a run of bytes) and returns a new
 * array, leaving its input alone.
 */
import { boxNormaliser, type Pass } from "../../src/filters/kernel_params.ts";

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

/** boxLine by its definition: the window sum recomputed for every sample (slow; for tests). */
export function boxLineNaive(line: Uint8Array, r: number): Uint8Array {
  const n = line.length;
  const out = new Uint8Array(n);
  const { m, shift } = boxNormaliser(2 * r + 1);
  for (let y = 0; y < n; y++) {
    let s = 0;
    for (let i = y - r; i <= y + r; i++) s += line[mirror(i, n)];
    out[y] = q15(s >> shift, m);
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

/** ffmpeg eq's linear path. */
export function eqLinearSample(x: number, contrast: number, brightness: number): number {
  return clamp8(((x * contrast) >> 12) + brightness);
}

/** ffmpeg hue's chroma gain (hue 0). */
export function chromaScaleSample(x: number, c: number): number {
  return clamp8((c * (x - 128) + 0x808000) >> 16);
}

/** Unsharp combine of one sample and its blurred value. */
export function unsharpSample(x: number, blurred: number, amount512: number): number {
  return clamp8(x + q15((x - blurred) * 64, amount512));
}

/** Sepia constants, as in kernel_params SEPIA. */
export interface SepiaConstants {
  kR: number;
  kG: number;
  kB: number;
  wR: number;
  wG: number;
  wB: number;
  cap: number;
  cU: number;
  cV: number;
}

/** Sepia's r, g, b (Q7) and yq for a luma value. */
export function sepiaRgb(
  luma: number,
  s: SepiaConstants,
): { r: number; g: number; b: number; yq: number } {
  const l = Math.min(235, Math.max(16, luma)) - 16;
  const r = Math.min(l * s.kR, s.cap);
  const g = Math.min(l * s.kG, s.cap);
  const b = Math.min(l * s.kB, s.cap);
  const yq = q15(r, s.wR) + q15(g, s.wG) + q15(b, s.wB);
  return { r, g, b, yq };
}

/** Sepia luma of one sample. */
export function sepiaLumaSample(y: number, s: SepiaConstants): number {
  return 16 + ((sepiaRgb(y, s).yq + 64) >> 7);
}

/** Sepia U and V planes from the w × h luma plane. */
export function sepiaChroma(
  luma: Uint8Array,
  w: number,
  h: number,
  s: SepiaConstants,
): [Uint8Array, Uint8Array] {
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const u = new Uint8Array(cw * ch);
  const v = new Uint8Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    const y0 = 2 * cy;
    const y1 = Math.min(2 * cy + 1, h - 1);
    for (let cx = 0; cx < cw; cx++) {
      const x0 = 2 * cx;
      const x1 = Math.min(2 * cx + 1, w - 1);
      const sum = luma[y0 * w + x0] + luma[y0 * w + x1] + luma[y1 * w + x0] + luma[y1 * w + x1];
      const { r, b, yq } = sepiaRgb((sum + 2) >> 2, s);
      u[cy * cw + cx] = clamp8(128 + ((q15(b - yq, s.cU) + 64) >> 7));
      v[cy * cw + cx] = clamp8(128 + ((q15(r - yq, s.cV) + 64) >> 7));
    }
  }
  return [u, v];
}

/** Applies a 3×3 function of the neighbourhood (ffmpeg border rule) to every sample. */
function neighbourhood(
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

/** Sobel magnitude: min(255, floor(sqrt(gx² + gy²))). */
export function sobel(plane: Uint8Array, w: number, h: number): Uint8Array {
  return neighbourhood(plane, w, h, (at) => {
    const gx = at(1, -1) - at(-1, -1) + 2 * (at(1, 0) - at(-1, 0)) + at(1, 1) - at(-1, 1);
    const gy = at(-1, 1) - at(-1, -1) + 2 * (at(0, 1) - at(0, -1)) + at(1, 1) - at(1, -1);
    return Math.min(255, Math.floor(Math.sqrt(gx * gx + gy * gy)));
  });
}

/** Emboss: clamp(-2·ul - uc - ml + mc + mr + dc + 2·dr). */
export function emboss(plane: Uint8Array, w: number, h: number): Uint8Array {
  return neighbourhood(plane, w, h, (at) =>
    clamp8(
      -2 * at(-1, -1) - at(0, -1) - at(-1, 0) + at(0, 0) + at(1, 0) + at(0, 1) + 2 * at(1, 1),
    ));
}

/** Block mean (rounded down) in b × b blocks from the top-left corner. */
export function pixelate(plane: Uint8Array, w: number, h: number, b: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y0 = 0; y0 < h; y0 += b) {
    for (let x0 = 0; x0 < w; x0 += b) {
      const y1 = Math.min(h, y0 + b);
      const x1 = Math.min(w, x0 + b);
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += plane[y * w + x];
      const n = (y1 - y0) * (x1 - x0);
      const avg = Math.floor(sum / n);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * w + x] = avg;
    }
  }
  return out;
}

/** Left-right mirror. */
export function hflip(plane: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = plane[y * w + w - 1 - x];
  return out;
}

/** Top-bottom mirror. */
export function vflip(plane: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = plane[(h - 1 - y) * w + x];
  }
  return out;
}
