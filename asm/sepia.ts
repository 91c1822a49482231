/**
 * Sepia tone from luma: the colorchannelmixer sepia matrix applied to the grey of each sample's
 * luma, in fixed point. With L = clamp(Y, 16, 235) - 16 (0..219):
 *   r = min(L·kR, cap), g = min(L·kG, cap), b = min(L·kB, cap)      (Q7, cap = 219·128)
 *   yq = q15(r, wR) + q15(g, wG) + q15(b, wB)                          (q15(a,m) = (a·m + 2^14) >> 15)
 *   Y' = 16 + ((yq + 64) >> 7)
 *   U' = 128 + ((q15(b - yq, cU) + 64) >> 7),  V' = 128 + ((q15(r - yq, cV) + 64) >> 7)
 * Chroma uses the rounded mean of the 2×2 luma block it covers (edge samples repeated).
 */

class S {
  @inline
  static level(y: v128): v128 {
    return i16x8.sub(
      i16x8.min_u(i16x8.max_u(y, i16x8.splat(16)), i16x8.splat(235)),
      i16x8.splat(16),
    );
  }
}

/** Luma part, in place on the n samples at p. k = [kR, kG, kB], w = [wR, wG, wB]. */
export function sepiaLuma(
  p: usize,
  n: i32,
  kR: i32,
  kG: i32,
  kB: i32,
  wR: i32,
  wG: i32,
  wB: i32,
  cap: i32,
): void {
  const N = <usize> n;
  const full = N & ~7;
  const vkR = i16x8.splat(<i16> kR);
  const vkG = i16x8.splat(<i16> kG);
  const vkB = i16x8.splat(<i16> kB);
  const vwR = i16x8.splat(<i16> wR);
  const vwG = i16x8.splat(<i16> wG);
  const vwB = i16x8.splat(<i16> wB);
  const vcap = i16x8.splat(<i16> cap);
  const r64 = i16x8.splat(64);
  const o16 = i16x8.splat(16);
  for (let i: usize = 0; i < full; i += 8) {
    const l = S.level(v128.load8x8_u(p + i));
    const r = i16x8.min_u(i16x8.mul(l, vkR), vcap);
    const g = i16x8.min_u(i16x8.mul(l, vkG), vcap);
    const b = i16x8.min_u(i16x8.mul(l, vkB), vcap);
    const yq = i16x8.add(
      i16x8.add(i16x8.q15mulr_sat_s(r, vwR), i16x8.q15mulr_sat_s(g, vwG)),
      i16x8.q15mulr_sat_s(b, vwB),
    );
    const y = i16x8.add(i16x8.shr_s(i16x8.add(yq, r64), 7), o16);
    v128.store64_lane(p + i, i8x16.narrow_i16x8_u(y, y), 0);
  }
  for (let i = full; i < N; i++) {
    let l = <i32> load<u8>(p + i);
    l = (l < 16 ? 16 : l > 235 ? 235 : l) - 16;
    const r = min(l * kR, cap);
    const g = min(l * kG, cap);
    const b = min(l * kB, cap);
    const yq = ((r * wR + 0x4000) >> 15) + ((g * wG + 0x4000) >> 15) + ((b * wB + 0x4000) >> 15);
    store<u8>(p + i, <u8> (16 + ((yq + 64) >> 7)));
  }
}

function clamp8(v: i32): u8 {
  return <u8> (v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * Chroma part: writes the U and V planes (cw × ch at u and v) from the w × h luma at y, which
 * must still hold the input luma. k, w and cap as for sepiaLuma; cU and cV scale b - yq and r - yq.
 */
export function sepiaChroma(
  y: usize,
  u: usize,
  v: usize,
  w: i32,
  h: i32,
  kR: i32,
  kG: i32,
  kB: i32,
  wR: i32,
  wG: i32,
  wB: i32,
  cap: i32,
  cU: i32,
  cV: i32,
): void {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const W = <usize> w;
  // Vector columns: 8 chroma samples need 16 luma samples inside the row.
  const vecEnd = (w >> 4) << 3;
  const vkR = i16x8.splat(<i16> kR);
  const vkG = i16x8.splat(<i16> kG);
  const vkB = i16x8.splat(<i16> kB);
  const vwR = i16x8.splat(<i16> wR);
  const vwG = i16x8.splat(<i16> wG);
  const vwB = i16x8.splat(<i16> wB);
  const vcU = i16x8.splat(<i16> cU);
  const vcV = i16x8.splat(<i16> cV);
  const vcap = i16x8.splat(<i16> cap);
  const r64 = i16x8.splat(64);
  const two = i16x8.splat(2);
  const o128 = i16x8.splat(128);
  for (let cy = 0; cy < ch; cy++) {
    const y0 = y + <usize> (cy << 1) * W;
    const y1 = y + <usize> min((cy << 1) + 1, h - 1) * W;
    const uo = u + <usize> cy * <usize> cw;
    const vo = v + <usize> cy * <usize> cw;
    for (let cx = 0; cx < vecEnd; cx += 8) {
      const x = <usize> (cx << 1);
      const sum = i16x8.add(
        i16x8.extadd_pairwise_i8x16_u(v128.load(y0 + x)),
        i16x8.extadd_pairwise_i8x16_u(v128.load(y1 + x)),
      );
      const l = S.level(i16x8.shr_u(i16x8.add(sum, two), 2));
      const r = i16x8.min_u(i16x8.mul(l, vkR), vcap);
      const g = i16x8.min_u(i16x8.mul(l, vkG), vcap);
      const b = i16x8.min_u(i16x8.mul(l, vkB), vcap);
      const yq = i16x8.add(
        i16x8.add(i16x8.q15mulr_sat_s(r, vwR), i16x8.q15mulr_sat_s(g, vwG)),
        i16x8.q15mulr_sat_s(b, vwB),
      );
      const cu = i16x8.add(
        i16x8.shr_s(i16x8.add(i16x8.q15mulr_sat_s(i16x8.sub(b, yq), vcU), r64), 7),
        o128,
      );
      const cv = i16x8.add(
        i16x8.shr_s(i16x8.add(i16x8.q15mulr_sat_s(i16x8.sub(r, yq), vcV), r64), 7),
        o128,
      );
      const out = i8x16.narrow_i16x8_u(cu, cv);
      v128.store64_lane(uo + <usize> cx, out, 0);
      v128.store64_lane(vo + <usize> cx, out, 1);
    }
    for (let cx = vecEnd; cx < cw; cx++) {
      const x0 = <usize> (cx << 1);
      const x1 = <usize> min((cx << 1) + 1, w - 1);
      const s = <i32> load<u8>(y0 + x0) + <i32> load<u8>(y0 + x1) + <i32> load<u8>(y1 + x0) +
        <i32> load<u8>(y1 + x1);
      let l = (s + 2) >> 2;
      l = (l < 16 ? 16 : l > 235 ? 235 : l) - 16;
      const r = min(l * kR, cap);
      const g = min(l * kG, cap);
      const b = min(l * kB, cap);
      const yq = ((r * wR + 0x4000) >> 15) + ((g * wG + 0x4000) >> 15) +
        ((b * wB + 0x4000) >> 15);
      const du = ((b - yq) * cU + 0x4000) >> 15;
      const dv = ((r - yq) * cV + 0x4000) >> 15;
      store<u8>(uo + <usize> cx, clamp8(128 + ((du + 64) >> 7)));
      store<u8>(vo + <usize> cx, clamp8(128 + ((dv + 64) >> 7)));
    }
  }
}
