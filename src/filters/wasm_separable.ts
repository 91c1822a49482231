/**
 * Separable passes on the wasm kernels: a horizontal pass is a vertical pass on the transposed
 * plane. Used by blur, boxblur and sharpen through WasmStep.separable.
 */
import type { PlaneRect } from "./filter_module.ts";
import { align64 } from "./frame_buffers.ts";
import { boxNormaliser, type Pass } from "./passes.ts";
import type { FilterKernels } from "./wasm.ts";

/** The scratch a separable run needs (see FrameBuffers). */
export interface SeparableScratch {
  scratch: number;
  scratch2: number;
  sums: number;
}

/**
 * Horizontal passes then vertical passes (the order ffmpeg boxblur uses) from the plane at src
 * to the plane at dst: transpose, vertical passes, transpose back, vertical passes. The
 * intermediate planes alternate between the two scratch planes, with rows padded to 64 bytes
 * so that every strip of 64 columns is one cache line; the last step writes dst. No passes: a
 * copy.
 */
export function runSeparable(
  k: FilterKernels,
  buffers: SeparableScratch,
  src: number,
  dst: number,
  pl: PlaneRect,
  passes: readonly Pass[],
): void {
  const { width: w, height: h } = pl;
  if (passes.length === 0) {
    k.copy(dst, src, w * h);
    return;
  }
  const n = 2 + 2 * passes.length;
  let i = 0;
  let from = src;
  let fromStride = w;
  const step = (paddedStride: number, op: (to: number, toStride: number) => void) => {
    const last = i === n - 1;
    const to = last ? dst : i % 2 === 0 ? buffers.scratch : buffers.scratch2;
    const toStride = last ? w : paddedStride;
    op(to, toStride);
    from = to;
    fromStride = toStride;
    i++;
  };
  const run = (pw: number, ph: number) => {
    for (const pass of passes) {
      step(align64(pw), (to, toStride) => {
        if (pass.kind === "box") {
          const { m, shift } = boxNormaliser(2 * pass.radius + 1);
          k.boxV(from, fromStride, to, toStride, pw, ph, pass.radius, m, shift, buffers.sums);
        } else {
          k.tap3V(from, fromStride, to, toStride, pw, ph, pass.c1);
        }
      });
    }
  };
  step(align64(h), (to, toStride) => k.transpose(from, fromStride, to, toStride, w, h));
  run(h, w);
  step(align64(w), (to, toStride) => k.transpose(from, fromStride, to, toStride, h, w));
  run(w, h);
}
