/**
 * Block averaging (ffmpeg pixelize, mode avg), in place on a w × h plane: blocks of b × b
 * aligned to the top-left corner, the last row and column of blocks cut short by the plane edge;
 * each block becomes floor(sum / n) of its n samples.
 */

/** `sums` is scratch of at least 2 · (w + 16) bytes; 1 ≤ b ≤ 256. */
export function pixelate(p: usize, w: i32, h: i32, b: i32, sums: usize): void {
  const W = <usize> w;
  const full = W & ~15;
  for (let y0 = 0; y0 < h; y0 += b) {
    const bh = min(b, h - y0);
    memory.fill(sums, 0, (W + 16) << 1);
    for (let y = y0; y < y0 + bh; y++) {
      const row = p + <usize> y * W;
      for (let x: usize = 0; x < full; x += 16) {
        const a = v128.load(row + x);
        const s = sums + (x << 1);
        v128.store(s, i16x8.add(v128.load(s), i16x8.extend_low_i8x16_u(a)));
        v128.store(s, i16x8.add(v128.load(s, 16), i16x8.extend_high_i8x16_u(a)), 16);
      }
      for (let x = full; x < W; x++) {
        const s = sums + (x << 1);
        store<u16>(s, load<u16>(s) + <u16> load<u8>(row + x));
      }
    }
    for (let x0 = 0; x0 < w; x0 += b) {
      const bw = min(b, w - x0);
      let sum: u32 = 0;
      for (let x = x0; x < x0 + bw; x++) sum += <u32> load<u16>(sums + (<usize> x << 1));
      const n = <u32> (bw * bh);
      const avg = sum / n;
      const X0 = <usize> x0;
      const BW = <usize> bw;
      if (bw >= 16) {
        const v = i8x16.splat(<i8> avg);
        for (let y = y0; y < y0 + bh; y++) {
          const row = p + <usize> y * W + X0;
          let x: usize = 0;
          for (; x + 16 <= BW; x += 16) v128.store(row + x, v);
          if (x < BW) v128.store(row + BW - 16, v);
        }
      } else {
        for (let y = y0; y < y0 + bh; y++) {
          memory.fill(p + <usize> y * W + X0, <u8> avg, BW);
        }
      }
    }
  }
}
