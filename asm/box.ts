/**
 * Vertical one-dimensional passes over a plane (dst ≠ src): the running-sum box filter and the
 * 3-tap [c1, 256-2·c1, c1]/256 kernel. Horizontal passes are the same passes on a transposed plane.
 *
 * Rows outside the plane are mirrored with the edge row repeated (see edges.ts `mirror`), so any
 * radius works on any height. Columns are processed 16 at a time with u16 running sums kept in
 * a per-column scratch row; when the width is not a multiple of 16 the last vector overlaps the
 * previous one and has its own sums. Planes narrower than 16 take a scalar path.
 */
import { mirror } from "./edges";

/**
 * Box normalisation. ffmpeg boxblur's rounding: (S · inv + 2^15) >> 16 with
 * inv = floor((2^16 + floor(len / 2)) / len), computed in 32-bit lanes.
 */
class Box {
  @inline
  static div(s: v128, inv: v128, half: v128): v128 {
    const lo = i32x4.shr_u(i32x4.add(i32x4.extmul_low_i16x8_u(s, inv), half), 16);
    const hi = i32x4.shr_u(i32x4.add(i32x4.extmul_high_i16x8_u(s, inv), half), 16);
    return i16x8.narrow_i32x4_u(lo, hi);
  }

  /** Output one row of 16 columns at x from the sums at sp, then slide the window by one row. */
  @inline
  static step(
    sp: usize,
    out: usize,
    addRow: usize,
    subRow: usize,
    x: usize,
    inv: v128,
    half: v128,
  ): void {
    let s0 = v128.load(sp);
    let s1 = v128.load(sp, 16);
    v128.store(out + x, i8x16.narrow_i16x8_u(Box.div(s0, inv, half), Box.div(s1, inv, half)));
    const a = v128.load(addRow + x);
    const b = v128.load(subRow + x);
    s0 = i16x8.sub(i16x8.add(s0, i16x8.extend_low_i8x16_u(a)), i16x8.extend_low_i8x16_u(b));
    s1 = i16x8.sub(i16x8.add(s1, i16x8.extend_high_i8x16_u(a)), i16x8.extend_high_i8x16_u(b));
    v128.store(sp, s0);
    v128.store(sp, s1, 16);
  }

  /** Adds the 16 bytes at p to the sums at sp. */
  @inline
  static accumulate(sp: usize, p: usize): void {
    const a = v128.load(p);
    v128.store(sp, i16x8.add(v128.load(sp), i16x8.extend_low_i8x16_u(a)));
    v128.store(sp, i16x8.add(v128.load(sp, 16), i16x8.extend_high_i8x16_u(a)), 16);
  }
}

/** The box normaliser ffmpeg uses: floor((2^16 + floor(len/2)) / len). */
function boxInverse(len: i32): i32 {
  return ((1 << 16) + (len >> 1)) / len;
}

function boxVScalar(src: usize, dst: usize, w: i32, h: i32, r: i32): void {
  const W = <usize>w;
  const inv = <u32>boxInverse(2 * r + 1);
  for (let x: usize = 0; x < W; x++) {
    let s: u32 = 0;
    for (let i = -r; i <= r; i++) s += <u32>load<u8>(src + <usize>mirror(i, h) * W + x);
    for (let y = 0; y < h; y++) {
      store<u8>(dst + <usize>y * W + x, <u8>((s * inv + 0x8000) >> 16));
      s += <u32>load<u8>(src + <usize>mirror(y + r + 1, h) * W + x);
      s -= <u32>load<u8>(src + <usize>mirror(y - r, h) * W + x);
    }
  }
}

/**
 * One vertical box pass of radius r (window 2r+1, 1 ≤ r ≤ 128) from src to dst (w × h each,
 * distinct). `sums` is scratch of at least 32 · (ceil(w / 16) + 1) bytes. r = 0 copies.
 */
export function boxV(src: usize, dst: usize, w: i32, h: i32, r: i32, sums: usize): void {
  const W = <usize>w;
  if (r <= 0) {
    memory.copy(dst, src, W * <usize>h);
    return;
  }
  if (w < 16) {
    boxVScalar(src, dst, w, h, r);
    return;
  }
  const inv = i16x8.splat(<i16>boxInverse(2 * r + 1));
  const half = i32x4.splat(0x8000);
  const full = W >> 4;
  const tail = (W & 15) != 0;
  const tx = W - 16;
  const tsp = sums + (full << 5);
  memory.fill(sums, 0, (full + 1) << 5);
  for (let i = -r; i <= r; i++) {
    const row = src + <usize>mirror(i, h) * W;
    for (let v: usize = 0; v < full; v++) Box.accumulate(sums + (v << 5), row + (v << 4));
    if (tail) Box.accumulate(tsp, row + tx);
  }
  for (let y = 0; y < h; y++) {
    const out = dst + <usize>y * W;
    const addRow = src + <usize>mirror(y + r + 1, h) * W;
    const subRow = src + <usize>mirror(y - r, h) * W;
    for (let v: usize = 0; v < full; v++) {
      Box.step(sums + (v << 5), out, addRow, subRow, v << 4, inv, half);
    }
    if (tail) Box.step(tsp, out, addRow, subRow, tx, inv, half);
  }
}

/**
 * One vertical 3-tap pass: dst = (c1 · (up + down) + (256 - 2·c1) · centre + 128) >> 8, with
 * 0 ≤ c1 ≤ 85 and edge rows repeated. src and dst must be distinct.
 */
export function tap3V(src: usize, dst: usize, w: i32, h: i32, c1: i32): void {
  const W = <usize>w;
  const c0 = 256 - 2 * c1;
  if (w < 16) {
    for (let y = 0; y < h; y++) {
      const up = src + <usize>mirror(y - 1, h) * W;
      const mid = src + <usize>y * W;
      const dn = src + <usize>mirror(y + 1, h) * W;
      const out = dst + <usize>y * W;
      for (let x: usize = 0; x < W; x++) {
        const acc = c1 * (<i32>load<u8>(up + x) + <i32>load<u8>(dn + x)) +
          c0 * <i32>load<u8>(mid + x) + 128;
        store<u8>(out + x, <u8>(acc >> 8));
      }
    }
    return;
  }
  const k1 = i16x8.splat(<i16>c1);
  const k0 = i16x8.splat(<i16>c0);
  const rnd = i16x8.splat(128);
  for (let y = 0; y < h; y++) {
    const up = src + <usize>mirror(y - 1, h) * W;
    const mid = src + <usize>y * W;
    const dn = src + <usize>mirror(y + 1, h) * W;
    const out = dst + <usize>y * W;
    let x: usize = 0;
    while (true) {
      if (x + 16 > W) x = W - 16;
      const a = v128.load(up + x);
      const b = v128.load(dn + x);
      const m = v128.load(mid + x);
      const sl = i16x8.add(i16x8.extend_low_i8x16_u(a), i16x8.extend_low_i8x16_u(b));
      const sh = i16x8.add(i16x8.extend_high_i8x16_u(a), i16x8.extend_high_i8x16_u(b));
      const lo = i16x8.add(
        i16x8.add(i16x8.mul(sl, k1), i16x8.mul(i16x8.extend_low_i8x16_u(m), k0)),
        rnd,
      );
      const hi = i16x8.add(
        i16x8.add(i16x8.mul(sh, k1), i16x8.mul(i16x8.extend_high_i8x16_u(m), k0)),
        rnd,
      );
      v128.store(out + x, i8x16.narrow_i16x8_u(i16x8.shr_u(lo, 8), i16x8.shr_u(hi, 8)));
      x += 16;
      if (x >= W) break;
    }
  }
}
