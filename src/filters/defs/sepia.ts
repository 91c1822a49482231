/** `sepia`: old-photograph brown tone, computed from the luma. */
import { defineFilter } from "../filter_module.ts";
import { clamp8, map, q15 } from "../reference_kernels.ts";

/** Fixed-point constants of sepia (see asm/sepia.ts for the formula). */
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

/**
 * The constants of sepia: the colorchannelmixer sepia rows summed (what they do to grey) in Q7,
 * BT.601 luma weights and the limited-range chroma scales (224/219 / 1.772 and / 1.402) in Q15,
 * and the Q7 cap of 219 (white).
 */
export const SEPIA: Readonly<SepiaConstants> = Object.freeze({
  kR: Math.round((0.393 + 0.769 + 0.189) * 128),
  kG: Math.round((0.349 + 0.686 + 0.168) * 128),
  kB: Math.round((0.272 + 0.534 + 0.131) * 128),
  wR: Math.round(0.299 * 32768),
  wG: Math.round(0.587 * 32768),
  wB: Math.round(0.114 * 32768),
  cap: 219 * 128,
  cU: Math.round((224 / 219 / 1.772) * 32768),
  cV: Math.round((224 / 219 / 1.402) * 32768),
});

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

/** Reference of the `sepiaLuma` kernel on one sample. */
export function sepiaLumaSample(y: number, s: SepiaConstants): number {
  return 16 + ((sepiaRgb(y, s).yq + 64) >> 7);
}

/** Reference of the `sepiaChroma` kernel: the U and V planes from the w × h luma plane. */
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

/** Sepia: chroma from each 2×2 luma block first (it reads the luma), then the luma in place. */
export const sepia = defineFilter({
  name: "sepia",
  description: "Old-photograph brown tone.",
  params: [],
  ffmpeg: "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131",
  planes: "Y, U and V all derived from the luma: the sepia matrix applied to the grey of each " +
    "sample (BT.601, limited range), chroma from the mean of the 2×2 luma block it covers.",
  differences: "Computed from luma alone: the input's colours are discarded (colorchannelmixer's " +
    "rows are close to luma weights, so the difference is small). Luma is brightened ~22% and " +
    "highlights clip, as with the ffmpeg preset.",
  kernels: ["sepiaChroma", "sepiaLuma"],
  inPlace: true,
  wasm({ k, src, frame: f }) {
    const s = SEPIA;
    k.sepiaChroma(
      src,
      src + f.uOffset,
      src + f.vOffset,
      f.width,
      f.height,
      s.kR,
      s.kG,
      s.kB,
      s.wR,
      s.wG,
      s.wB,
      s.cap,
      s.cU,
      s.cV,
    );
    k.sepiaLuma(src, f.ySize, s.kR, s.kG, s.kB, s.wR, s.wG, s.wB, s.cap);
  },
  reference(frame) {
    const [u, v] = sepiaChroma(frame.y, frame.width, frame.height, SEPIA);
    return { y: map(frame.y, (x) => sepiaLumaSample(x, SEPIA)), u, v };
  },
  examples: ["sepia"],
});
