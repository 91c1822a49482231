/**
 * vframe's filter kernels, compiled to SIMD WebAssembly (wasm/filters.wasm, `deno task
 * build:wasm`). Every kernel works on 8-bit planes in linear memory through pointers; the host
 * (src/filters/engine.ts) lays out its buffers above `heapBase()` and grows the memory itself, so
 * the kernels never allocate.
 */
export { transpose } from "./transpose";
export { boxV, copyPlane, tap3V } from "./box";
export { chromaScale, eqLinear, hueRotate, invert, lut, threshold, unsharp } from "./point";
export { sepiaChroma, sepiaLuma } from "./sepia";
export { emboss, sobel } from "./conv3";
export { pixelate } from "./pixelate";
export { hflip, reverse, vflip } from "./flip";
export { unsharpPlane } from "./unsharp";
export { drawbox } from "./drawbox";
export { vignette } from "./vignette";
export { colorbalance, curves } from "./rgb";
export { scaleV, scaleVH } from "./scale";
export { fade } from "./fade";
export { overlayBlend } from "./overlay";

/** First byte the host may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Sets n bytes at p to value. */
export function fill(p: usize, value: i32, n: i32): void {
  memory.fill(p, <u8> value, <usize> n);
}

/** Copies n bytes from src to dst (the ranges may overlap). */
export function copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize> n);
}
