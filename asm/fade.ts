/**
 * ffmpeg fade's per-sample step on 8-bit planes (libavfilter/vf_fade.c, filter_slice_luma and
 * filter_slice_chroma), in place on n contiguous bytes:
 * x' = ((x - base) · factor + add) >> 16, clamped to [0, 255], with factor in [0, 65535]
 * (65536 would keep the picture). ffmpeg's black fade: base 16 and add (16 << 16) + 32768 for
 * luma, base 128 and add 8421367 for chroma; a fade to colour c: base c, add (c << 16) + 32768.
 */
export function fade(p: usize, n: i32, base: i32, factor: i32, add: i32): void {
  const N = <usize> n;
  const full = N & ~15;
  const b = i32x4.splat(base);
  const f = i32x4.splat(factor);
  const a = i32x4.splat(add);
  for (let i: usize = 0; i < full; i += 16) {
    const x = v128.load(p + i);
    const l = i16x8.extend_low_i8x16_u(x);
    const h = i16x8.extend_high_i8x16_u(x);
    const l0 = F.step(i32x4.extend_low_i16x8_u(l), b, f, a);
    const l1 = F.step(i32x4.extend_high_i16x8_u(l), b, f, a);
    const h0 = F.step(i32x4.extend_low_i16x8_u(h), b, f, a);
    const h1 = F.step(i32x4.extend_high_i16x8_u(h), b, f, a);
    v128.store(
      p + i,
      i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(l0, l1), i16x8.narrow_i32x4_s(h0, h1)),
    );
  }
  for (let i = full; i < N; i++) {
    let v = ((<i32> load<u8>(p + i) - base) * factor + add) >> 16;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    store<u8>(p + i, <u8> v);
  }
}

/** One step of fade on four lanes, inlined. */
class F {
  @inline
  static step(x: v128, b: v128, f: v128, a: v128): v128 {
    return i32x4.shr_s(i32x4.add(i32x4.mul(i32x4.sub(x, b), f), a), 16);
  }
}
