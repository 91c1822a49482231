/**
 * ffmpeg's unsharp filter on one plane (libavfilter/vf_unsharp.c): a binomial blur of
 * (2·sx + 1) × (2·sy + 1) samples, edge samples repeated, then
 * out = clamp(x + (((x - ((sum + half) >> bits)) · amount) >> 16)) with bits = 2·(sx + sy),
 * half = 2^(bits - 1) and amount = trunc(float(amount) · 2^16). ffmpeg sums with its cascade of
 * [1, 1] passes; the sums are integers, so any order gives the same result. Here each output row
 * is one vertical pass (the window's rows weighted by C(2·sy, j)) into a row of sums, padded at
 * both ends with its edge sums, then one horizontal pass over that row weighted by C(2·sx, i).
 *
 * Sums fit 16 bits when sx + sy ≤ 4 (255 · 2^8 < 2^16): eight lanes per vector; otherwise 32 bits
 * (ffmpeg caps sx + sy at 12: 255 · 2^24 + 2^23 < 2^32).
 */

/** Small steps of unsharpPlane, inlined. */
class U {
  @inline
  static clampRow(y: i32, h: i32): i32 {
    return y < 0 ? 0 : y >= h ? h - 1 : y;
  }

  /** out = clamp(x + (((x - blur) · amount) >> 16)) for 4 lanes of i32. */
  @inline
  static combine4(x: v128, blur: v128, amount: v128): v128 {
    return i32x4.add(x, i32x4.shr_s(i32x4.mul(i32x4.sub(x, blur), amount), 16));
  }

  /** The scalar form of the whole computation for one sample, from its blurred sum. */
  @inline
  static combine1(x: i32, sum: u32, half: u32, bits: u32, amount: i32): u8 {
    const blur = <i32> ((sum + half) >> bits);
    const v = x + (((x - blur) * amount) >> 16);
    return <u8> (v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

/** Vertical sums of row y into row (u16 entries, at index sx + x), edges padded. */
function verticalU16(src: usize, w: i32, h: i32, y: i32, sy: i32, sx: i32, row: usize): void {
  const W = <usize> w;
  const span = 2 * sy;
  let x: usize = 0;
  for (; x + 16 <= W; x += 16) {
    let lo = i16x8.splat(0);
    let hi = lo;
    let c = 1;
    for (let j = 0; j <= span; j++) {
      const a = v128.load(src + <usize> U.clampRow(y - sy + j, h) * W + x);
      const k = i16x8.splat(<i16> c);
      lo = i16x8.add(lo, i16x8.mul(i16x8.extend_low_i8x16_u(a), k));
      hi = i16x8.add(hi, i16x8.mul(i16x8.extend_high_i8x16_u(a), k));
      c = (c * (span - j)) / (j + 1);
    }
    const at = row + ((<usize> sx + x) << 1);
    v128.store(at, lo);
    v128.store(at + 16, hi);
  }
  for (; x < W; x++) {
    let s = 0;
    let c = 1;
    for (let j = 0; j <= span; j++) {
      s += c * <i32> load<u8>(src + <usize> U.clampRow(y - sy + j, h) * W + x);
      c = (c * (span - j)) / (j + 1);
    }
    store<u16>(row + ((<usize> sx + x) << 1), <u16> s);
  }
  const first = load<u16>(row + (<usize> sx << 1));
  const last = load<u16>(row + ((<usize> sx + W - 1) << 1));
  for (let i = 0; i < sx; i++) {
    store<u16>(row + (<usize> i << 1), first);
    store<u16>(row + ((<usize> sx + W + <usize> i) << 1), last);
  }
}

/** Vertical sums of row y into row (u32 entries, at index sx + x), edges padded. */
function verticalU32(src: usize, w: i32, h: i32, y: i32, sy: i32, sx: i32, row: usize): void {
  const W = <usize> w;
  const span = 2 * sy;
  let x: usize = 0;
  for (; x + 16 <= W; x += 16) {
    let s0 = i32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let c = 1;
    for (let j = 0; j <= span; j++) {
      const a = v128.load(src + <usize> U.clampRow(y - sy + j, h) * W + x);
      const k = i32x4.splat(c);
      const lo = i16x8.extend_low_i8x16_u(a);
      const hi = i16x8.extend_high_i8x16_u(a);
      s0 = i32x4.add(s0, i32x4.mul(i32x4.extend_low_i16x8_u(lo), k));
      s1 = i32x4.add(s1, i32x4.mul(i32x4.extend_high_i16x8_u(lo), k));
      s2 = i32x4.add(s2, i32x4.mul(i32x4.extend_low_i16x8_u(hi), k));
      s3 = i32x4.add(s3, i32x4.mul(i32x4.extend_high_i16x8_u(hi), k));
      c = (c * (span - j)) / (j + 1);
    }
    const at = row + ((<usize> sx + x) << 2);
    v128.store(at, s0);
    v128.store(at + 16, s1);
    v128.store(at + 32, s2);
    v128.store(at + 48, s3);
  }
  for (; x < W; x++) {
    let s: u32 = 0;
    let c = 1;
    for (let j = 0; j <= span; j++) {
      s += <u32> c * <u32> load<u8>(src + <usize> U.clampRow(y - sy + j, h) * W + x);
      c = (c * (span - j)) / (j + 1);
    }
    store<u32>(row + ((<usize> sx + x) << 2), s);
  }
  const first = load<u32>(row + (<usize> sx << 2));
  const last = load<u32>(row + ((<usize> sx + W - 1) << 2));
  for (let i = 0; i < sx; i++) {
    store<u32>(row + (<usize> i << 2), first);
    store<u32>(row + ((<usize> sx + W + <usize> i) << 2), last);
  }
}

/**
 * Unsharp mask of the w × h plane at src into dst (dst ≠ src), sums kept in row (at least
 * 4 · (w + 2 · sx) bytes). Odd matrix sizes 2·sx + 1 and 2·sy + 1 with sx + sy ≤ 12; amount in
 * 16.16 fixed point (0 copies the plane).
 */
export function unsharpPlane(
  src: usize,
  dst: usize,
  w: i32,
  h: i32,
  sx: i32,
  sy: i32,
  amount: i32,
  row: usize,
): void {
  const W = <usize> w;
  if (amount == 0) {
    memory.copy(dst, src, W * <usize> h);
    return;
  }
  const bits = <u32> (2 * (sx + sy));
  const half: u32 = 1 << (bits - 1);
  const span = 2 * sx;
  const vAmount = i32x4.splat(amount);
  const narrow = sx + sy <= 4;
  for (let y = 0; y < h; y++) {
    const line = src + <usize> y * W;
    const out = dst + <usize> y * W;
    let x: usize = 0;
    if (narrow) {
      verticalU16(src, w, h, y, sy, sx, row);
      const vHalf = i16x8.splat(<i16> half);
      for (; x + 16 <= W; x += 16) {
        let lo = i16x8.splat(0);
        let hi = lo;
        let c = 1;
        for (let i = 0; i <= span; i++) {
          const at = row + ((x + <usize> i) << 1);
          const k = i16x8.splat(<i16> c);
          lo = i16x8.add(lo, i16x8.mul(v128.load(at), k));
          hi = i16x8.add(hi, i16x8.mul(v128.load(at + 16), k));
          c = (c * (span - i)) / (i + 1);
        }
        const blurLo = i16x8.shr_u(i16x8.add(lo, vHalf), bits);
        const blurHi = i16x8.shr_u(i16x8.add(hi, vHalf), bits);
        const a = v128.load(line + x);
        const al = i16x8.extend_low_i8x16_u(a);
        const ah = i16x8.extend_high_i8x16_u(a);
        const r0 = U.combine4(
          i32x4.extend_low_i16x8_u(al),
          i32x4.extend_low_i16x8_u(blurLo),
          vAmount,
        );
        const r1 = U.combine4(
          i32x4.extend_high_i16x8_u(al),
          i32x4.extend_high_i16x8_u(blurLo),
          vAmount,
        );
        const r2 = U.combine4(
          i32x4.extend_low_i16x8_u(ah),
          i32x4.extend_low_i16x8_u(blurHi),
          vAmount,
        );
        const r3 = U.combine4(
          i32x4.extend_high_i16x8_u(ah),
          i32x4.extend_high_i16x8_u(blurHi),
          vAmount,
        );
        v128.store(
          out + x,
          i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)),
        );
      }
      for (; x < W; x++) {
        let s: u32 = 0;
        let c = 1;
        for (let i = 0; i <= span; i++) {
          s += <u32> c * <u32> load<u16>(row + ((x + <usize> i) << 1));
          c = (c * (span - i)) / (i + 1);
        }
        store<u8>(out + x, U.combine1(<i32> load<u8>(line + x), s, half, bits, amount));
      }
    } else {
      verticalU32(src, w, h, y, sy, sx, row);
      const vHalf = i32x4.splat(<i32> half);
      for (; x + 8 <= W; x += 8) {
        let s0 = i32x4.splat(0);
        let s1 = s0;
        let c = 1;
        for (let i = 0; i <= span; i++) {
          const at = row + ((x + <usize> i) << 2);
          const k = i32x4.splat(c);
          s0 = i32x4.add(s0, i32x4.mul(v128.load(at), k));
          s1 = i32x4.add(s1, i32x4.mul(v128.load(at + 16), k));
          c = (c * (span - i)) / (i + 1);
        }
        const b0 = i32x4.shr_u(i32x4.add(s0, vHalf), bits);
        const b1 = i32x4.shr_u(i32x4.add(s1, vHalf), bits);
        const a = i16x8.extend_low_i8x16_u(v128.load64_zero(line + x));
        const r0 = U.combine4(i32x4.extend_low_i16x8_u(a), b0, vAmount);
        const r1 = U.combine4(i32x4.extend_high_i16x8_u(a), b1, vAmount);
        const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r0, r1), i16x8.splat(0));
        v128.store64_lane(out + x, packed, 0);
      }
      for (; x < W; x++) {
        let s: u32 = 0;
        let c: u32 = 1;
        for (let i = 0; i <= span; i++) {
          s += c * load<u32>(row + ((x + <usize> i) << 2));
          c = (c * <u32> (span - i)) / <u32> (i + 1);
        }
        store<u8>(out + x, U.combine1(<i32> load<u8>(line + x), s, half, bits, amount));
      }
    }
  }
}
