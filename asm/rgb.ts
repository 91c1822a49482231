/**
 * Filters that work on R, G and B (curves, colorbalance), on a yuv420p frame in place: the luma
 * samples of each 2×2 block become R, G, B with the block's chroma, go through the operation and
 * come back as luma; the block's chroma comes from the mean of its four results. A block cut by
 * an odd last column or row repeats its edge pixel (it averages two results, or one).
 *
 * The conversions are BT.601 limited range in 16-bit fixed point, q15(a, m) = (a·m + 2^14) >> 15
 * and sat() saturating to 16 bits: with c = (Y - 16)·64, d = (U - 128)·64, e = (V - 128)·64,
 *   y6 = c + q15(c, 5374)
 *   R = clamp(sat(sat(y6 + e + q15(e, 19530)) + 32) >> 6)
 *   G = clamp(sat(sat(y6 - (q15(e, 26640) + q15(d, 12845))) + 32) >> 6)
 *   B = clamp(sat(sat(y6 + 2d + q15(d, 557)) + 32) >> 6)
 *   Y' = (66R + 129G + 25B + 4224) >> 8
 *   U' = ((112B - 38R - 74G + 128) >> 8) + 128,  V' = ((112R - 94G - 18B + 128) >> 8) + 128,
 * U' and V' from the block's means, (sum + 2) >> 2.
 *
 * Operations: curves (R, G and B each through its 256-byte table) and colorbalance (ffmpeg's
 * float formula, lane for lane: balance.ts).
 */
import { balance4, setBalance } from "./balance";

const OP_CURVES = 0;
const OP_BALANCE = 1;

/** The operation of the current call, and the curves' tables. */
let op = OP_CURVES;
let tables: usize = 0;

/** 16 pixels' R, G and B bytes (at 0, 16 and 32), handed to the operation. */
const BUF: usize = memory.data(48, 16);

// ---- the operations ----

/** x' = t[x] on 16 bytes: sixteen 16-entry swizzles. */
function lut16(x: v128, t: usize): v128 {
  const step = i8x16.splat(16);
  let r = i8x16.swizzle(v128.load(t), x);
  for (let k: usize = 16; k < 256; k += 16) {
    x = i8x16.sub(x, step);
    r = v128.or(r, i8x16.swizzle(v128.load(t + k), x));
  }
  return r;
}

/** The operation on the 16 pixels in BUF. */
function operate16(): void {
  if (op == OP_CURVES) {
    v128.store(BUF, lut16(v128.load(BUF), tables));
    v128.store(BUF + 16, lut16(v128.load(BUF + 16), tables + 256));
    v128.store(BUF + 32, lut16(v128.load(BUF + 32), tables + 512));
  } else {
    balance4(BUF);
    balance4(BUF + 4);
    balance4(BUF + 8);
    balance4(BUF + 12);
  }
}

/** The operation on the pixel in BUF[0], BUF[16], BUF[32]. */
function operate1(): void {
  if (op == OP_CURVES) {
    store<u8>(BUF, load<u8>(tables + <usize> load<u8>(BUF)));
    store<u8>(BUF + 16, load<u8>(tables + 256 + <usize> load<u8>(BUF + 16)));
    store<u8>(BUF + 32, load<u8>(tables + 512 + <usize> load<u8>(BUF + 32)));
  } else {
    // The vector form on lane 0 (the other lanes hold whatever is there).
    balance4(BUF);
  }
}

// ---- conversions ----

function q15s(a: i32, m: i32): i32 {
  const v = (a * m + 16384) >> 15;
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

function sat16(v: i32): i32 {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

function byte(v: i32): u8 {
  return <u8> (v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * One pixel through the operation: luma y with the chroma terms rt, gt, bt; its R', G', B' are
 * left in BUF and its Y' returned.
 */
function pixel1(y: i32, rt: i32, gt: i32, bt: i32): u8 {
  const c = (y - 16) << 6;
  const y6 = c + q15s(c, 5374);
  store<u8>(BUF, byte(sat16(sat16(y6 + rt) + 32) >> 6));
  store<u8>(BUF + 16, byte(sat16(sat16(y6 + gt) + 32) >> 6));
  store<u8>(BUF + 32, byte(sat16(sat16(y6 + bt) + 32) >> 6));
  operate1();
  const r = <i32> load<u8>(BUF);
  const g = <i32> load<u8>(BUF + 16);
  const b = <i32> load<u8>(BUF + 32);
  return <u8> ((66 * r + 129 * g + 25 * b + 4224) >> 8);
}

/** The sums of R', G', B' of the pixels of a block (see blocks1). */
let sumR = 0;
let sumG = 0;
let sumB = 0;

/** Pixel at `at` through the operation, its result written back and added `times` to the sums. */
function blockPixel(at: usize, rt: i32, gt: i32, bt: i32, times: i32): void {
  store<u8>(at, pixel1(<i32> load<u8>(at), rt, gt, bt));
  sumR += times * <i32> load<u8>(BUF);
  sumG += times * <i32> load<u8>(BUF + 16);
  sumB += times * <i32> load<u8>(BUF + 32);
}

/**
 * The blocks of chroma row cy from chroma column cx0 on, one at a time: luma rows y0 and y1
 * (equal for a last row alone), columns 2·cx and 2·cx + 1 (one column for a last column alone;
 * such a pixel counts twice in the block's mean).
 */
function blocks1(
  p: usize,
  w: i32,
  uRow: usize,
  vRow: usize,
  cw: i32,
  cx0: i32,
  y0: i32,
  y1: i32,
): void {
  const rows = y1 == y0 ? 2 : 1;
  const row0 = p + <usize> y0 * <usize> w;
  const row1 = p + <usize> y1 * <usize> w;
  for (let cx = cx0; cx < cw; cx++) {
    const d = (<i32> load<u8>(uRow + <usize> cx) - 128) << 6;
    const e = (<i32> load<u8>(vRow + <usize> cx) - 128) << 6;
    const rt = e + q15s(e, 19530);
    const gt = -(q15s(e, 26640) + q15s(d, 12845));
    const bt = 2 * d + q15s(d, 557);
    const xa = <usize> (2 * cx);
    const pair = 2 * cx + 1 < w;
    const times = rows * (pair ? 1 : 2);
    sumR = 0;
    sumG = 0;
    sumB = 0;
    blockPixel(row0 + xa, rt, gt, bt, times);
    if (pair) blockPixel(row0 + xa + 1, rt, gt, bt, times);
    if (rows == 1) {
      blockPixel(row1 + xa, rt, gt, bt, times);
      if (pair) blockPixel(row1 + xa + 1, rt, gt, bt, times);
    }
    const r = (sumR + 2) >> 2;
    const g = (sumG + 2) >> 2;
    const b = (sumB + 2) >> 2;
    store<u8>(uRow + <usize> cx, byte(((112 * b - 38 * r - 74 * g + 128) >> 8) + 128));
    store<u8>(vRow + <usize> cx, byte(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128));
  }
}

// ---- the vector path: 8 blocks (16 luma columns) at a time ----

function q15v(a: v128, m: i16): v128 {
  return i16x8.q15mulr_sat_s(a, i16x8.splat(m));
}

/** R, G or B (i16 lanes, before clamping) from y6 and a chroma term. */
function channel(y6: v128, t: v128): v128 {
  return i16x8.shr_s(i16x8.add_sat_s(i16x8.add_sat_s(y6, t), i16x8.splat(32)), 6);
}

function dupLo(t: v128): v128 {
  return i8x16.shuffle(t, t, 0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7);
}

function dupHi(t: v128): v128 {
  return i8x16.shuffle(t, t, 8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15);
}

function y6of(a: v128): v128 {
  const c = i16x8.shl(i16x8.sub(a, i16x8.splat(16)), 6);
  return i16x8.add(c, q15v(c, 5374));
}

/** Y' of 8 pixels from their R', G', B' (i16 lanes). */
function luma8(r: v128, g: v128, b: v128): v128 {
  const acc = i16x8.add(
    i16x8.add(i16x8.mul(r, i16x8.splat(66)), i16x8.mul(g, i16x8.splat(129))),
    i16x8.add(i16x8.mul(b, i16x8.splat(25)), i16x8.splat(4224)),
  );
  return i16x8.shr_u(acc, 8);
}

let vsR = i16x8.splat(0);
let vsG = i16x8.splat(0);
let vsB = i16x8.splat(0);

/** 16 pixels of one row at `at` through the operation; their pair sums added to vsR/G/B. */
function row16(
  at: usize,
  rLo: v128,
  rHi: v128,
  gLo: v128,
  gHi: v128,
  bLo: v128,
  bHi: v128,
  times: i32,
): void {
  const a = v128.load(at);
  const yLo = y6of(i16x8.extend_low_i8x16_u(a));
  const yHi = y6of(i16x8.extend_high_i8x16_u(a));
  v128.store(BUF, i8x16.narrow_i16x8_u(channel(yLo, rLo), channel(yHi, rHi)));
  v128.store(BUF + 16, i8x16.narrow_i16x8_u(channel(yLo, gLo), channel(yHi, gHi)));
  v128.store(BUF + 32, i8x16.narrow_i16x8_u(channel(yLo, bLo), channel(yHi, bHi)));
  operate16();
  const r = v128.load(BUF);
  const g = v128.load(BUF + 16);
  const b = v128.load(BUF + 32);
  const lo = luma8(
    i16x8.extend_low_i8x16_u(r),
    i16x8.extend_low_i8x16_u(g),
    i16x8.extend_low_i8x16_u(b),
  );
  const hi = luma8(
    i16x8.extend_high_i8x16_u(r),
    i16x8.extend_high_i8x16_u(g),
    i16x8.extend_high_i8x16_u(b),
  );
  v128.store(at, i8x16.narrow_i16x8_u(lo, hi));
  const pr = i16x8.extadd_pairwise_i8x16_u(r);
  const pg = i16x8.extadd_pairwise_i8x16_u(g);
  const pb = i16x8.extadd_pairwise_i8x16_u(b);
  vsR = i16x8.add(vsR, times == 2 ? i16x8.shl(pr, 1) : pr);
  vsG = i16x8.add(vsG, times == 2 ? i16x8.shl(pg, 1) : pg);
  vsB = i16x8.add(vsB, times == 2 ? i16x8.shl(pb, 1) : pb);
}

/** The whole frame: vectors over 8 blocks where 16 luma columns exist, blocks1 for the rest. */
function run(p: usize, w: i32, h: i32, uOffset: i32, vOffset: i32): void {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  for (let cy = 0; cy < ch; cy++) {
    const y0 = 2 * cy;
    const y1 = min(y0 + 1, h - 1);
    const times = y1 == y0 ? 2 : 1;
    const row0 = p + <usize> y0 * <usize> w;
    const row1 = p + <usize> y1 * <usize> w;
    const uRow = p + <usize> uOffset + <usize> (cy * cw);
    const vRow = p + <usize> vOffset + <usize> (cy * cw);
    let cx = 0;
    for (; 2 * cx + 16 <= w; cx += 8) {
      const off = i16x8.splat(128);
      const d = i16x8.shl(
        i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(uRow + <usize> cx)), off),
        6,
      );
      const e = i16x8.shl(
        i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(vRow + <usize> cx)), off),
        6,
      );
      const rt = i16x8.add(e, q15v(e, 19530));
      const gt = i16x8.neg(i16x8.add(q15v(e, 26640), q15v(d, 12845)));
      const bt = i16x8.add(i16x8.shl(d, 1), q15v(d, 557));
      const rLo = dupLo(rt);
      const rHi = dupHi(rt);
      const gLo = dupLo(gt);
      const gHi = dupHi(gt);
      const bLo = dupLo(bt);
      const bHi = dupHi(bt);
      vsR = i16x8.splat(0);
      vsG = vsR;
      vsB = vsR;
      const x = <usize> (2 * cx);
      row16(row0 + x, rLo, rHi, gLo, gHi, bLo, bHi, times);
      if (times == 1) row16(row1 + x, rLo, rHi, gLo, gHi, bLo, bHi, times);
      const two = i16x8.splat(2);
      const r = i16x8.shr_u(i16x8.add(vsR, two), 2);
      const g = i16x8.shr_u(i16x8.add(vsG, two), 2);
      const b = i16x8.shr_u(i16x8.add(vsB, two), 2);
      const rnd = i16x8.splat(128);
      const u = i16x8.add(
        i16x8.shr_s(
          i16x8.add(
            i16x8.sub(
              i16x8.sub(i16x8.mul(b, i16x8.splat(112)), i16x8.mul(r, i16x8.splat(38))),
              i16x8.mul(g, i16x8.splat(74)),
            ),
            rnd,
          ),
          8,
        ),
        off,
      );
      const v = i16x8.add(
        i16x8.shr_s(
          i16x8.add(
            i16x8.sub(
              i16x8.sub(i16x8.mul(r, i16x8.splat(112)), i16x8.mul(g, i16x8.splat(94))),
              i16x8.mul(b, i16x8.splat(18)),
            ),
            rnd,
          ),
          8,
        ),
        off,
      );
      v128.store64_lane(uRow + <usize> cx, i8x16.narrow_i16x8_u(u, u), 0);
      v128.store64_lane(vRow + <usize> cx, i8x16.narrow_i16x8_u(v, v), 0);
    }
    if (cx < cw) blocks1(p, w, uRow, vRow, cw, cx, y0, y1);
  }
}

/** curves: R, G and B through the 256-byte tables at t, t + 256 and t + 512. */
export function curves(p: usize, w: i32, h: i32, uOffset: i32, vOffset: i32, t: usize): void {
  op = OP_CURVES;
  tables = t;
  run(p, w, h, uOffset, vOffset);
}

/**
 * colorbalance: ffmpeg's float formula with shadows (rs, gs, bs), midtones (rm, gm, bm) and
 * highlights (rh, gh, bh), each a float.
 */
export function colorbalance(
  p: usize,
  w: i32,
  h: i32,
  uOffset: i32,
  vOffset: i32,
  rs: f32,
  gs: f32,
  bs: f32,
  rm: f32,
  gm: f32,
  bm: f32,
  rh: f32,
  gh: f32,
  bh: f32,
): void {
  op = OP_BALANCE;
  setBalance(rs, gs, bs, rm, gm, bm, rh, gh, bh);
  run(p, w, h, uOffset, vOffset);
}
