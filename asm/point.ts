/**
 * Per-sample kernels that work in place on a contiguous run of n bytes (a plane, or the U and
 * V planes together): 16 samples per vector, then a scalar tail of fewer than 16.
 */

/** Sets every byte to 255 - x (ffmpeg negate). */
export function invert(p: usize, n: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const ones = i8x16.splat(-1);
  for (let i: usize = 0; i < full; i += 16) v128.store(p + i, v128.xor(v128.load(p + i), ones));
  for (let i = full; i < N; i++) store<u8>(p + i, ~load<u8>(p + i));
}

/** Sets every byte to 255 when x ≥ level, else 0. */
export function threshold(p: usize, n: i32, level: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const lv = i8x16.splat(<i8> level);
  for (let i: usize = 0; i < full; i += 16) v128.store(p + i, i8x16.ge_u(v128.load(p + i), lv));
  const l = <u8> level;
  for (let i = full; i < N; i++) store<u8>(p + i, load<u8>(p + i) >= l ? 255 : 0);
}

/**
 * ffmpeg eq's linear path (process_c / process_sse2):
 * x' = clamp(((x · contrast) >> 12) + brightness, 0, 255) with both in ffmpeg's integer form.
 */
export function eqLinear(p: usize, n: i32, contrast: i32, brightness: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const c = i16x8.splat(<i16> contrast);
  const b = i16x8.splat(<i16> brightness);
  for (let i: usize = 0; i < full; i += 16) {
    const a = v128.load(p + i);
    const l = i16x8.extend_low_i8x16_u(a);
    const h = i16x8.extend_high_i8x16_u(a);
    const l0 = i32x4.shr_s(i32x4.extmul_low_i16x8_s(l, c), 12);
    const l1 = i32x4.shr_s(i32x4.extmul_high_i16x8_s(l, c), 12);
    const h0 = i32x4.shr_s(i32x4.extmul_low_i16x8_s(h, c), 12);
    const h1 = i32x4.shr_s(i32x4.extmul_high_i16x8_s(h, c), 12);
    const lo = i16x8.add(i16x8.narrow_i32x4_s(l0, l1), b);
    const hi = i16x8.add(i16x8.narrow_i32x4_s(h0, h1), b);
    v128.store(p + i, i8x16.narrow_i16x8_u(lo, hi));
  }
  for (let i = full; i < N; i++) {
    let v = ((<i32> load<u8>(p + i) * contrast) >> 12) + brightness;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    store<u8>(p + i, <u8> v);
  }
}

/** x' = table[x] for a 256-byte table at t: sixteen 16-entry swizzles per vector. */
export function lut(p: usize, n: i32, t: usize): void {
  const N = <usize> n;
  const full = N & ~15;
  const step = i8x16.splat(16);
  for (let i: usize = 0; i < full; i += 16) {
    let x = v128.load(p + i);
    let r = i8x16.swizzle(v128.load(t), x);
    for (let k: usize = 16; k < 256; k += 16) {
      x = i8x16.sub(x, step);
      r = v128.or(r, i8x16.swizzle(v128.load(t + k), x));
    }
    v128.store(p + i, r);
  }
  for (let i = full; i < N; i++) store<u8>(p + i, load<u8>(t + <usize> load<u8>(p + i)));
}

/**
 * ffmpeg hue's chroma rotation with hue 0 (hue=s=S): x' = clamp(128 + ((c · (x - 128) + 2^15) >> 16))
 * where c = lrint(S · 2^16).
 */
export function chromaScale(p: usize, n: i32, c: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const k = i32x4.splat(c);
  const off = i16x8.splat(128);
  const rnd = i32x4.splat(0x808000);
  for (let i: usize = 0; i < full; i += 16) {
    const a = v128.load(p + i);
    const l = i16x8.sub(i16x8.extend_low_i8x16_u(a), off);
    const h = i16x8.sub(i16x8.extend_high_i8x16_u(a), off);
    const l0 = i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(l), k), rnd), 16);
    const l1 = i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(l), k), rnd), 16);
    const h0 = i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.extend_low_i16x8_s(h), k), rnd), 16);
    const h1 = i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.extend_high_i16x8_s(h), k), rnd), 16);
    v128.store(
      p + i,
      i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(l0, l1), i16x8.narrow_i32x4_s(h0, h1)),
    );
  }
  for (let i = full; i < N; i++) {
    let v = (c * (<i32> load<u8>(p + i) - 128) + 0x808000) >> 16;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    store<u8>(p + i, <u8> v);
  }
}

/**
 * Unsharp combine, in place on p: x' = clamp(x + q15((x - b) << 6, amount512)) where b is the
 * blurred sample and q15(a, m) = (a · m + 2^14) >> 15; i.e. x + round(amount512 · (x - b) / 512).
 */
export function unsharp(p: usize, blurred: usize, n: i32, amount512: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const m = i16x8.splat(<i16> amount512);
  for (let i: usize = 0; i < full; i += 16) {
    const a = v128.load(p + i);
    const b = v128.load(blurred + i);
    const al = i16x8.extend_low_i8x16_u(a);
    const ah = i16x8.extend_high_i8x16_u(a);
    const dl = i16x8.shl(i16x8.sub(al, i16x8.extend_low_i8x16_u(b)), 6);
    const dh = i16x8.shl(i16x8.sub(ah, i16x8.extend_high_i8x16_u(b)), 6);
    const lo = i16x8.add(al, i16x8.q15mulr_sat_s(dl, m));
    const hi = i16x8.add(ah, i16x8.q15mulr_sat_s(dh, m));
    v128.store(p + i, i8x16.narrow_i16x8_u(lo, hi));
  }
  for (let i = full; i < N; i++) {
    const x = <i32> load<u8>(p + i);
    const d = (x - <i32> load<u8>(blurred + i)) << 6;
    let v = x + ((d * amount512 + 0x4000) >> 15);
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    store<u8>(p + i, <u8> v);
  }
}

/**
 * ffmpeg hue's chroma rotation (create_chrominance_lut) computed directly, in place on n samples
 * of U at u and of V at v: with a = u - 128 and b = v - 128,
 * u' = clamp((c·a - s·b + 2^15 + 2^23) >> 16) and v' = clamp((s·a + c·b + 2^15 + 2^23) >> 16),
 * c = lrint(cos(h)·2^16·sat) and s = lrint(sin(h)·2^16·sat).
 */
export function hueRotate(u: usize, v: usize, n: i32, c: i32, s: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const vc = i32x4.splat(c);
  const vs = i32x4.splat(s);
  const off = i16x8.splat(128);
  const rnd = i32x4.splat(0x808000);
  for (let i: usize = 0; i < full; i += 16) {
    const a = v128.load(u + i);
    const b = v128.load(v + i);
    const al = i16x8.sub(i16x8.extend_low_i8x16_u(a), off);
    const ah = i16x8.sub(i16x8.extend_high_i8x16_u(a), off);
    const bl = i16x8.sub(i16x8.extend_low_i8x16_u(b), off);
    const bh = i16x8.sub(i16x8.extend_high_i8x16_u(b), off);
    const a0 = i32x4.extend_low_i16x8_s(al);
    const a1 = i32x4.extend_high_i16x8_s(al);
    const a2 = i32x4.extend_low_i16x8_s(ah);
    const a3 = i32x4.extend_high_i16x8_s(ah);
    const b0 = i32x4.extend_low_i16x8_s(bl);
    const b1 = i32x4.extend_high_i16x8_s(bl);
    const b2 = i32x4.extend_low_i16x8_s(bh);
    const b3 = i32x4.extend_high_i16x8_s(bh);
    const u0 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(a0, vc), i32x4.mul(b0, vs)), rnd), 16);
    const u1 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(a1, vc), i32x4.mul(b1, vs)), rnd), 16);
    const u2 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(a2, vc), i32x4.mul(b2, vs)), rnd), 16);
    const u3 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(a3, vc), i32x4.mul(b3, vs)), rnd), 16);
    const v0 = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(a0, vs), i32x4.mul(b0, vc)), rnd), 16);
    const v1 = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(a1, vs), i32x4.mul(b1, vc)), rnd), 16);
    const v2 = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(a2, vs), i32x4.mul(b2, vc)), rnd), 16);
    const v3 = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(a3, vs), i32x4.mul(b3, vc)), rnd), 16);
    v128.store(
      u + i,
      i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(u0, u1), i16x8.narrow_i32x4_s(u2, u3)),
    );
    v128.store(
      v + i,
      i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v0, v1), i16x8.narrow_i32x4_s(v2, v3)),
    );
  }
  for (let i = full; i < N; i++) {
    const a = <i32> load<u8>(u + i) - 128;
    const b = <i32> load<u8>(v + i) - 128;
    let nu = (c * a - s * b + 0x808000) >> 16;
    let nv = (s * a + c * b + 0x808000) >> 16;
    nu = nu < 0 ? 0 : nu > 255 ? 255 : nu;
    nv = nv < 0 ? 0 : nv > 255 ? 255 : nv;
    store<u8>(u + i, <u8> nu);
    store<u8>(v + i, <u8> nv);
  }
}
