/**
 * 3×3 neighbourhood kernels from src to dst (distinct), with ffmpeg's convolution border rule
 * (edges.ts `reflect3`): Sobel gradient magnitude and the emboss preset of ffmpeg's convolution
 * filter. Interior columns run 16 at a time; columns 0 and w-1, and planes narrower than 18, are
 * computed one sample at a time.
 */
import { reflect3 } from "./edges";

function sobelAt(src: usize, w: i32, h: i32, x: i32, y: i32): u8 {
  const W = <usize> w;
  const u = src + <usize> reflect3(y - 1, h) * W;
  const m = src + <usize> y * W;
  const d = src + <usize> reflect3(y + 1, h) * W;
  const xl = <usize> reflect3(x - 1, w);
  const xc = <usize> x;
  const xr = <usize> reflect3(x + 1, w);
  const ul = <i32> load<u8>(u + xl);
  const uc = <i32> load<u8>(u + xc);
  const ur = <i32> load<u8>(u + xr);
  const ml = <i32> load<u8>(m + xl);
  const mr = <i32> load<u8>(m + xr);
  const dl = <i32> load<u8>(d + xl);
  const dc = <i32> load<u8>(d + xc);
  const dr = <i32> load<u8>(d + xr);
  const gx = ur - ul + 2 * (mr - ml) + dr - dl;
  const gy = dl - ul + 2 * (dc - uc) + dr - ur;
  const mag = <i32> Mathf.sqrt(<f32> (gx * gx + gy * gy));
  return <u8> (mag > 255 ? 255 : mag);
}

function embossAt(src: usize, w: i32, h: i32, x: i32, y: i32): u8 {
  const W = <usize> w;
  const u = src + <usize> reflect3(y - 1, h) * W;
  const m = src + <usize> y * W;
  const d = src + <usize> reflect3(y + 1, h) * W;
  const xl = <usize> reflect3(x - 1, w);
  const xc = <usize> x;
  const xr = <usize> reflect3(x + 1, w);
  const s = -2 * <i32> load<u8>(u + xl) - <i32> load<u8>(u + xc) - <i32> load<u8>(m + xl) +
    <i32> load<u8>(m + xc) + <i32> load<u8>(m + xr) + <i32> load<u8>(d + xc) +
    2 * <i32> load<u8>(d + xr);
  return <u8> (s < 0 ? 0 : s > 255 ? 255 : s);
}

class C {
  /** |(gx, gy)| truncated and clamped to 255, for 8 lanes of i16 gradients. */
  @inline
  static magnitude(gx: v128, gy: v128): v128 {
    const a = v128.shuffle<i16>(gx, gy, 0, 8, 1, 9, 2, 10, 3, 11);
    const b = v128.shuffle<i16>(gx, gy, 4, 12, 5, 13, 6, 14, 7, 15);
    const ma = i32x4.trunc_sat_f32x4_s(f32x4.sqrt(f32x4.convert_i32x4_s(i32x4.dot_i16x8_s(a, a))));
    const mb = i32x4.trunc_sat_f32x4_s(f32x4.sqrt(f32x4.convert_i32x4_s(i32x4.dot_i16x8_s(b, b))));
    return i16x8.narrow_i32x4_s(ma, mb);
  }
}

/** Sobel gradient magnitude: dst = min(255, trunc(sqrt(gx² + gy²))) (ffmpeg sobel, scale 1). */
export function sobel(src: usize, dst: usize, w: i32, h: i32): void {
  const W = <usize> w;
  for (let y = 0; y < h; y++) {
    const out = dst + <usize> y * W;
    if (w >= 18) {
      const u = src + <usize> reflect3(y - 1, h) * W;
      const m = src + <usize> y * W;
      const d = src + <usize> reflect3(y + 1, h) * W;
      let x: usize = 1;
      while (true) {
        if (x + 17 > W) x = W - 17;
        const ul = v128.load(u + x - 1);
        const uc = v128.load(u + x);
        const ur = v128.load(u + x + 1);
        const ml = v128.load(m + x - 1);
        const mr = v128.load(m + x + 1);
        const dl = v128.load(d + x - 1);
        const dc = v128.load(d + x);
        const dr = v128.load(d + x + 1);
        // Low 8 lanes.
        let gx = i16x8.add(
          i16x8.sub(i16x8.extend_low_i8x16_u(ur), i16x8.extend_low_i8x16_u(ul)),
          i16x8.sub(i16x8.extend_low_i8x16_u(dr), i16x8.extend_low_i8x16_u(dl)),
        );
        let t = i16x8.sub(i16x8.extend_low_i8x16_u(mr), i16x8.extend_low_i8x16_u(ml));
        gx = i16x8.add(gx, i16x8.add(t, t));
        let gy = i16x8.add(
          i16x8.sub(i16x8.extend_low_i8x16_u(dl), i16x8.extend_low_i8x16_u(ul)),
          i16x8.sub(i16x8.extend_low_i8x16_u(dr), i16x8.extend_low_i8x16_u(ur)),
        );
        t = i16x8.sub(i16x8.extend_low_i8x16_u(dc), i16x8.extend_low_i8x16_u(uc));
        gy = i16x8.add(gy, i16x8.add(t, t));
        const lo = C.magnitude(gx, gy);
        // High 8 lanes.
        gx = i16x8.add(
          i16x8.sub(i16x8.extend_high_i8x16_u(ur), i16x8.extend_high_i8x16_u(ul)),
          i16x8.sub(i16x8.extend_high_i8x16_u(dr), i16x8.extend_high_i8x16_u(dl)),
        );
        t = i16x8.sub(i16x8.extend_high_i8x16_u(mr), i16x8.extend_high_i8x16_u(ml));
        gx = i16x8.add(gx, i16x8.add(t, t));
        gy = i16x8.add(
          i16x8.sub(i16x8.extend_high_i8x16_u(dl), i16x8.extend_high_i8x16_u(ul)),
          i16x8.sub(i16x8.extend_high_i8x16_u(dr), i16x8.extend_high_i8x16_u(ur)),
        );
        t = i16x8.sub(i16x8.extend_high_i8x16_u(dc), i16x8.extend_high_i8x16_u(uc));
        gy = i16x8.add(gy, i16x8.add(t, t));
        const hi = C.magnitude(gx, gy);
        v128.store(out + x, i8x16.narrow_i16x8_u(lo, hi));
        x += 16;
        if (x + 1 >= W) break;
      }
      store<u8>(out, sobelAt(src, w, h, 0, y));
      store<u8>(out + W - 1, sobelAt(src, w, h, w - 1, y));
    } else {
      for (let x = 0; x < w; x++) store<u8>(out + <usize> x, sobelAt(src, w, h, x, y));
    }
  }
}

/**
 * Emboss, ffmpeg convolution's preset '-2 -1 0 -1 1 1 0 1 2' (rdiv 1, bias 0):
 * dst = clamp(-2·ul - uc - ml + mc + mr + dc + 2·dr, 0, 255).
 */
export function emboss(src: usize, dst: usize, w: i32, h: i32): void {
  const W = <usize> w;
  for (let y = 0; y < h; y++) {
    const out = dst + <usize> y * W;
    if (w >= 18) {
      const u = src + <usize> reflect3(y - 1, h) * W;
      const m = src + <usize> y * W;
      const d = src + <usize> reflect3(y + 1, h) * W;
      let x: usize = 1;
      while (true) {
        if (x + 17 > W) x = W - 17;
        const ul = v128.load(u + x - 1);
        const uc = v128.load(u + x);
        const ml = v128.load(m + x - 1);
        const mc = v128.load(m + x);
        const mr = v128.load(m + x + 1);
        const dc = v128.load(d + x);
        const dr = v128.load(d + x + 1);
        let a = i16x8.add(i16x8.extend_low_i8x16_u(ul), i16x8.extend_low_i8x16_u(ul));
        a = i16x8.add(a, i16x8.add(i16x8.extend_low_i8x16_u(uc), i16x8.extend_low_i8x16_u(ml)));
        let b = i16x8.add(i16x8.extend_low_i8x16_u(dr), i16x8.extend_low_i8x16_u(dr));
        b = i16x8.add(b, i16x8.add(i16x8.extend_low_i8x16_u(mc), i16x8.extend_low_i8x16_u(mr)));
        b = i16x8.add(b, i16x8.extend_low_i8x16_u(dc));
        const lo = i16x8.sub(b, a);
        a = i16x8.add(i16x8.extend_high_i8x16_u(ul), i16x8.extend_high_i8x16_u(ul));
        a = i16x8.add(a, i16x8.add(i16x8.extend_high_i8x16_u(uc), i16x8.extend_high_i8x16_u(ml)));
        b = i16x8.add(i16x8.extend_high_i8x16_u(dr), i16x8.extend_high_i8x16_u(dr));
        b = i16x8.add(b, i16x8.add(i16x8.extend_high_i8x16_u(mc), i16x8.extend_high_i8x16_u(mr)));
        b = i16x8.add(b, i16x8.extend_high_i8x16_u(dc));
        const hi = i16x8.sub(b, a);
        v128.store(out + x, i8x16.narrow_i16x8_u(lo, hi));
        x += 16;
        if (x + 1 >= W) break;
      }
      store<u8>(out, embossAt(src, w, h, 0, y));
      store<u8>(out + W - 1, embossAt(src, w, h, w - 1, y));
    } else {
      for (let x = 0; x < w; x++) store<u8>(out + <usize> x, embossAt(src, w, h, x, y));
    }
  }
}
