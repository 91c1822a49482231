/**
 * Mirror flips, in place on a w × h plane.
 */

class F {
  @inline
  static reverse(a: v128): v128 {
    return v128.shuffle<u8>(a, a, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  }
}

/** Reverses every row (ffmpeg hflip). */
export function hflip(p: usize, w: i32, h: i32): void {
  const W = <usize> w;
  for (let y = 0; y < h; y++) {
    const row = p + <usize> y * W;
    let i = 0;
    let j = w - 16;
    while (i + 16 <= j) {
      const a = v128.load(row + <usize> i);
      const b = v128.load(row + <usize> j);
      v128.store(row + <usize> i, F.reverse(b));
      v128.store(row + <usize> j, F.reverse(a));
      i += 16;
      j -= 16;
    }
    // Middle segment [i, j + 16): fewer than 32 samples.
    let e = j + 15;
    if (e - i + 1 >= 16) {
      const a = v128.load(row + <usize> i);
      const b = v128.load(row + <usize> j);
      v128.store(row + <usize> i, F.reverse(b));
      v128.store(row + <usize> j, F.reverse(a));
    } else {
      while (i < e) {
        const t = load<u8>(row + <usize> i);
        store<u8>(row + <usize> i, load<u8>(row + <usize> e));
        store<u8>(row + <usize> e, t);
        i++;
        e--;
      }
    }
  }
}

/** Reverses the order of the rows (ffmpeg vflip). */
export function vflip(p: usize, w: i32, h: i32): void {
  const W = <usize> w;
  const full = W & ~15;
  for (let y = 0; y < h >> 1; y++) {
    const a = p + <usize> y * W;
    const b = p + <usize> (h - 1 - y) * W;
    for (let x: usize = 0; x < full; x += 16) {
      const va = v128.load(a + x);
      v128.store(a + x, v128.load(b + x));
      v128.store(b + x, va);
    }
    for (let x = full; x < W; x++) {
      const t = load<u8>(a + x);
      store<u8>(a + x, load<u8>(b + x));
      store<u8>(b + x, t);
    }
  }
}

/**
 * Reverses n bytes in place: a w × h plane turned by 180° (ffmpeg rotate=PI, hflip and vflip
 * together), its rows packed. 16 bytes from each end per step, each reversed in a register.
 */
export function reverse(p: usize, n: i32): void {
  let i: usize = 0;
  let j: usize = <usize> n;
  while (j - i >= 32) {
    j -= 16;
    const a = v128.load(p + i);
    const b = v128.load(p + j);
    v128.store(p + i, F.reverse(b));
    v128.store(p + j, F.reverse(a));
    i += 16;
  }
  if (j - i >= 16) {
    // 16 to 31 bytes left: reverse the two overlapping 16-byte ends, reading both first.
    const a = v128.load(p + i);
    const b = v128.load(p + j - 16);
    v128.store(p + i, F.reverse(b));
    v128.store(p + j - 16, F.reverse(a));
    return;
  }
  while (j - i >= 2) {
    j--;
    const t = load<u8>(p + i);
    store<u8>(p + i, load<u8>(p + j));
    store<u8>(p + j, t);
    i++;
  }
}
