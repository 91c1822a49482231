/**
 * ffmpeg's drawbox on a yuv420p frame, in place (libavfilter/vf_drawbox.c): inside the clipped
 * box [left, right) × [top, down), a luma sample that belongs to the box (within `t` of one of
 * its edges; `t` as large as the box fills it) goes through the table at ty, and each time a luma
 * sample belongs, the chroma sample above it goes through its plane's one-blend table (ffmpeg
 * blends chroma once per luma sample, so a chroma sample whose four luma samples belong is
 * blended four times). The host precomputes the tables: at tables, U once, V once, U four times,
 * V four times (256 bytes each); ty blends the luma (or inverts it for color=invert, when
 * `chroma` is 0 and the chroma is left alone). counts: (w + 1) / 2 bytes of scratch.
 */
import { lut } from "./point";

/** Small steps of drawbox, inlined. */
class D {
  /** True when every column of row r in the box belongs (r is within t of the top or bottom). */
  @inline
  static fullRow(r: i32, by: i32, bh: i32, t: i32): bool {
    return r - by < t || by + bh - 1 - r < t;
  }

  /** Applies the one-blend table t1 to the byte at p, k times (the four-blend table for k = 4). */
  @inline
  static blendTimes(p: usize, k: i32, t1: usize, t4: usize): void {
    if (k == 4) {
      store<u8>(p, load<u8>(t4 + <usize> load<u8>(p)));
      return;
    }
    let v = load<u8>(p);
    for (let i = 0; i < k; i++) v = load<u8>(t1 + <usize> v);
    store<u8>(p, v);
  }

  /** Adds 1 to counts[x >> 1] for x in [s, e). */
  @inline
  static countSpan(counts: usize, s: i32, e: i32): void {
    for (let x = s; x < e; x++) {
      const at = counts + (<usize> x >> 1);
      store<u8>(at, load<u8>(at) + 1);
    }
  }
}

export function drawbox(
  y: usize,
  u: usize,
  v: usize,
  w: i32,
  left: i32,
  top: i32,
  right: i32,
  down: i32,
  bx: i32,
  by: i32,
  bw: i32,
  bh: i32,
  t: i32,
  ty: usize,
  tables: usize,
  chroma: i32,
  counts: usize,
): void {
  if (left >= right || top >= down) return;
  const W = <usize> w;
  const cw = <usize> ((w + 1) >> 1);
  // The columns that belong in a row that is not within t of the top or bottom edge:
  // [left, a) and [b, right); when they meet, every column of every row belongs.
  const a = min(right, bx + t);
  const b = max(left, bx + bw - t);
  const sides = b > a;
  for (let r = top; r < down; r++) {
    const row = y + <usize> r * W;
    if (!sides || D.fullRow(r, by, bh, t)) {
      lut(row + <usize> left, right - left, ty);
    } else {
      if (a > left) lut(row + <usize> left, a - left, ty);
      if (b < right) lut(row + <usize> b, right - b, ty);
    }
  }
  if (chroma == 0) return;
  const u1 = tables;
  const v1 = tables + 256;
  const u4 = tables + 512;
  const v4 = tables + 768;
  const cl = left >> 1;
  const cr = (right - 1) >> 1; // the last chroma column touched
  for (let cy = top >> 1; cy <= (down - 1) >> 1; cy++) {
    const r0 = 2 * cy;
    const r1 = r0 + 1;
    const has0 = r0 >= top;
    const has1 = r1 < down;
    const full0 = !sides || D.fullRow(r0, by, bh, t);
    const full1 = !sides || D.fullRow(r1, by, bh, t);
    const uRow = u + <usize> cy * cw;
    const vRow = v + <usize> cy * cw;
    if (has0 && has1 && full0 && full1) {
      // Both rows belong over [left, right): four blends where both columns are inside.
      const mid0 = (left + 1) >> 1;
      const mid1 = right >> 1;
      if (mid1 > mid0) {
        lut(uRow + <usize> mid0, mid1 - mid0, u4);
        lut(vRow + <usize> mid0, mid1 - mid0, v4);
      }
      if (left & 1) {
        D.blendTimes(uRow + <usize> cl, 2, u1, u4);
        D.blendTimes(vRow + <usize> cl, 2, v1, v4);
      }
      if (right & 1 && cr >= mid0) {
        D.blendTimes(uRow + <usize> cr, 2, u1, u4);
        D.blendTimes(vRow + <usize> cr, 2, v1, v4);
      }
      continue;
    }
    memory.fill(counts + <usize> cl, 0, <usize> (cr - cl + 1));
    let anyFull = false;
    for (let k = 0; k < 2; k++) {
      if (k == 0 ? !has0 : !has1) continue;
      if (k == 0 ? full0 : full1) {
        anyFull = true;
        D.countSpan(counts, left, right);
      } else {
        if (a > left) D.countSpan(counts, left, a);
        D.countSpan(counts, b, right);
      }
    }
    // When no row is full only the sides belong: skip the chroma columns between them.
    const gap0 = anyFull || a <= left ? cl : (a - 1) >> 1;
    const gap1 = anyFull ? cl : b >> 1;
    for (let cx = cl; cx <= cr; cx++) {
      if (cx > gap0 && cx < gap1) {
        cx = gap1;
        if (cx > cr) break;
      }
      const k = <i32> load<u8>(counts + <usize> cx);
      if (k == 0) continue;
      D.blendTimes(uRow + <usize> cx, k, u1, u4);
      D.blendTimes(vRow + <usize> cx, k, v1, v4);
    }
  }
}
