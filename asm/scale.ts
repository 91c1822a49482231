/**
 * The kernels of `scale`: every output sample is a weighted sum of `taps` consecutive input
 * samples, with 14-bit integer weights (they sum to 16384), rounded and clamped to 0..255;
 * columns first (into a row of bytes), then rows.
 *
 * scaleVH does a whole plane in one sweep over the output rows, two at a time: both rows
 * resampled vertically into two row buffers (taps two at a time: byte-interleaved row pairs,
 * one i32x4.dot_i16x8_s per pair and 4 samples; rows whose first input rows are two apart, as
 * with 1.5× and 2× shrinking, share their pairs), then horizontally (four outputs per
 * i8x16.relaxed_swizzle + i32x4.dot_i16x8_s per tap pair, with shuffle masks and weights built
 * on the host; where a run of blocks repeats one record, as with 1.5× and 2×, it stays in
 * registers and one load serves all the pairs). Up to 8 taps have unrolled copies. No
 * transposes, and the intermediate rows stay in L1. scaleV, the column pass on its own, serves
 * the host's fallback (transpose, scaleV, transpose) for shrinking by more than the horizontal
 * pass's 16-byte window allows (about 4.6×).
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

/** Rounding of the 14-bit weighted sums. */
const ROUND: i32 = 8192;

/** The inlined building blocks of scaleVH. */
class K {
  /** Rows a and b byte-interleaved: samples 0..7 (pairLo) or 8..15 (pairHi). */
  @inline
  static pairLo(a: v128, b: v128): v128 {
    return v128.shuffle<u8>(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  }
  @inline
  static pairHi(a: v128, b: v128): v128 {
    return v128.shuffle<u8>(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  }

  /** dot of the low (or high) 8 bytes of an interleaved pair, zero-extended, with k. */
  @inline
  static dotLo(ab: v128, k: v128): v128 {
    return i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(ab), k);
  }
  @inline
  static dotHi(ab: v128, k: v128): v128 {
    return i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(ab), k);
  }

  /** Four i32x4 sums (samples 0..3, 4..7, 8..11, 12..15) >> 14, clamped, as 16 bytes. */
  @inline
  static pack16(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
    const l = i16x8.narrow_i32x4_s(i32x4.shr_s(a0, 14), i32x4.shr_s(a1, 14));
    const h = i16x8.narrow_i32x4_s(i32x4.shr_s(a2, 14), i32x4.shr_s(a3, 14));
    return i8x16.narrow_i16x8_u(l, h);
  }

  /**
   * One output row of the vertical pass: out[x] = clamp((Σ_t c[t] · first[t·S + x] + 8192) >> 14)
   * for x < W. `pc`: the row's `T` weights (i16) padded to an even count with a 0, read as i32
   * pairs; the last pair's second row is its first again when T is odd (weight 0, so no read past
   * the taps). P: the number of pairs, a constant where this is inlined (unrolled, weights
   * hoisted), or 0 for any (a loop).
   */
  @inline
  static verticalRow(
    first: usize,
    S: usize,
    out: usize,
    W: usize,
    T: usize,
    pc: usize,
    P: usize,
  ): void {
    const vec = W & ~15;
    const pairs = (T + 1) >> 1;
    const lastB: usize = (T & 1) != 0 ? 0 : S;
    const round = i32x4.splat(ROUND);
    const k0 = v128.load32_splat(pc);
    const k1 = P > 1 ? v128.load32_splat(pc, 4) : round;
    const k2 = P > 2 ? v128.load32_splat(pc, 8) : round;
    const k3 = P > 3 ? v128.load32_splat(pc, 12) : round;
    const S2 = S << 1;
    for (let x: usize = 0; x < vec; x += 16) {
      let a0 = round;
      let a1 = round;
      let a2 = round;
      let a3 = round;
      let row = first + x;
      if (P == 0) {
        let kp = pc;
        for (let p: usize = 0; p < pairs; p++) {
          const k = v128.load32_splat(kp);
          const a = v128.load(row);
          const b = v128.load(row + (p + 1 < pairs ? S : lastB));
          const lo = K.pairLo(a, b);
          const hi = K.pairHi(a, b);
          a0 = i32x4.add(a0, K.dotLo(lo, k));
          a1 = i32x4.add(a1, K.dotHi(lo, k));
          a2 = i32x4.add(a2, K.dotLo(hi, k));
          a3 = i32x4.add(a3, K.dotHi(hi, k));
          row += S2;
          kp += 4;
        }
      } else {
        let a = v128.load(row);
        let b = v128.load(row + (P == 1 ? lastB : S));
        let lo = K.pairLo(a, b);
        let hi = K.pairHi(a, b);
        a0 = i32x4.add(a0, K.dotLo(lo, k0));
        a1 = i32x4.add(a1, K.dotHi(lo, k0));
        a2 = i32x4.add(a2, K.dotLo(hi, k0));
        a3 = i32x4.add(a3, K.dotHi(hi, k0));
        if (P > 1) {
          row += S2;
          a = v128.load(row);
          b = v128.load(row + (P == 2 ? lastB : S));
          lo = K.pairLo(a, b);
          hi = K.pairHi(a, b);
          a0 = i32x4.add(a0, K.dotLo(lo, k1));
          a1 = i32x4.add(a1, K.dotHi(lo, k1));
          a2 = i32x4.add(a2, K.dotLo(hi, k1));
          a3 = i32x4.add(a3, K.dotHi(hi, k1));
        }
        if (P > 2) {
          row += S2;
          a = v128.load(row);
          b = v128.load(row + (P == 3 ? lastB : S));
          lo = K.pairLo(a, b);
          hi = K.pairHi(a, b);
          a0 = i32x4.add(a0, K.dotLo(lo, k2));
          a1 = i32x4.add(a1, K.dotHi(lo, k2));
          a2 = i32x4.add(a2, K.dotLo(hi, k2));
          a3 = i32x4.add(a3, K.dotHi(hi, k2));
        }
        if (P > 3) {
          row += S2;
          a = v128.load(row);
          b = v128.load(row + (P == 4 ? lastB : S));
          lo = K.pairLo(a, b);
          hi = K.pairHi(a, b);
          a0 = i32x4.add(a0, K.dotLo(lo, k3));
          a1 = i32x4.add(a1, K.dotHi(lo, k3));
          a2 = i32x4.add(a2, K.dotLo(hi, k3));
          a3 = i32x4.add(a3, K.dotHi(hi, k3));
        }
      }
      v128.store(out + x, K.pack16(a0, a1, a2, a3));
    }
    K.verticalTail(first, S, out, vec, W, T, pc);
  }

  /** verticalRow's samples vec..W-1, one at a time. */
  @inline
  static verticalTail(
    first: usize,
    S: usize,
    out: usize,
    vec: usize,
    W: usize,
    T: usize,
    pc: usize,
  ): void {
    for (let x = vec; x < W; x++) {
      let acc: i32 = ROUND;
      let row = first + x;
      for (let t: usize = 0; t < T; t++) {
        acc += <i32> load<i16>(pc + t * 2) * <i32> load<u8>(row);
        row += S;
      }
      acc >>= 14;
      store<u8>(out + x, <u8> (acc < 0 ? 0 : acc > 255 ? 255 : acc));
    }
  }

  /**
   * Two output rows of the vertical pass whose first input rows are two apart (first, first +
   * 2S) and with P pairs of taps each (a constant, 1..4; T taps, weights at pc0 and pc1 as
   * verticalRow reads them): their P + 1 distinct row pairs interleaved once and used by both.
   */
  @inline
  static verticalRows2(
    first: usize,
    S: usize,
    out0: usize,
    out1: usize,
    W: usize,
    T: usize,
    pc0: usize,
    pc1: usize,
    P: usize,
  ): void {
    const vec = W & ~15;
    const lastB: usize = (T & 1) != 0 ? 0 : S;
    const round = i32x4.splat(ROUND);
    const S2 = S << 1;
    // The weight pairs of row 0 (q) and row 1 (r).
    const q0 = v128.load32_splat(pc0);
    const q1 = P > 1 ? v128.load32_splat(pc0, 4) : round;
    const q2 = P > 2 ? v128.load32_splat(pc0, 8) : round;
    const q3 = P > 3 ? v128.load32_splat(pc0, 12) : round;
    const r0 = v128.load32_splat(pc1);
    const r1 = P > 1 ? v128.load32_splat(pc1, 4) : round;
    const r2 = P > 2 ? v128.load32_splat(pc1, 8) : round;
    const r3 = P > 3 ? v128.load32_splat(pc1, 12) : round;
    for (let x: usize = 0; x < vec; x += 16) {
      let a0 = round;
      let a1 = round;
      let a2 = round;
      let a3 = round;
      let b0 = round;
      let b1 = round;
      let b2 = round;
      let b3 = round;
      let row = first + x;
      let a: v128, b: v128, lo: v128, hi: v128, e0: v128, e1: v128, e2: v128, e3: v128, k: v128;
      {
        a = v128.load(row);
        b = v128.load(row + S);
        lo = K.pairLo(a, b);
        hi = K.pairHi(a, b);
        e0 = i16x8.extend_low_i8x16_u(lo);
        e1 = i16x8.extend_high_i8x16_u(lo);
        e2 = i16x8.extend_low_i8x16_u(hi);
        e3 = i16x8.extend_high_i8x16_u(hi);
        k = q0;
        a0 = i32x4.add(a0, i32x4.dot_i16x8_s(e0, k));
        a1 = i32x4.add(a1, i32x4.dot_i16x8_s(e1, k));
        a2 = i32x4.add(a2, i32x4.dot_i16x8_s(e2, k));
        a3 = i32x4.add(a3, i32x4.dot_i16x8_s(e3, k));
      }
      {
        row += S2;
        a = v128.load(row);
        b = v128.load(row + (P == 1 ? lastB : S));
        lo = K.pairLo(a, b);
        hi = K.pairHi(a, b);
        e0 = i16x8.extend_low_i8x16_u(lo);
        e1 = i16x8.extend_high_i8x16_u(lo);
        e2 = i16x8.extend_low_i8x16_u(hi);
        e3 = i16x8.extend_high_i8x16_u(hi);
        if (P > 1) {
          k = q1;
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(e0, k));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(e1, k));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(e2, k));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(e3, k));
        }
        k = r0;
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(e0, k));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(e1, k));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(e2, k));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(e3, k));
      }
      if (P > 1) {
        row += S2;
        a = v128.load(row);
        b = v128.load(row + (P == 2 ? lastB : S));
        lo = K.pairLo(a, b);
        hi = K.pairHi(a, b);
        e0 = i16x8.extend_low_i8x16_u(lo);
        e1 = i16x8.extend_high_i8x16_u(lo);
        e2 = i16x8.extend_low_i8x16_u(hi);
        e3 = i16x8.extend_high_i8x16_u(hi);
        if (P > 2) {
          k = q2;
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(e0, k));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(e1, k));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(e2, k));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(e3, k));
        }
        k = r1;
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(e0, k));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(e1, k));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(e2, k));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(e3, k));
      }
      if (P > 2) {
        row += S2;
        a = v128.load(row);
        b = v128.load(row + (P == 3 ? lastB : S));
        lo = K.pairLo(a, b);
        hi = K.pairHi(a, b);
        e0 = i16x8.extend_low_i8x16_u(lo);
        e1 = i16x8.extend_high_i8x16_u(lo);
        e2 = i16x8.extend_low_i8x16_u(hi);
        e3 = i16x8.extend_high_i8x16_u(hi);
        if (P > 3) {
          k = q3;
          a0 = i32x4.add(a0, i32x4.dot_i16x8_s(e0, k));
          a1 = i32x4.add(a1, i32x4.dot_i16x8_s(e1, k));
          a2 = i32x4.add(a2, i32x4.dot_i16x8_s(e2, k));
          a3 = i32x4.add(a3, i32x4.dot_i16x8_s(e3, k));
        }
        k = r2;
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(e0, k));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(e1, k));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(e2, k));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(e3, k));
      }
      if (P > 3) {
        row += S2;
        a = v128.load(row);
        b = v128.load(row + (P == 4 ? lastB : S));
        lo = K.pairLo(a, b);
        hi = K.pairHi(a, b);
        e0 = i16x8.extend_low_i8x16_u(lo);
        e1 = i16x8.extend_high_i8x16_u(lo);
        e2 = i16x8.extend_low_i8x16_u(hi);
        e3 = i16x8.extend_high_i8x16_u(hi);
        k = r3;
        b0 = i32x4.add(b0, i32x4.dot_i16x8_s(e0, k));
        b1 = i32x4.add(b1, i32x4.dot_i16x8_s(e1, k));
        b2 = i32x4.add(b2, i32x4.dot_i16x8_s(e2, k));
        b3 = i32x4.add(b3, i32x4.dot_i16x8_s(e3, k));
      }
      v128.store(out0 + x, K.pack16(a0, a1, a2, a3));
      v128.store(out1 + x, K.pack16(b0, b1, b2, b3));
    }
    K.verticalTail(first, S, out0, vec, W, T, pc0);
    K.verticalTail(first + S2, S, out1, vec, W, T, pc1);
  }

  /** The 16 bytes at `at` shuffled by m (two bytes per output, zero-extended), dot k. */
  @inline
  static swizzleDot(at: usize, m: v128, k: v128): v128 {
    return i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(v128.load(at), m), k);
  }

  /**
   * Four outputs of the horizontal pass on two rows at once, `a` and `c` being each row plus the
   * group's base. `rec`: a swizzle mask (output j's two bytes at d_j, d_j + 1, each followed by
   * 0x80, which relaxed_swizzle turns into 0 everywhere), then one i16x8 of weights per tap pair
   * p (c_j[2p], c_j[2p + 1] for j = 0..3), pair p reading 16 bytes at a + 2p. Returns row a's
   * four outputs in i16 lanes 0..3, row c's in 4..7. P pairs: a constant (unrolled), or 0 for
   * any (`pairs`, a loop).
   */
  @inline
  static group2(a: usize, c: usize, rec: usize, pairs: usize, P: usize): v128 {
    const m = v128.load(rec);
    let s0 = i32x4.splat(ROUND);
    let s1 = s0;
    if (P == 0) {
      let k = rec + 16;
      for (let p: usize = 0; p < pairs; p++) {
        const kk = v128.load(k);
        s0 = i32x4.add(s0, K.swizzleDot(a, m, kk));
        s1 = i32x4.add(s1, K.swizzleDot(c, m, kk));
        a += 2;
        c += 2;
        k += 16;
      }
    } else {
      let kk = v128.load(rec, 16);
      s0 = i32x4.add(s0, K.swizzleDot(a, m, kk));
      s1 = i32x4.add(s1, K.swizzleDot(c, m, kk));
      if (P > 1) {
        kk = v128.load(rec, 32);
        s0 = i32x4.add(s0, K.swizzleDot(a + 2, m, kk));
        s1 = i32x4.add(s1, K.swizzleDot(c + 2, m, kk));
      }
      if (P > 2) {
        kk = v128.load(rec, 48);
        s0 = i32x4.add(s0, K.swizzleDot(a + 4, m, kk));
        s1 = i32x4.add(s1, K.swizzleDot(c + 4, m, kk));
      }
      if (P > 3) {
        kk = v128.load(rec, 64);
        s0 = i32x4.add(s0, K.swizzleDot(a + 6, m, kk));
        s1 = i32x4.add(s1, K.swizzleDot(c + 6, m, kk));
      }
    }
    return i16x8.narrow_i32x4_s(i32x4.shr_s(s0, 14), i32x4.shr_s(s1, 14));
  }

  /**
   * group2 for a record whose pairs all fit one 16-byte load (at a and c): masks m0..m3 (the
   * record's, plus 2p) and weights k0..k3 held in registers by the caller.
   */
  @inline
  static groupOneLoad(
    a: usize,
    c: usize,
    m0: v128,
    m1: v128,
    m2: v128,
    m3: v128,
    k0: v128,
    k1: v128,
    k2: v128,
    k3: v128,
    P: usize,
  ): v128 {
    const va = v128.load(a);
    const vc = v128.load(c);
    const round = i32x4.splat(ROUND);
    let s0 = i32x4.add(round, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(va, m0), k0));
    let s1 = i32x4.add(round, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(vc, m0), k0));
    if (P > 1) {
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(va, m1), k1));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(vc, m1), k1));
    }
    if (P > 2) {
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(va, m2), k2));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(vc, m2), k2));
    }
    if (P > 3) {
      s0 = i32x4.add(s0, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(va, m3), k3));
      s1 = i32x4.add(s1, i32x4.dot_i16x8_s(i8x16.relaxed_swizzle(vc, m3), k3));
    }
    return i16x8.narrow_i32x4_s(i32x4.shr_s(s0, 14), i32x4.shr_s(s1, 14));
  }

  /** Four groups' outputs (i16, rows interleaved by four as group2 returns them) stored. */
  @inline
  static store2(
    g0: v128,
    g1: v128,
    g2: v128,
    g3: v128,
    o0: usize,
    o1: usize,
    n: usize,
    tmp: usize,
  ): void {
    // Bytes: r0 0..3, r1 0..3, r0 4..7, r1 4..7 | the same for outputs 8..15.
    const lo = i8x16.narrow_i16x8_u(g0, g1);
    const hi = i8x16.narrow_i16x8_u(g2, g3);
    const v0 = v128.shuffle<u32>(lo, hi, 0, 2, 4, 6);
    const v1 = v128.shuffle<u32>(lo, hi, 1, 3, 5, 7);
    if (n >= 16) {
      v128.store(o0, v0);
      v128.store(o1, v1);
    } else {
      v128.store(tmp, v1);
      memory.copy(o1, tmp, n);
      v128.store(tmp, v0);
      memory.copy(o0, tmp, n);
    }
  }

  /** Block c (outputs 16c…) of the horizontal pass on two rows, from the group table. */
  @inline
  static block2(
    r0: usize,
    r1: usize,
    o0: usize,
    o1: usize,
    OW: usize,
    pairs: usize,
    groups: usize,
    recs: usize,
    tmp: usize,
    c: usize,
    P: usize,
  ): void {
    const g = groups + (c << 5);
    const x = c << 4;
    let base = <usize> load<i32>(g);
    const g0 = K.group2(r0 + base, r1 + base, recs + <usize> load<i32>(g, 4), pairs, P);
    base = <usize> load<i32>(g, 8);
    const g1 = K.group2(r0 + base, r1 + base, recs + <usize> load<i32>(g, 12), pairs, P);
    base = <usize> load<i32>(g, 16);
    const g2 = K.group2(r0 + base, r1 + base, recs + <usize> load<i32>(g, 20), pairs, P);
    base = <usize> load<i32>(g, 24);
    const g3 = K.group2(r0 + base, r1 + base, recs + <usize> load<i32>(g, 28), pairs, P);
    K.store2(g0, g1, g2, g3, o0 + x, o1 + x, OW - x, tmp);
  }

  /**
   * The horizontal pass of two rows r0, r1 (each readable 16 bytes past its end) into o0, o1,
   * 16 outputs (four groups) at a time; group g: its base (i32 at groups + 8g) and the offset
   * of its record from `recs` (i32 at groups + 8g + 4; groups with the same weights and mask
   * share one). `uniform`: i32 c0, c1, delta, record: blocks c0 ≤ c < c1 are whole, all their
   * groups have that record and bases delta apart, and its pairs fit one 16-byte load; they
   * run with the record in registers (P > 0 only; c0 = c1 when there are none). The last,
   * partial block goes through `tmp`.
   */
  @inline
  static horizontal2(
    r0: usize,
    r1: usize,
    o0: usize,
    o1: usize,
    OW: usize,
    pairs: usize,
    groups: usize,
    recs: usize,
    uniform: usize,
    tmp: usize,
    P: usize,
  ): void {
    const blocks = (OW + 15) >> 4;
    const c0 = <usize> load<i32>(uniform);
    const c1 = <usize> load<i32>(uniform, 4);
    let c: usize = 0;
    if (P > 0 && c1 > c0) {
      for (; c < c0; c++) K.block2(r0, r1, o0, o1, OW, pairs, groups, recs, tmp, c, P);
      const delta = <usize> load<i32>(uniform, 8);
      const rec = recs + <usize> load<i32>(uniform, 12);
      const two = i8x16.splat(2);
      const m0 = v128.load(rec);
      const m1 = i8x16.add(m0, two);
      const m2 = i8x16.add(m1, two);
      const m3 = i8x16.add(m2, two);
      const k0 = v128.load(rec, 16);
      const k1 = P > 1 ? v128.load(rec, 32) : k0;
      const k2 = P > 2 ? v128.load(rec, 48) : k0;
      const k3 = P > 3 ? v128.load(rec, 64) : k0;
      for (; c < c1; c++) {
        let at = <usize> load<i32>(groups + (c << 5));
        const g0 = K.groupOneLoad(r0 + at, r1 + at, m0, m1, m2, m3, k0, k1, k2, k3, P);
        at += delta;
        const g1 = K.groupOneLoad(r0 + at, r1 + at, m0, m1, m2, m3, k0, k1, k2, k3, P);
        at += delta;
        const g2 = K.groupOneLoad(r0 + at, r1 + at, m0, m1, m2, m3, k0, k1, k2, k3, P);
        at += delta;
        const g3 = K.groupOneLoad(r0 + at, r1 + at, m0, m1, m2, m3, k0, k1, k2, k3, P);
        const x = c << 4;
        K.store2(g0, g1, g2, g3, o0 + x, o1 + x, 16, tmp);
      }
    }
    for (; c < blocks; c++) K.block2(r0, r1, o0, o1, OW, pairs, groups, recs, tmp, c, P);
  }
}

// One copy per pair count, so that each is unrolled (called per row, not inlined).
function vRow1(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  K.verticalRow(first, S, out, W, T, pc, 1);
}
function vRow2(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  K.verticalRow(first, S, out, W, T, pc, 2);
}
function vRow3(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  K.verticalRow(first, S, out, W, T, pc, 3);
}
function vRow4(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  K.verticalRow(first, S, out, W, T, pc, 4);
}
function vRowN(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  K.verticalRow(first, S, out, W, T, pc, 0);
}

function vertical(first: usize, S: usize, out: usize, W: usize, T: usize, pc: usize): void {
  const P = (T + 1) >> 1;
  if (P == 3) vRow3(first, S, out, W, T, pc);
  else if (P == 4) vRow4(first, S, out, W, T, pc);
  else if (P == 2) vRow2(first, S, out, W, T, pc);
  else if (P == 1) vRow1(first, S, out, W, T, pc);
  else vRowN(first, S, out, W, T, pc);
}

function vRows2_1(
  f: usize,
  S: usize,
  o0: usize,
  o1: usize,
  W: usize,
  T: usize,
  c0: usize,
  c1: usize,
): void {
  K.verticalRows2(f, S, o0, o1, W, T, c0, c1, 1);
}
function vRows2_2(
  f: usize,
  S: usize,
  o0: usize,
  o1: usize,
  W: usize,
  T: usize,
  c0: usize,
  c1: usize,
): void {
  K.verticalRows2(f, S, o0, o1, W, T, c0, c1, 2);
}
function vRows2_3(
  f: usize,
  S: usize,
  o0: usize,
  o1: usize,
  W: usize,
  T: usize,
  c0: usize,
  c1: usize,
): void {
  K.verticalRows2(f, S, o0, o1, W, T, c0, c1, 3);
}
function vRows2_4(
  f: usize,
  S: usize,
  o0: usize,
  o1: usize,
  W: usize,
  T: usize,
  c0: usize,
  c1: usize,
): void {
  K.verticalRows2(f, S, o0, o1, W, T, c0, c1, 4);
}

/**
 * Output rows y and y + 1 of the vertical pass into o0 and o1: together when their first input
 * rows are two apart (sharing their row pairs), else one after the other.
 */
function vertical2(
  src: usize,
  S: usize,
  starts: usize,
  coefs: usize,
  stride: usize,
  y: usize,
  o0: usize,
  o1: usize,
  W: usize,
  T: usize,
): void {
  const s0 = <usize> load<i32>(starts + y * 4);
  const s1 = <usize> load<i32>(starts + y * 4, 4);
  const first = src + s0 * S;
  const c0 = coefs + y * stride;
  const c1 = c0 + stride;
  const P = (T + 1) >> 1;
  if (s1 == s0 + 2 && P <= 4) {
    if (P == 3) vRows2_3(first, S, o0, o1, W, T, c0, c1);
    else if (P == 4) vRows2_4(first, S, o0, o1, W, T, c0, c1);
    else if (P == 2) vRows2_2(first, S, o0, o1, W, T, c0, c1);
    else vRows2_1(first, S, o0, o1, W, T, c0, c1);
  } else {
    vertical(first, S, o0, W, T, c0);
    vertical(src + s1 * S, S, o1, W, T, c1);
  }
}

function hRows1(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  K.horizontal2(r0, r1, o0, o1, OW, P, b, r, u, t, 1);
}
function hRows2(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  K.horizontal2(r0, r1, o0, o1, OW, P, b, r, u, t, 2);
}
function hRows3(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  K.horizontal2(r0, r1, o0, o1, OW, P, b, r, u, t, 3);
}
function hRows4(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  K.horizontal2(r0, r1, o0, o1, OW, P, b, r, u, t, 4);
}
function hRowsN(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  K.horizontal2(r0, r1, o0, o1, OW, P, b, r, u, t, 0);
}

function horizontal(
  r0: usize,
  r1: usize,
  o0: usize,
  o1: usize,
  OW: usize,
  P: usize,
  b: usize,
  r: usize,
  u: usize,
  t: usize,
): void {
  if (P == 3) hRows3(r0, r1, o0, o1, OW, P, b, r, u, t);
  else if (P == 4) hRows4(r0, r1, o0, o1, OW, P, b, r, u, t);
  else if (P == 2) hRows2(r0, r1, o0, o1, OW, P, b, r, u, t);
  else if (P == 1) hRows1(r0, r1, o0, o1, OW, P, b, r, u, t);
  else hRowsN(r0, r1, o0, o1, OW, P, b, r, u, t);
}

/**
 * dst (ow × oh, row stride ds) = the w × h plane at src (row stride ss) resampled, columns
 * first. Vertical: `vStarts` (i32 per output row: its first input row) and `vCoefs` (per output
 * row, its `vTaps` weights as i16, padded to an even count with a 0). Horizontal: the outputs
 * in groups of four, `4 · ceil(ow / 16)` groups (those past ow with zero weights); group g
 * reads from the row at its base (i32 at `hGroups + 8g`) with the record (16 · (1 + hPairs)
 * bytes, see group2) at `hRecs` plus the i32 at `hGroups + 8g + 4`; every output of a group
 * starts at most 14 bytes past its base; `hUniform`: the blocks of 16 outputs that share one
 * record (see horizontal2). `row0`, `row1`:
 * w bytes each, readable 16 bytes further; `tmp`: 16 bytes. src and dst must not overlap.
 */
export function scaleVH(
  src: usize,
  ss: i32,
  dst: usize,
  ds: i32,
  w: i32,
  ow: i32,
  oh: i32,
  vTaps: i32,
  vStarts: usize,
  vCoefs: usize,
  hPairs: i32,
  hGroups: usize,
  hRecs: usize,
  hUniform: usize,
  row0: usize,
  row1: usize,
  tmp: usize,
): void {
  const S = <usize> ss;
  const D = <usize> ds;
  const W = <usize> w;
  const OW = <usize> ow;
  const OH = <usize> oh;
  const T = <usize> vTaps;
  const P = <usize> hPairs;
  const vStride = ((T + 1) >> 1) << 2;
  // Rows go in pairs, (0, 1), (2, 3)… or, when that makes more pairs two input rows apart
  // (shared by the vertical pass), row 0 alone then (1, 2), (3, 4)…
  let even = 0;
  let odd = 0;
  for (let y: usize = 0; y + 1 < OH; y++) {
    if (load<i32>(vStarts + y * 4, 4) - load<i32>(vStarts + y * 4) == 2) {
      if ((y & 1) == 0) even++;
      else odd++;
    }
  }
  let y: usize = 0;
  if (odd > even) {
    vertical(src + <usize> load<i32>(vStarts) * S, S, row0, W, T, vCoefs);
    horizontal(row0, row0, dst, dst, OW, P, hGroups, hRecs, hUniform, tmp);
    y = 1;
  }
  for (; y < OH; y += 2) {
    const out = dst + y * D;
    if (y + 1 < OH) {
      vertical2(src, S, vStarts, vCoefs, vStride, y, row0, row1, W, T);
      horizontal(row0, row1, out, out + D, OW, P, hGroups, hRecs, hUniform, tmp);
    } else {
      vertical(src + <usize> load<i32>(vStarts + y * 4) * S, S, row0, W, T, vCoefs + y * vStride);
      horizontal(row0, row0, out, out, OW, P, hGroups, hRecs, hUniform, tmp);
    }
  }
}
