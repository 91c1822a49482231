/**
 * The plain TypeScript reference kernels, gathered for the kernel tests: the shared building
 * blocks (src/filters/reference_kernels.ts) and the per-filter ones, which live next to their
 * filter in src/filters/defs/. Plus the box mean by its definition, used only to test boxLine.
 */
import { boxNormaliser } from "../../src/filters/passes.ts";
import { mirror, q15 } from "../../src/filters/reference_kernels.ts";

export {
  boxLine,
  clamp8,
  map,
  mirror,
  q15,
  reflect3,
  separable,
  tap3Line,
  transpose,
} from "../../src/filters/reference_kernels.ts";
export { sobel } from "../../src/filters/defs/edges.ts";
export { embossPlane as emboss } from "../../src/filters/defs/emboss.ts";
export { eqLinearSample } from "../../src/filters/defs/eq.ts";
export { hflipPlane as hflip } from "../../src/filters/defs/hflip.ts";
export { pixelatePlane as pixelate } from "../../src/filters/defs/pixelate.ts";
export { chromaScaleSample } from "../../src/filters/defs/saturation.ts";
export {
  sepiaChroma,
  type SepiaConstants,
  sepiaLumaSample,
  sepiaRgb,
} from "../../src/filters/defs/sepia.ts";
export { unsharpSample } from "../../src/filters/defs/sharpen.ts";
export { vflipPlane as vflip } from "../../src/filters/defs/vflip.ts";

/** boxLine by its definition: the window sum recomputed for every sample (slow; for tests). */
export function boxLineNaive(line: Uint8Array, r: number): Uint8Array {
  const n = line.length;
  const out = new Uint8Array(n);
  const { m, shift } = boxNormaliser(2 * r + 1);
  for (let y = 0; y < n; y++) {
    let s = 0;
    for (let i = y - r; i <= y + r; i++) s += line[mirror(i, n)];
    out[y] = q15(s >> shift, m);
  }
  return out;
}
