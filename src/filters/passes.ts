/**
 * The passes of the separable filters (blur, boxblur, sharpen) and the integer constants of a box
 * pass, shared by the wasm kernels' host code and the TypeScript reference so both compute the
 * same thing. Pure.
 */

/** A box pass (window 2·radius+1) or a [c1, 256-2·c1, c1]/256 three-tap pass, in one direction. */
export type Pass =
  | { kind: "box"; radius: number }
  | { kind: "tap3"; c1: number };

/**
 * The passes, in one direction, that approximate a Gaussian of standard deviation `sigma`:
 * - sigma² < 2/3: one three-tap pass with c1 = round(128·sigma²) (variance 2·c1/256 ≈ sigma²),
 *   none when c1 rounds to 0;
 * - otherwise three box passes with odd widths wl and wl+2 chosen as in Kutskir's "fastest
 *   Gaussian blur" so their total variance is closest to sigma²; width-1 boxes are dropped.
 */
export function gaussianPasses(sigma: number): Pass[] {
  if (!(sigma > 0)) throw new RangeError(`sigma must be > 0, got ${sigma}`);
  const v = sigma * sigma;
  if (v < 2 / 3) {
    const c1 = Math.round(128 * v);
    return c1 > 0 ? [{ kind: "tap3", c1 }] : [];
  }
  const n = 3;
  let wl = Math.floor(Math.sqrt((12 * v) / n + 1));
  if (wl % 2 === 0) wl--;
  const wu = wl + 2;
  const mIdeal = (12 * v - n * wl * wl - 4 * n * wl - 3 * n) / (-4 * wl - 4);
  const m = Math.min(n, Math.max(0, Math.round(mIdeal)));
  const passes: Pass[] = [];
  for (let i = 0; i < n; i++) {
    const w = i < m ? wl : wu;
    if (w > 1) passes.push({ kind: "box", radius: (w - 1) / 2 });
  }
  return passes;
}

/** How a box pass turns a window sum S into a mean: q15(S >> shift, m), see boxNormaliser. */
export interface BoxNormaliser {
  shift: number;
  m: number;
}

const normalisers = new Map<number, BoxNormaliser>();

/**
 * The box mean of the kernels, for a window of `len` = 2·radius+1 samples (3 ≤ len ≤ 257):
 * mean = (((S >> shift) · m) + 2^14) >> 15 (one i16x8.q15mulr_sat_s), with shift = 1 when
 * len > 128 (so S >> shift fits in 15 bits) else 0. m is chosen near 2^(15+shift)/len:
 * - first, an m that reproduces ffmpeg boxblur's (S · inv + 2^15) >> 16 (inv =
 *   floor((2^16 + floor(len/2)) / len)) for every possible sum, when one exists (all windows up
 *   to 11 samples, 40 of the 128 window sizes);
 * - otherwise one for which every flat window (S = v·len) gives back v; such means are within
 *   1 of round(S / len).
 */
export function boxNormaliser(len: number): BoxNormaliser {
  if (!Number.isInteger(len) || len < 3 || len > 257 || len % 2 === 0) {
    throw new RangeError(`box window must be an odd integer in [3, 257], got ${len}`);
  }
  const cached = normalisers.get(len);
  if (cached) return cached;
  const shift = len > 128 ? 1 : 0;
  const mean = (s: number, m: number) => Math.floor(((s >> shift) * m + 16384) / 32768);
  const centre = Math.round(2 ** (15 + shift) / len);
  const candidates = [0, -1, 1, -2, 2, -3, 3].map((d) => centre + d).filter((m) => m <= 32767);
  const inv = Math.floor((65536 + Math.floor(len / 2)) / len);
  const matchesFfmpeg = (m: number) => {
    for (let s = 0; s <= 255 * len; s++) {
      if (mean(s, m) !== Math.floor((s * inv + 32768) / 65536)) return false;
    }
    return true;
  };
  const keepsFlat = (m: number) => {
    for (let v = 0; v < 256; v++) if (mean(v * len, m) !== v) return false;
    return true;
  };
  const m = candidates.find(matchesFfmpeg) ?? candidates.find(keepsFlat) ?? centre;
  const result = Object.freeze({ shift, m });
  normalisers.set(len, result);
  return result;
}

/** `passes` box passes of `radius` in one direction; none when either is 0. */
export function boxPasses(radius: number, passes: number): Pass[] {
  if (radius === 0 || passes === 0) return [];
  return Array.from({ length: passes }, () => ({ kind: "box" as const, radius }));
}

/** The variance, in one direction, of a list of passes (used to report the effective sigma). */
export function passVariance(passes: readonly Pass[]): number {
  let v = 0;
  for (const p of passes) {
    if (p.kind === "box") v += ((2 * p.radius + 1) ** 2 - 1) / 12;
    else v += (2 * p.c1) / 256;
  }
  return v;
}
