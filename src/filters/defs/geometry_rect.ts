/**
 * Shared by `crop` and `pad`: C's lrint and truncation as ffmpeg applies them to evaluated
 * sizes, and copying a rectangle of planes (reference, and the shared `copyPlane` kernel:
 * rows moved with bulk memory.copy).
 */
import type { PlaneRect, WasmStep } from "../filter_module.ts";

/** C's lrint: to the nearest integer, halves to even; NaN and infinities stay NaN. */
export function lrint(v: number): number {
  if (!Number.isFinite(v)) return NaN;
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** C's (int) of a double: truncation; NaN and infinities stay NaN. */
export function cTrunc(v: number): number {
  return Number.isFinite(v) ? Math.trunc(v) : NaN;
}

/**
 * Copies the w × h rectangle at (sx, sy) of the plane `src` (width sw) to (dx, dy) of the plane
 * `dst` (width dw), in place.
 */
export function copyRectRef(
  src: Uint8Array,
  sw: number,
  sx: number,
  sy: number,
  dst: Uint8Array,
  dw: number,
  dx: number,
  dy: number,
  w: number,
  h: number,
): void {
  for (let y = 0; y < h; y++) {
    const from = (sy + y) * sw + sx;
    dst.set(src.subarray(from, from + w), (dy + y) * dw + dx);
  }
}

/**
 * Runs copyPlane from plane `from` of the step's source (at x, y) to plane `to` of its
 * destination (at dx, dy), w × h samples.
 */
export function copyRectWasm(
  step: WasmStep,
  from: PlaneRect,
  x: number,
  y: number,
  to: PlaneRect,
  dx: number,
  dy: number,
  w: number,
  h: number,
): void {
  const s = step.src + from.offset + y * from.width + x;
  const d = step.dst + to.offset + dy * to.width + dx;
  step.k.copyPlane(s, from.width, d, to.width, w, h);
}
