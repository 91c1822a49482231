/**
 * Resampling along columns, the kernel of `scale`: every output row is a weighted sum of
 * `taps` consecutive input rows, with 14-bit integer weights (they sum to 16384), rounded and
 * clamped to 0..255. Rows are processed 16 samples at a time (four i32x4 accumulators); the
 * horizontal direction runs as this pass on a transposed plane.
 */

/**
 * dst (w × oh, row stride ds) from src (w × h, row stride ss): for output row y, with
 * s = starts[y] (i32 at `starts`) and c = the `taps` weights of row y (i16 at
 * `coefs + 2·taps·y`), dst[y][x] = clamp((Σ_t c[t] · src[s + t][x] + 8192) >> 14). Every
 * s + taps ≤ h. src and dst must not overlap.
 */
export function scaleV(
  src: usize,
  ss: i32,
  dst: usize,
  ds: i32,
  w: i32,
  oh: i32,
  taps: i32,
  starts: usize,
  coefs: usize,
): void {
  const S = <usize> ss;
  const W = <usize> w;
  const T = <usize> taps;
  const vec = W & ~15;
  const round = i32x4.splat(8192);
  for (let y: usize = 0; y < <usize> oh; y++) {
    const first = src + <usize> load<i32>(starts + y * 4) * S;
    const c = coefs + y * T * 2;
    const out = dst + y * <usize> ds;
    for (let x: usize = 0; x < vec; x += 16) {
      let a0 = round;
      let a1 = round;
      let a2 = round;
      let a3 = round;
      let row = first + x;
      for (let t: usize = 0; t < T; t++) {
        const k = i16x8.splat(load<i16>(c + t * 2));
        const p = v128.load(row);
        const lo = i16x8.extend_low_i8x16_u(p);
        const hi = i16x8.extend_high_i8x16_u(p);
        a0 = i32x4.add(a0, i32x4.extmul_low_i16x8_s(lo, k));
        a1 = i32x4.add(a1, i32x4.extmul_high_i16x8_s(lo, k));
        a2 = i32x4.add(a2, i32x4.extmul_low_i16x8_s(hi, k));
        a3 = i32x4.add(a3, i32x4.extmul_high_i16x8_s(hi, k));
        row += S;
      }
      const l = i16x8.narrow_i32x4_s(i32x4.shr_s(a0, 14), i32x4.shr_s(a1, 14));
      const h = i16x8.narrow_i32x4_s(i32x4.shr_s(a2, 14), i32x4.shr_s(a3, 14));
      v128.store(out + x, i8x16.narrow_i16x8_u(l, h));
    }
    for (let x = vec; x < W; x++) {
      let acc: i32 = 8192;
      let row = first + x;
      for (let t: usize = 0; t < T; t++) {
        acc += <i32> load<i16>(c + t * 2) * <i32> load<u8>(row);
        row += S;
      }
      acc >>= 14;
      store<u8>(out + x, <u8> (acc < 0 ? 0 : acc > 255 ? 255 : acc));
    }
  }
}
