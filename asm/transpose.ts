/**
 * Plane transpose: dst (h × w) = src (w × h) transposed, both with their own row strides.
 * Horizontal passes run as vertical passes on the transposed plane. 16×16 tiles are transposed
 * in registers with four rounds of interleaving shuffles; the right and bottom remainders are
 * copied one byte at a time.
 */

class T {
  @inline
  static lo8(a: v128, b: v128): v128 {
    return v128.shuffle<u8>(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  }
  @inline
  static hi8(a: v128, b: v128): v128 {
    return v128.shuffle<u8>(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  }
  @inline
  static lo16(a: v128, b: v128): v128 {
    return v128.shuffle<u16>(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
  }
  @inline
  static hi16(a: v128, b: v128): v128 {
    return v128.shuffle<u16>(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
  }
  @inline
  static lo32(a: v128, b: v128): v128 {
    return v128.shuffle<u32>(a, b, 0, 4, 1, 5);
  }
  @inline
  static hi32(a: v128, b: v128): v128 {
    return v128.shuffle<u32>(a, b, 2, 6, 3, 7);
  }
  @inline
  static lo64(a: v128, b: v128): v128 {
    return v128.shuffle<u64>(a, b, 0, 2);
  }
  @inline
  static hi64(a: v128, b: v128): v128 {
    return v128.shuffle<u64>(a, b, 1, 3);
  }
}

/** Transposes one 16×16 tile: rows at s (stride sw) become columns at d (stride dw). */
function tile16(s: usize, sw: usize, d: usize, dw: usize): void {
  const a0 = v128.load(s);
  const a1 = v128.load(s + sw);
  const a2 = v128.load(s + sw * 2);
  const a3 = v128.load(s + sw * 3);
  const a4 = v128.load(s + sw * 4);
  const a5 = v128.load(s + sw * 5);
  const a6 = v128.load(s + sw * 6);
  const a7 = v128.load(s + sw * 7);
  const a8 = v128.load(s + sw * 8);
  const a9 = v128.load(s + sw * 9);
  const a10 = v128.load(s + sw * 10);
  const a11 = v128.load(s + sw * 11);
  const a12 = v128.load(s + sw * 12);
  const a13 = v128.load(s + sw * 13);
  const a14 = v128.load(s + sw * 14);
  const a15 = v128.load(s + sw * 15);
  // Round 1: byte pairs of rows (0,1), (2,3), ...
  const b0 = T.lo8(a0, a1);
  const b1 = T.hi8(a0, a1);
  const b2 = T.lo8(a2, a3);
  const b3 = T.hi8(a2, a3);
  const b4 = T.lo8(a4, a5);
  const b5 = T.hi8(a4, a5);
  const b6 = T.lo8(a6, a7);
  const b7 = T.hi8(a6, a7);
  const b8 = T.lo8(a8, a9);
  const b9 = T.hi8(a8, a9);
  const b10 = T.lo8(a10, a11);
  const b11 = T.hi8(a10, a11);
  const b12 = T.lo8(a12, a13);
  const b13 = T.hi8(a12, a13);
  const b14 = T.lo8(a14, a15);
  const b15 = T.hi8(a14, a15);
  // Round 2: 4 rows × 4 columns per vector. c[4g+q]: rows 4g..4g+3, columns 4q..4q+3.
  const c0 = T.lo16(b0, b2);
  const c1 = T.hi16(b0, b2);
  const c2 = T.lo16(b1, b3);
  const c3 = T.hi16(b1, b3);
  const c4 = T.lo16(b4, b6);
  const c5 = T.hi16(b4, b6);
  const c6 = T.lo16(b5, b7);
  const c7 = T.hi16(b5, b7);
  const c8 = T.lo16(b8, b10);
  const c9 = T.hi16(b8, b10);
  const c10 = T.lo16(b9, b11);
  const c11 = T.hi16(b9, b11);
  const c12 = T.lo16(b12, b14);
  const c13 = T.hi16(b12, b14);
  const c14 = T.lo16(b13, b15);
  const c15 = T.hi16(b13, b15);
  // Round 3: 8 rows × 2 columns per vector. e[h][q][s]: rows 8h..8h+7, columns 4q+2s, 4q+2s+1.
  const e0 = T.lo32(c0, c4);
  const e1 = T.hi32(c0, c4);
  const e2 = T.lo32(c1, c5);
  const e3 = T.hi32(c1, c5);
  const e4 = T.lo32(c2, c6);
  const e5 = T.hi32(c2, c6);
  const e6 = T.lo32(c3, c7);
  const e7 = T.hi32(c3, c7);
  const e8 = T.lo32(c8, c12);
  const e9 = T.hi32(c8, c12);
  const e10 = T.lo32(c9, c13);
  const e11 = T.hi32(c9, c13);
  const e12 = T.lo32(c10, c14);
  const e13 = T.hi32(c10, c14);
  const e14 = T.lo32(c11, c15);
  const e15 = T.hi32(c11, c15);
  // Round 4: whole columns.
  v128.store(d, T.lo64(e0, e8));
  v128.store(d + dw, T.hi64(e0, e8));
  v128.store(d + dw * 2, T.lo64(e1, e9));
  v128.store(d + dw * 3, T.hi64(e1, e9));
  v128.store(d + dw * 4, T.lo64(e2, e10));
  v128.store(d + dw * 5, T.hi64(e2, e10));
  v128.store(d + dw * 6, T.lo64(e3, e11));
  v128.store(d + dw * 7, T.hi64(e3, e11));
  v128.store(d + dw * 8, T.lo64(e4, e12));
  v128.store(d + dw * 9, T.hi64(e4, e12));
  v128.store(d + dw * 10, T.lo64(e5, e13));
  v128.store(d + dw * 11, T.hi64(e5, e13));
  v128.store(d + dw * 12, T.lo64(e6, e14));
  v128.store(d + dw * 13, T.hi64(e6, e14));
  v128.store(d + dw * 14, T.lo64(e7, e15));
  v128.store(d + dw * 15, T.hi64(e7, e15));
}

/**
 * Writes the transpose of the w × h plane at src (row stride ss) to dst (h × w, row stride ds).
 * src and dst must not overlap.
 */
export function transpose(src: usize, ss: i32, dst: usize, ds: i32, w: i32, h: i32): void {
  const W = <usize> w;
  const H = <usize> h;
  const S = <usize> ss;
  const D = <usize> ds;
  const tw = W & ~15;
  const th = H & ~15;
  for (let y: usize = 0; y < th; y += 16) {
    for (let x: usize = 0; x < tw; x += 16) {
      tile16(src + y * S + x, S, dst + x * D + y, D);
    }
  }
  // Right strip: columns tw..w-1 of every row.
  for (let y: usize = 0; y < H; y++) {
    const row = src + y * S;
    for (let x = tw; x < W; x++) store<u8>(dst + x * D + y, load<u8>(row + x));
  }
  // Bottom strip: rows th..h-1, columns 0..tw-1.
  for (let y = th; y < H; y++) {
    const row = src + y * S;
    for (let x: usize = 0; x < tw; x++) store<u8>(dst + x * D + y, load<u8>(row + x));
  }
}
