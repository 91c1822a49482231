/**
 * Quarter turns and their mirror images, shared by `transpose` and `rotate`: ffmpeg transpose's
 * four directions as the `transpose` kernel followed by an in-place flip.
 */
import type { WasmStep } from "../filter_module.ts";
import { transpose } from "../reference_kernels.ts";
import type { FilterKernels } from "../wasm.ts";

/** The kernels a turn calls beyond the shared ones. */
export interface TurnKernels extends FilterKernels {
  hflip(p: number, w: number, h: number): void;
  vflip(p: number, w: number, h: number): void;
  reverse(p: number, n: number): void;
}

/** ffmpeg transpose's directions. */
export const TRANSPOSE_DIRS = { cclock_flip: 0, clock: 1, cclock: 2, clock_flip: 3 } as const;

/** Reference: the w × h plane turned in direction `dir` (an h × w plane). */
export function turnPlane(plane: Uint8Array, w: number, h: number, dir: number): Uint8Array {
  const t = transpose(plane, w, h); // h wide, w tall
  if (dir === 0) return t;
  const out = new Uint8Array(t.length);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < h; x++) {
      const sx = dir === 1 || dir === 3 ? h - 1 - x : x;
      const sy = dir === 2 || dir === 3 ? w - 1 - y : y;
      out[y * h + x] = t[sy * h + sx];
    }
  }
  return out;
}

/** Turns every plane of the step's frame from `src` into `dst` in direction `dir`. */
export function turnWasm(step: WasmStep<TurnKernels>, dir: number): void {
  const { k, src, dst, planes } = step;
  for (const p of planes) {
    const d = dst + p.offset;
    k.transpose(src + p.offset, p.width, d, p.height, p.width, p.height);
    if (dir === 1) k.hflip(d, p.height, p.width);
    else if (dir === 2) k.vflip(d, p.height, p.width);
    else if (dir === 3) k.reverse(d, p.width * p.height);
  }
}
