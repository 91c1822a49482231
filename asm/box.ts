/**
 * Vertical one-dimensional passes over a plane (dst ≠ src): the running-sum box filter and the
 * 3-tap [c1, 256-2·c1, c1]/256 kernel. Horizontal passes are the same passes on a transposed plane.
 *
 * Rows outside the plane are mirrored with the edge row repeated (see edges.ts `mirror`), so any
 * radius works on any height. The box pass walks down strips of 32 (then 16) columns keeping the
 * u16 window sums in registers; a last strip that would cross the right edge is moved left to
 * end at it (recomputing a few columns). Planes narrower than 16 take a scalar path.
 */
import { mirror } from "./edges";

/**
 * Box normalisation without a division: out = q15(S >> shift, m) where q15(a, m) =
 * (a · m + 2^14) >> 15 and S is the window sum. The host picks shift (0 for windows up to 128
 * samples, 1 above, so S >> shift fits in 15 bits) and m ≈ 2^(15+shift) / len such that flat
 * areas keep their value; the result is within 1 of round(S / len).
 *
 * This is the hottest instruction of blur and boxblur, so it uses relaxed SIMD's
 * i16x8.relaxed_q15mulr_s (one pmulhrsw on x86) rather than i16x8.q15mulr_sat_s (which V8
 * follows with a saturation fix-up, four more instructions; measured 18% slower per pass). The
 * two differ only when both operands are -32768; here both are positive, so the result is the
 * same on every engine.
 */
class Box {
  @inline
  static div(s: v128, m: v128, shift: i32): v128 {
    return i16x8.relaxed_q15mulr_s(shift != 0 ? i16x8.shr_u(s, 1) : s, m);
  }

  @inline
  static lo(a: v128): v128 {
    return i16x8.extend_low_i8x16_u(a);
  }

  @inline
  static hi(a: v128): v128 {
    return i16x8.extend_high_i8x16_u(a);
  }
}

/** Address of mirrored row i of the plane at src, for i in [-r-1, h+r], at rows + 4·(i + r + 1). */
function rowTable(rows: usize, src: usize, stride: i32, h: i32, r: i32): void {
  for (let i = -r - 1; i <= h + r; i++) {
    store<u32>(rows + (<usize> (i + r + 1) << 2), <u32> src + <u32> mirror(i, h) * <u32> stride);
  }
}

/**
 * Strip walkers over the rows listed in the row table; every method is inlined so `shift` is a
 * constant in each copy.
 */
class Strip {
  @inline
  static rowAt(rows: usize, k: i32): usize {
    return <usize> load<u32>(rows + (<usize> k << 2));
  }

  @inline
  static strip64(
    dst: usize,
    ds: i32,
    h: i32,
    r: i32,
    x: usize,
    m: v128,
    shift: i32,
    rows: usize,
  ): void {
    const D = <usize> ds;
    let s0 = i16x8.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let s4 = s0;
    let s5 = s0;
    let s6 = s0;
    let s7 = s0;
    const span = 2 * r + 1;
    // The window of row 0 is rows -r..r. When r < h, rows -r..-1 mirror onto r-1..0, so it is
    // twice rows 0..r-1 plus row r: half the loads.
    const half = r < h;
    for (let k = half ? r + 1 : 1; k <= span; k++) {
      if (half && k == span) {
        s0 = i16x8.add(s0, s0);
        s1 = i16x8.add(s1, s1);
        s2 = i16x8.add(s2, s2);
        s3 = i16x8.add(s3, s3);
        s4 = i16x8.add(s4, s4);
        s5 = i16x8.add(s5, s5);
        s6 = i16x8.add(s6, s6);
        s7 = i16x8.add(s7, s7);
      }
      const p = Strip.rowAt(rows, k) + x;
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      s0 = i16x8.add(s0, Box.lo(a));
      s1 = i16x8.add(s1, Box.hi(a));
      s2 = i16x8.add(s2, Box.lo(b));
      s3 = i16x8.add(s3, Box.hi(b));
      s4 = i16x8.add(s4, Box.lo(c));
      s5 = i16x8.add(s5, Box.hi(c));
      s6 = i16x8.add(s6, Box.lo(d));
      s7 = i16x8.add(s7, Box.hi(d));
    }
    let out = dst + x;
    let ta = rows + (<usize> (span + 1) << 2);
    let tb = rows + 4;
    for (let y = 0; y < h; y++) {
      v128.store(out, i8x16.narrow_i16x8_u(Box.div(s0, m, shift), Box.div(s1, m, shift)));
      v128.store(out, i8x16.narrow_i16x8_u(Box.div(s2, m, shift), Box.div(s3, m, shift)), 16);
      v128.store(out, i8x16.narrow_i16x8_u(Box.div(s4, m, shift), Box.div(s5, m, shift)), 32);
      v128.store(out, i8x16.narrow_i16x8_u(Box.div(s6, m, shift), Box.div(s7, m, shift)), 48);
      out += D;
      // Window of row y+1: add row y+r+1, drop row y-r.
      const pa = <usize> load<u32>(ta) + x;
      const pb = <usize> load<u32>(tb) + x;
      ta += 4;
      tb += 4;
      let a = v128.load(pa);
      let b = v128.load(pb);
      s0 = i16x8.sub(i16x8.add(s0, Box.lo(a)), Box.lo(b));
      s1 = i16x8.sub(i16x8.add(s1, Box.hi(a)), Box.hi(b));
      a = v128.load(pa, 16);
      b = v128.load(pb, 16);
      s2 = i16x8.sub(i16x8.add(s2, Box.lo(a)), Box.lo(b));
      s3 = i16x8.sub(i16x8.add(s3, Box.hi(a)), Box.hi(b));
      a = v128.load(pa, 32);
      b = v128.load(pb, 32);
      s4 = i16x8.sub(i16x8.add(s4, Box.lo(a)), Box.lo(b));
      s5 = i16x8.sub(i16x8.add(s5, Box.hi(a)), Box.hi(b));
      a = v128.load(pa, 48);
      b = v128.load(pb, 48);
      s6 = i16x8.sub(i16x8.add(s6, Box.lo(a)), Box.lo(b));
      s7 = i16x8.sub(i16x8.add(s7, Box.hi(a)), Box.hi(b));
    }
  }

  @inline
  static strip16(
    dst: usize,
    ds: i32,
    h: i32,
    r: i32,
    x: usize,
    m: v128,
    shift: i32,
    rows: usize,
  ): void {
    const D = <usize> ds;
    let s0 = i16x8.splat(0);
    let s1 = s0;
    const span = 2 * r + 1;
    const half = r < h; // see strip64
    for (let k = half ? r + 1 : 1; k <= span; k++) {
      if (half && k == span) {
        s0 = i16x8.add(s0, s0);
        s1 = i16x8.add(s1, s1);
      }
      const a = v128.load(Strip.rowAt(rows, k) + x);
      s0 = i16x8.add(s0, Box.lo(a));
      s1 = i16x8.add(s1, Box.hi(a));
    }
    let out = dst + x;
    let ta = rows + (<usize> (span + 1) << 2);
    let tb = rows + 4;
    for (let y = 0; y < h; y++) {
      v128.store(out, i8x16.narrow_i16x8_u(Box.div(s0, m, shift), Box.div(s1, m, shift)));
      out += D;
      const a = v128.load(<usize> load<u32>(ta) + x);
      const b = v128.load(<usize> load<u32>(tb) + x);
      ta += 4;
      tb += 4;
      s0 = i16x8.sub(i16x8.add(s0, Box.lo(a)), Box.lo(b));
      s1 = i16x8.sub(i16x8.add(s1, Box.hi(a)), Box.hi(b));
    }
  }

  @inline
  static all(
    dst: usize,
    ds: i32,
    w: i32,
    h: i32,
    r: i32,
    m: v128,
    shift: i32,
    rows: usize,
  ): void {
    const W = <usize> w;
    let x: usize = 0;
    for (; x + 64 <= W; x += 64) Strip.strip64(dst, ds, h, r, x, m, shift, rows);
    for (; x + 16 <= W; x += 16) Strip.strip16(dst, ds, h, r, x, m, shift, rows);
    if (x < W) Strip.strip16(dst, ds, h, r, W - 16, m, shift, rows);
  }
}

function boxVScalar(
  src: usize,
  ss: i32,
  dst: usize,
  ds: i32,
  w: i32,
  h: i32,
  r: i32,
  m: i32,
  shift: i32,
): void {
  const S = <usize> ss;
  const D = <usize> ds;
  for (let x: usize = 0; x < <usize> w; x++) {
    let s: i32 = 0;
    for (let i = -r; i <= r; i++) s += <i32> load<u8>(src + <usize> mirror(i, h) * S + x);
    for (let y = 0; y < h; y++) {
      store<u8>(dst + <usize> y * D + x, <u8> (((s >> shift) * m + 0x4000) >> 15));
      s += <i32> load<u8>(src + <usize> mirror(y + r + 1, h) * S + x);
      s -= <i32> load<u8>(src + <usize> mirror(y - r, h) * S + x);
    }
  }
}

/** Copies a w × h plane between row strides. */
export function copyPlane(src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32): void {
  if (ss == w && ds == w) {
    memory.copy(dst, src, <usize> w * <usize> h);
    return;
  }
  for (let y = 0; y < h; y++) {
    memory.copy(dst + <usize> y * <usize> ds, src + <usize> y * <usize> ss, <usize> w);
  }
}

/**
 * One vertical box pass of radius r (window 2r+1, 1 ≤ r ≤ 128) over a w × h plane, from src
 * (row stride ss) to dst (row stride ds, distinct from src), normalised by q15(S >> shift, m)
 * (see Box). `rows` is scratch of at least 4 · (h + 2r + 2) bytes. r = 0 copies.
 */
export function boxV(
  src: usize,
  ss: i32,
  dst: usize,
  ds: i32,
  w: i32,
  h: i32,
  r: i32,
  m: i32,
  shift: i32,
  rows: usize,
): void {
  if (r <= 0) {
    copyPlane(src, ss, dst, ds, w, h);
    return;
  }
  if (w < 16) {
    boxVScalar(src, ss, dst, ds, w, h, r, m, shift);
    return;
  }
  rowTable(rows, src, ss, h, r);
  const vm = i16x8.splat(<i16> m);
  if (shift != 0) Strip.all(dst, ds, w, h, r, vm, 1, rows);
  else Strip.all(dst, ds, w, h, r, vm, 0, rows);
}

/**
 * One vertical 3-tap pass over a w × h plane from src (row stride ss) to dst (row stride ds,
 * distinct): dst = (c1 · (up + down) + (256 - 2·c1) · centre + 128) >> 8, with 0 ≤ c1 ≤ 85 and
 * edge rows repeated.
 */
export function tap3V(
  src: usize,
  ss: i32,
  dst: usize,
  ds: i32,
  w: i32,
  h: i32,
  c1: i32,
): void {
  const W = <usize> w;
  const S = <usize> ss;
  const D = <usize> ds;
  const c0 = 256 - 2 * c1;
  if (w < 16) {
    for (let y = 0; y < h; y++) {
      const up = src + <usize> mirror(y - 1, h) * S;
      const mid = src + <usize> y * S;
      const dn = src + <usize> mirror(y + 1, h) * S;
      const out = dst + <usize> y * D;
      for (let x: usize = 0; x < W; x++) {
        const acc = c1 * (<i32> load<u8>(up + x) + <i32> load<u8>(dn + x)) +
          c0 * <i32> load<u8>(mid + x) + 128;
        store<u8>(out + x, <u8> (acc >> 8));
      }
    }
    return;
  }
  const k1 = i16x8.splat(<i16> c1);
  const k0 = i16x8.splat(<i16> c0);
  const rnd = i16x8.splat(128);
  for (let y = 0; y < h; y++) {
    const up = src + <usize> mirror(y - 1, h) * S;
    const mid = src + <usize> y * S;
    const dn = src + <usize> mirror(y + 1, h) * S;
    const out = dst + <usize> y * D;
    let x: usize = 0;
    while (true) {
      if (x + 16 > W) x = W - 16;
      const a = v128.load(up + x);
      const b = v128.load(dn + x);
      const c = v128.load(mid + x);
      const sl = i16x8.add(Box.lo(a), Box.lo(b));
      const sh = i16x8.add(Box.hi(a), Box.hi(b));
      const lo = i16x8.add(i16x8.add(i16x8.mul(sl, k1), i16x8.mul(Box.lo(c), k0)), rnd);
      const hi = i16x8.add(i16x8.add(i16x8.mul(sh, k1), i16x8.mul(Box.hi(c), k0)), rnd);
      v128.store(out + x, i8x16.narrow_i16x8_u(i16x8.shr_u(lo, 8), i16x8.shr_u(hi, 8)));
      x += 16;
      if (x >= W) break;
    }
  }
}
