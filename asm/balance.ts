/**
 * ffmpeg 5.1's colorbalance (libavfilter/vf_colorbalance.c, get_component) on 4 pixels, its float
 * arithmetic kept lane for lane: with r, g, b as fractions of 255 and l = max + min of them,
 *   ws = clip((0.333 - l)·4 + 0.5)·0.7
 *   wm = clip((l - 0.333)·4 + 0.5) · clip(float((1.0 - l - 0.333)·4 + 0.5)) · 0.7  (a double)
 *   wh = clip((l + 0.333 - 1)·4 + 0.5)·0.7
 *   c' = lrintf(clip(c + s·ws + m·wm + h·wh) · 255)
 * for each channel c with its shadows s, midtones m and highlights h (clip: to [0, 1]).
 */

let sR: f32 = 0;
let sG: f32 = 0;
let sB: f32 = 0;
let mR: f32 = 0;
let mG: f32 = 0;
let mB: f32 = 0;
let hR: f32 = 0;
let hG: f32 = 0;
let hB: f32 = 0;

/** Sets the nine amounts balance4 uses. */
export function setBalance(
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
  sR = rs;
  sG = gs;
  sB = bs;
  mR = rm;
  mG = gm;
  mB = bm;
  hR = rh;
  hG = gh;
  hB = bh;
}

/** clip(v + s·ws + m·wm + h·wh, 0, 1) · 255 rounded half to even (ffmpeg's get_component). */
function component4(v: v128, s: f32, m: f32, h: f32, ws: v128, wm: v128, wh: v128): v128 {
  let x = f32x4.add(v, f32x4.mul(f32x4.splat(s), ws));
  x = f32x4.add(x, f32x4.mul(f32x4.splat(m), wm));
  x = f32x4.add(x, f32x4.mul(f32x4.splat(h), wh));
  x = f32x4.min(f32x4.max(x, f32x4.splat(0)), f32x4.splat(1));
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(x, f32x4.splat(255))));
}

function clip01(x: v128): v128 {
  return f32x4.min(f32x4.max(x, f32x4.splat(0)), f32x4.splat(1));
}

/** Four bytes at p as f32 lanes divided by 255. */
function unit4(p: usize): v128 {
  const b = v128.load32_zero(p);
  const i = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(b));
  return f32x4.div(f32x4.convert_i32x4_u(i), f32x4.splat(255));
}

/** Stores the low byte of each i32 lane (values 0..255) as four bytes at p. */
function store4(p: usize, v: v128): void {
  const n = i16x8.narrow_i32x4_s(v, v);
  v128.store32_lane(p, i8x16.narrow_i16x8_u(n, n), 0);
}

/** ffmpeg's colorbalance on 4 pixels (R, G, B bytes at p, p + 16, p + 32), in place. */
export function balance4(p: usize): void {
  const r = unit4(p);
  const g = unit4(p + 16);
  const b = unit4(p + 32);
  const l = f32x4.add(f32x4.max(r, f32x4.max(g, b)), f32x4.min(r, f32x4.min(g, b)));
  const B = f32x4.splat(0.333);
  const four = f32x4.splat(4);
  const half = f32x4.splat(0.5);
  const scale = f32x4.splat(0.7);
  const ws = f32x4.mul(clip01(f32x4.add(f32x4.mul(f32x4.sub(B, l), four), half)), scale);
  const m1 = clip01(f32x4.add(f32x4.mul(f32x4.sub(l, B), four), half));
  // (1.0 - l - b) · a + 0.5 is computed in double, then made a float.
  const Bd = f64x2.splat(<f64> (<f32> 0.333));
  const lLo = f64x2.promote_low_f32x4(l);
  const lHi = f64x2.promote_low_f32x4(i32x4.shuffle(l, l, 2, 3, 0, 1));
  const dLo = f64x2.add(
    f64x2.mul(f64x2.sub(f64x2.sub(f64x2.splat(1), lLo), Bd), f64x2.splat(4)),
    f64x2.splat(0.5),
  );
  const dHi = f64x2.add(
    f64x2.mul(f64x2.sub(f64x2.sub(f64x2.splat(1), lHi), Bd), f64x2.splat(4)),
    f64x2.splat(0.5),
  );
  const m2 = clip01(
    i32x4.shuffle(f32x4.demote_f64x2_zero(dLo), f32x4.demote_f64x2_zero(dHi), 0, 1, 4, 5),
  );
  const wm = f32x4.mul(f32x4.mul(m1, m2), scale);
  const wh = f32x4.mul(
    clip01(f32x4.add(f32x4.mul(f32x4.sub(f32x4.add(l, B), f32x4.splat(1)), four), half)),
    scale,
  );
  store4(p, component4(r, sR, mR, hR, ws, wm, wh));
  store4(p + 16, component4(g, sG, mG, hG, ws, wm, wh));
  store4(p + 32, component4(b, sB, mB, hB, ws, wm, wh));
}
