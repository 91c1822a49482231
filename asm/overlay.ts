/**
 * ffmpeg overlay's straight-alpha blend of one 8-bit plane (libavfilter/vf_overlay.c,
 * blend_plane): over a w × h window, each destination byte d becomes
 * FAST_DIV255(d · (255 − a) + s · a), FAST_DIV255(x) = ((x + 128) · 257) >> 16, with s the
 * overlay's sample and a its alpha (for chroma, the host passes the 2×2 average alpha plane).
 * Rows: dst every ds bytes, src and alpha every ss bytes. In 16-bit lanes: t = d·(255−a) + s·a +
 * 128 ≤ 65153, and (t·257) >> 16 = (t + (t >> 8)) >> 8, which stays below 65536.
 */
export function overlayBlend(
  dst: usize,
  ds: i32,
  src: usize,
  alpha: usize,
  ss: i32,
  w: i32,
  h: i32,
): void {
  if (w <= 0 || h <= 0) return;
  const W = <usize> w;
  const full = W & ~15;
  for (let r = 0; r < h; r++) {
    const d = dst + <usize> r * <usize> ds;
    const s = src + <usize> r * <usize> ss;
    const a = alpha + <usize> r * <usize> ss;
    for (let i: usize = 0; i < full; i += 16) {
      const dv = v128.load(d + i);
      const sv = v128.load(s + i);
      const av = v128.load(a + i);
      const lo = O.blend8(
        i16x8.extend_low_i8x16_u(dv),
        i16x8.extend_low_i8x16_u(sv),
        i16x8.extend_low_i8x16_u(av),
      );
      const hi = O.blend8(
        i16x8.extend_high_i8x16_u(dv),
        i16x8.extend_high_i8x16_u(sv),
        i16x8.extend_high_i8x16_u(av),
      );
      v128.store(d + i, i8x16.narrow_i16x8_u(lo, hi));
    }
    for (let i = full; i < W; i++) {
      const x = <u32> load<u8>(a + i);
      const t = <u32> load<u8>(d + i) * (255 - x) + <u32> load<u8>(s + i) * x + 128;
      store<u8>(d + i, <u8> ((t * 257) >> 16));
    }
  }
}

/** One blend step on eight 16-bit lanes, inlined. */
class O {
  @inline
  static blend8(d: v128, s: v128, a: v128): v128 {
    const inv = i16x8.sub(i16x8.splat(255), a);
    const t = i16x8.add(i16x8.add(i16x8.mul(d, inv), i16x8.mul(s, a)), i16x8.splat(128));
    return i16x8.shr_u(i16x8.add(t, i16x8.shr_u(t, 8)), 8);
  }
}
