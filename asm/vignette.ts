/**
 * ffmpeg's vignette on a yuv420p frame, in place (libavfilter/vf_vignette.c, eval=init): each
 * sample is scaled by the lens factor of its luma position (chroma: of the top-left luma sample of
 * its block, around 127), ffmpeg's float and double arithmetic kept lane for lane:
 *   xx = trunc(x - x0), yy = trunc((y - y0) · yscale), d = sqrt(xx² + yy²) / dmax,
 *   f = d > 1 ? 0 : float(cos(angle · d)^4)   (1 / f, as a float, when backward)
 *   Y' = clip(trunc(float(f · Y) + dv)),  C' = clip(trunc(float(float(f · (C - 127)) + 127) + dv))
 * where dv is ffmpeg's dither, state / 2^32 of the LCG state·1664525 + 1013904223 started at 0 on
 * the frame's first sample (Y, then U, then V, row by row), or 0 without dither. (A value that
 * does not fit an int becomes 0, as x86's conversion does.) cos is fdlibm's kernel.
 *
 * The factor depends on |xx| and |yy| only: for each distinct |yy| the factors of the distinct
 * |xx| of a row are computed once (two lanes of f64), into g, and every row with that |yy| reads
 * them, forwards right of x0 and backwards left of it.
 */

// fdlibm's __kernel_cos and __kernel_sin coefficients.
const C1: f64 = 4.16666666666666019037e-02;
const C2: f64 = -1.38888888888741095749e-03;
const C3: f64 = 2.48015872894767294178e-05;
const C4: f64 = -2.75573143513906633035e-07;
const C5: f64 = 2.08757232129817482790e-09;
const C6: f64 = -1.13596475577881948265e-11;
const S1: f64 = -1.66666666666666324348e-01;
const S2: f64 = 8.33333333332248946124e-03;
const S3: f64 = -1.98412698298579493134e-04;
const S4: f64 = 2.75573137070700676789e-06;
const S5: f64 = -2.50507602534068634195e-08;
const S6: f64 = 1.58969099521155010221e-10;
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11;
const PIO4: f64 = 0.7853981633974483;

// The dither LCG: state' = state · A + C (mod 2^32).
const LCG_A: u32 = 1664525;
const LCG_C: u32 = 1013904223;

class V {
  @inline
  static s(x: f64): v128 {
    return f64x2.splat(x);
  }

  /** fdlibm __kernel_cos(x, 0) for 0 ≤ x ≤ π/4, on two lanes. */
  @inline
  static kcos(x: v128): v128 {
    const z = f64x2.mul(x, x);
    let r = f64x2.add(V.s(C5), f64x2.mul(z, V.s(C6)));
    r = f64x2.add(V.s(C4), f64x2.mul(z, r));
    r = f64x2.add(V.s(C3), f64x2.mul(z, r));
    r = f64x2.add(V.s(C2), f64x2.mul(z, r));
    r = f64x2.add(V.s(C1), f64x2.mul(z, r));
    r = f64x2.mul(z, r);
    const zr = f64x2.mul(z, r);
    const hz0 = f64x2.mul(V.s(0.5), z);
    // |x| < 0.3 (high word below 0x3FD33333): 1 - (z/2 - z·r).
    const small = f64x2.sub(V.s(1), f64x2.sub(hz0, zr));
    // Otherwise qx = 0.28125 above 0.78125, else x/4 with its low word cleared.
    const quarter = v128.and(f64x2.mul(x, V.s(0.25)), i64x2.splat(0xffffffff00000000));
    const big = f64x2.ge(x, V.s(reinterpret<f64>(0x3fe9000100000000)));
    const qx = v128.bitselect(V.s(0.28125), quarter, big);
    const hz = f64x2.sub(hz0, qx);
    const a = f64x2.sub(V.s(1), qx);
    const large = f64x2.sub(a, f64x2.sub(hz, zr));
    return v128.bitselect(small, large, f64x2.lt(x, V.s(reinterpret<f64>(0x3fd3333300000000))));
  }

  /** fdlibm __kernel_sin(x, 0, 0) on two lanes. */
  @inline
  static ksin(x: v128): v128 {
    const z = f64x2.mul(x, x);
    const v = f64x2.mul(z, x);
    let r = f64x2.add(V.s(S5), f64x2.mul(z, V.s(S6)));
    r = f64x2.add(V.s(S4), f64x2.mul(z, r));
    r = f64x2.add(V.s(S3), f64x2.mul(z, r));
    r = f64x2.add(V.s(S2), f64x2.mul(z, r));
    return f64x2.add(x, f64x2.mul(v, f64x2.add(V.s(S1), f64x2.mul(z, r))));
  }

  /** cos(t) for 0 ≤ t ≤ π/2 (a little more): the cos kernel, or sin of π/2 - t above π/4. */
  @inline
  static cos(t: v128): v128 {
    const d = f64x2.add(f64x2.sub(V.s(PIO2_1), t), V.s(PIO2_1T));
    return v128.bitselect(V.kcos(t), V.ksin(d), f64x2.le(t, V.s(PIO4)));
  }
}

/** The LCG state after n steps from 0. */
function lcgAt(n: u32): u32 {
  let mult: u32 = 1;
  let plus: u32 = 0;
  let curMult = LCG_A;
  let curPlus = LCG_C;
  while (n > 0) {
    if (n & 1) {
      mult *= curMult;
      plus = plus * curMult + curPlus;
    }
    curPlus = (curMult + 1) * curPlus;
    curMult *= curMult;
    n >>= 1;
  }
  return plus;
}

/**
 * The factors of |xx| = a0 .. a0 + n - 1 on a row with yy, as floats at g (ffmpeg's
 * get_natural_factor, and 1 / it when backward).
 */
function factors(
  g: usize,
  a0: i32,
  n: i32,
  yy: f64,
  angle: f64,
  dmax: f64,
  backward: bool,
): void {
  const yy2 = V.s(yy * yy);
  const one = V.s(1);
  for (let i = 0; i < n; i += 2) {
    const a = f64x2.convert_low_i32x4_s(i32x4(a0 + i, a0 + i + 1, 0, 0));
    const d = f64x2.div(f64x2.sqrt(f64x2.add(f64x2.mul(a, a), yy2)), V.s(dmax));
    const c = V.cos(f64x2.mul(V.s(angle), d));
    const c2 = f64x2.mul(c, c);
    let f = v128.andnot(f64x2.mul(c2, c2), f64x2.gt(d, one));
    if (backward) f = f64x2.div(one, f);
    v128.store64_lane(g + (<usize> i << 2), f32x4.demote_f64x2_zero(f), 0);
  }
}

/**
 * Scales n samples at p by the factors fac(i) (i = 0 .. n - 1), rounding as ffmpeg does; the
 * dither state of the first sample is *state, left at the state after the last one.
 */
function scaleRun(
  p: usize,
  n: i32,
  g: usize,
  start: i32,
  step: i32,
  chroma: bool,
  dither: bool,
  state: u32,
): u32 {
  // Factor i is g[start + step · i] (step ±1 for luma, ±2 for chroma).
  let i = 0;
  const A2: u32 = LCG_A * LCG_A;
  const A3: u32 = A2 * LCG_A;
  const A4: u32 = A3 * LCG_A;
  const C2: u32 = LCG_C * (LCG_A + 1);
  const C3: u32 = LCG_C * (A2 + LCG_A + 1);
  const C4: u32 = LCG_C * (A3 + A2 + LCG_A + 1);
  const mults = i32x4(1, <i32> LCG_A, <i32> A2, <i32> A3);
  const adds = i32x4(0, <i32> LCG_C, <i32> C2, <i32> C3);
  const scale = V.s(1.0 / 4294967296.0);
  const limitF = f32x4.splat(2147483648.0);
  const limitD = V.s(2147483648.0);
  for (; i + 4 <= n; i += 4) {
    const k = start + step * i;
    let f: v128;
    if (step == 1) {
      f = v128.load(g + (<usize> k << 2));
    } else if (step == -1) {
      const r = v128.load(g + (<usize> (k - 3) << 2));
      f = i32x4.shuffle(r, r, 3, 2, 1, 0);
    } else if (step == 2) {
      const a = v128.load(g + (<usize> k << 2));
      const b = v128.load(g + (<usize> (k + 4) << 2));
      f = i32x4.shuffle(a, b, 0, 2, 4, 6);
    } else {
      const a = v128.load(g + (<usize> (k - 7) << 2));
      const b = v128.load(g + (<usize> (k - 3) << 2));
      f = i32x4.shuffle(b, a, 3, 1, 7, 5);
    }
    const s = f32x4.convert_i32x4_u(
      i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p + <usize> i))),
    );
    const x = chroma
      ? f32x4.add(f32x4.mul(f, f32x4.sub(s, f32x4.splat(127))), f32x4.splat(127))
      : f32x4.mul(f, s);
    let r: v128;
    if (dither) {
      const st = i32x4.add(i32x4.mul(i32x4.splat(<i32> state), mults), adds);
      state = state * A4 + C4;
      const dLo = f64x2.mul(f64x2.convert_low_i32x4_u(st), scale);
      const dHi = f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(st, st, 2, 3, 0, 1)), scale);
      const xLo = f64x2.add(f64x2.promote_low_f32x4(x), dLo);
      const xHi = f64x2.add(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), dHi);
      // The comparisons give 64-bit masks: their 32-bit halves 0 and 2 go with lanes 0 and 1.
      const mLo = f64x2.ge(xLo, limitD);
      const mHi = f64x2.ge(xHi, limitD);
      const rLo = v128.andnot(
        i32x4.trunc_sat_f64x2_s_zero(xLo),
        i32x4.shuffle(mLo, mLo, 0, 2, 0, 2),
      );
      const rHi = v128.andnot(
        i32x4.trunc_sat_f64x2_s_zero(xHi),
        i32x4.shuffle(mHi, mHi, 0, 2, 0, 2),
      );
      r = i32x4.shuffle(rLo, rHi, 0, 1, 4, 5);
    } else {
      r = v128.andnot(i32x4.trunc_sat_f32x4_s(x), f32x4.ge(x, limitF));
    }
    const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r, r), i16x8.splat(0));
    v128.store32_lane(p + <usize> i, bytes, 0);
  }
  for (; i < n; i++) {
    const f = load<f32>(g + (<usize> (start + step * i) << 2));
    const s = <f32> load<u8>(p + <usize> i);
    const x: f32 = chroma ? f * (s - 127) + 127 : f * s;
    let v: f64 = <f64> x;
    if (dither) {
      v += <f64> state / 4294967296.0;
      state = state * LCG_A + LCG_C;
    }
    let q = v >= 2147483648.0 || !(v > -2147483649.0) ? 0 : <i32> v;
    q = q < 0 ? 0 : q > 255 ? 255 : q;
    store<u8>(p + <usize> i, <u8> q);
  }
  return state;
}

/**
 * Scales one row of n samples at p (luma or chroma, of the picture's columns x = 0, s, 2s…
 * with s the column step) by the factors in g, which hold |xx| = amin, amin + 1…
 */
function scaleRow(
  p: usize,
  n: i32,
  s: i32,
  fx0: i32,
  cx0: i32,
  amin: i32,
  g: usize,
  chroma: bool,
  dither: bool,
  first: u32,
): void {
  let state = dither ? lcgAt(first) : 0;
  // Samples left of x0: column c = s·i, |xx| = fx0 - c; right of it: c - cx0.
  const split = cx0 <= 0 ? 0 : min(n, (cx0 + s - 1) / s);
  if (split > 0) state = scaleRun(p, split, g, fx0 - amin, -s, chroma, dither, state);
  if (split < n) {
    scaleRun(p + <usize> split, n - split, g, s * split - cx0 - amin, s, chroma, dither, state);
  }
}

/** yy of row y: trunc((y - y0) · yscale), kept within ±2^30 (far outside any frame). */
function rowYy(y: i32, y0: f64, yscale: f64): i32 {
  const v = (<f64> y - y0) * yscale;
  return v >= 1073741824.0 ? 1073741824 : v <= -1073741824.0 ? -1073741824 : <i32> v;
}

export function vignette(
  p: usize,
  w: i32,
  h: i32,
  uOffset: i32,
  vOffset: i32,
  x0: f64,
  y0: f64,
  yscale: f64,
  angle: f64,
  dmax: f64,
  backward: i32,
  dither: i32,
  g: usize,
): void {
  const cw = (w + 1) >> 1;
  const fx0 = <i32> Math.floor(x0);
  const cx0 = <i32> Math.ceil(x0);
  // The |xx| a row covers: left of x0 from fx0 down, right of it from max(0, -cx0) up.
  let amin = i32.MAX_VALUE;
  let amax = i32.MIN_VALUE;
  if (cx0 > 0) {
    const last = min(w, cx0) - 1; // rightmost column left of x0
    amin = min(amin, fx0 - last);
    amax = max(amax, fx0);
  }
  if (cx0 < w) {
    const firstCol = max(0, cx0);
    amin = min(amin, firstCol - cx0);
    amax = max(amax, w - 1 - cx0);
  }
  const count = amax - amin + 1;
  // Rows in order of |yy|: from the first row at or below y0 down, and from the one above up.
  let split = 0;
  while (split < h && rowYy(split, y0, yscale) < 0) split++;
  let up = split - 1;
  let down = split;
  let current = -1;
  while (up >= 0 || down < h) {
    let y: i32;
    const yyUp = up >= 0 ? -rowYy(up, y0, yscale) : i32.MAX_VALUE;
    const yyDown = down < h ? rowYy(down, y0, yscale) : i32.MAX_VALUE;
    if (yyUp <= yyDown) y = up--;
    else y = down++;
    const yy = min(yyUp, yyDown);
    if (yy != current) {
      factors(g, amin, count, <f64> yy, angle, dmax, backward != 0);
      current = yy;
    }
    scaleRow(p + <usize> y * <usize> w, w, 1, fx0, cx0, amin, g, false, dither != 0, <u32> (y * w));
    if ((y & 1) == 0) {
      const cy = y >> 1;
      const at = cy * cw;
      const n0 = <u32> (w * h);
      const n1 = n0 + <u32> (cw * ((h + 1) >> 1));
      const d = dither != 0;
      scaleRow(p + <usize> (uOffset + at), cw, 2, fx0, cx0, amin, g, true, d, n0 + <u32> at);
      scaleRow(p + <usize> (vOffset + at), cw, 2, fx0, cx0, amin, g, true, d, n1 + <u32> at);
    }
  }
}
