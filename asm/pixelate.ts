/**
 * Block averaging (ffmpeg pixelize, mode avg), in place on a w × h plane: blocks of b × b
 * aligned to the top-left corner, the last row and column of blocks cut short by the plane edge;
 * each block becomes floor(sum / n) of its n samples.
 */

/** Fills a bw × bh block (row stride W) with one byte value, with the widest stores that fit. */
class Fill {
  @inline
  static block(at: usize, W: usize, bw: usize, bh: i32, avg: u32): void {
    if (bw >= 16) {
      const v = i8x16.splat(<i8> avg);
      for (let y = 0; y < bh; y++) {
        const row = at + <usize> y * W;
        let x: usize = 0;
        for (; x + 16 <= bw; x += 16) v128.store(row + x, v);
        if (x < bw) v128.store(row + bw - 16, v);
      }
    } else if (bw >= 8) {
      const v = <u64> avg * 0x0101010101010101;
      for (let y = 0; y < bh; y++) {
        const row = at + <usize> y * W;
        store<u64>(row, v);
        store<u64>(row + bw - 8, v);
      }
    } else if (bw >= 4) {
      const v = avg * 0x01010101;
      for (let y = 0; y < bh; y++) {
        const row = at + <usize> y * W;
        store<u32>(row, v);
        store<u32>(row + bw - 4, v);
      }
    } else {
      for (let y = 0; y < bh; y++) {
        const row = at + <usize> y * W;
        for (let x: usize = 0; x < bw; x++) store<u8>(row + x, <u8> avg);
      }
    }
  }
}

/**
 * The general case on columns [x0, x0 + w) of the plane (row stride W), x0 a multiple of b.
 * `sums` is scratch of at least 2 · (w + 16) bytes.
 */
function general(p: usize, W: usize, x0: i32, w: i32, h: i32, b: i32, sums: usize): void {
  const base = p + <usize> x0;
  const full = <usize> w & ~15;
  for (let y0 = 0; y0 < h; y0 += b) {
    const bh = min(b, h - y0);
    memory.fill(sums, 0, (<usize> w + 16) << 1);
    for (let y = y0; y < y0 + bh; y++) {
      const row = base + <usize> y * W;
      for (let x: usize = 0; x < full; x += 16) {
        const a = v128.load(row + x);
        const s = sums + (x << 1);
        v128.store(s, i16x8.add(v128.load(s), i16x8.extend_low_i8x16_u(a)));
        v128.store(s, i16x8.add(v128.load(s, 16), i16x8.extend_high_i8x16_u(a)), 16);
      }
      for (let x = full; x < <usize> w; x++) {
        const s = sums + (x << 1);
        store<u16>(s, load<u16>(s) + <u16> load<u8>(row + x));
      }
    }
    const inv = 1.0 / <f64> (b * bh);
    for (let bx = 0; bx < w; bx += b) {
      const bw = min(b, w - bx);
      let sum: u32 = 0;
      for (let x = bx; x < bx + bw; x++) sum += <u32> load<u16>(sums + (<usize> x << 1));
      // floor(sum / n): (sum + 0.5) / n stays below the next integer, far above rounding error.
      const avg = bw == b ? <u32> ((<f64> sum + 0.5) * inv) : sum / <u32> (bw * bh);
      Fill.block(base + <usize> y0 * W + <usize> bx, W, <usize> bw, bh, avg);
    }
  }
}

/** b = 2: each 2 × 2 block from two rows at once, 8 blocks per vector. */
function pairs(p: usize, w: i32, h: i32, sums: usize): void {
  const W = <usize> w;
  const full = W & ~15;
  const h2 = h & ~1;
  for (let y = 0; y < h2; y += 2) {
    const r0 = p + <usize> y * W;
    const r1 = r0 + W;
    for (let x: usize = 0; x < full; x += 16) {
      const s = i16x8.add(
        i16x8.extadd_pairwise_i8x16_u(v128.load(r0 + x)),
        i16x8.extadd_pairwise_i8x16_u(v128.load(r1 + x)),
      );
      const avg = i16x8.shr_u(s, 2);
      const out = v128.or(avg, i16x8.shl(avg, 8));
      v128.store(r0 + x, out);
      v128.store(r1 + x, out);
    }
  }
  if (full < W) general(p, W, <i32> full, w - <i32> full, h, 2, sums);
  if (h2 < h) general(p + <usize> h2 * W, W, 0, w, h - h2, 2, sums);
}

/** `sums` is scratch of at least 2 · (w + 16) bytes; 1 ≤ b ≤ 256. */
export function pixelate(p: usize, w: i32, h: i32, b: i32, sums: usize): void {
  if (b <= 1) return;
  if (b == 2) pairs(p, w, h, sums);
  else general(p, <usize> w, 0, w, h, b, sums);
}
