/**
 * FilterEngine: one wasm instance that runs filter chains on yuv420p frames, synchronously.
 *
 * The frame is copied once into wasm memory, every filter of the chain runs there (in place when
 * the filter allows it, otherwise into a second frame buffer, the two swapping roles), and the
 * result is copied out once. Buffers are laid out above the module's static data and reused
 * from frame to frame; memory grows only when a bigger frame arrives.
 */
import { type PlaneLayout, planeLayout } from "../codec/frame.ts";
import {
  boxNormaliser,
  boxPasses,
  type EqPlan,
  eqPlan,
  gaussianPasses,
  type Pass,
  pixelateBlocks,
  saturationGain,
  SEPIA,
  unsharpAmount,
} from "./kernel_params.ts";
import type { FilterChain, FilterSpec } from "./types.ts";
import { checkFrameBytes, validateChain } from "./validate.ts";
import { type FilterKernels, instantiateKernels } from "./wasm.ts";

const PAGE = 65536;
const GUARD = 64;

function align(n: number): number {
  return (n + 63) & ~63;
}

/** A plane inside one of the frame buffers. */
interface Plane {
  offset: number;
  width: number;
  height: number;
}

/** Byte offsets of the engine's buffers in wasm memory for one frame size. */
interface Layout {
  frame: PlaneLayout;
  /** Y, U and V: offsets inside a frame buffer and sizes. */
  planes: readonly Plane[];
  /** The two frame buffers. */
  a: number;
  b: number;
  /** Two planes of scratch for separable passes (luma size, rows padded to 64 bytes). */
  scratch: number;
  scratch2: number;
  /** Running sums / column sums. */
  sums: number;
  /** A 256-byte lookup table. */
  table: number;
  end: number;
}

function computeLayout(base: number, frame: PlaneLayout): Layout {
  const a = align(base) + GUARD;
  const b = a + align(frame.total) + GUARD;
  const scratch = b + align(frame.total) + GUARD;
  const padded = Math.max(align(frame.width) * frame.height, align(frame.height) * frame.width);
  const scratch2 = scratch + align(padded) + GUARD;
  const sums = scratch2 + align(padded) + GUARD;
  const longest = Math.max(frame.width, frame.height);
  // Box passes: a row table of 4 · (h + 2r + 2) bytes, r ≤ 128. Pixelate: u16 column sums.
  const sumBytes = Math.max(4 * (longest + 2 * 128 + 2), 2 * (frame.width + 16));
  const table = sums + align(sumBytes) + GUARD;
  const end = table + 256 + GUARD;
  const planes = [
    { offset: 0, width: frame.width, height: frame.height },
    { offset: frame.uOffset, width: frame.chromaWidth, height: frame.chromaHeight },
    { offset: frame.vOffset, width: frame.chromaWidth, height: frame.chromaHeight },
  ];
  return { frame, planes, a, b, scratch, scratch2, sums, table, end };
}

/**
 * Runs filter chains with the SIMD WebAssembly kernels. Not thread-safe (one per thread);
 * `apply` is synchronous. FilterPool (pool.ts) runs one per worker thread.
 */
export class FilterEngine {
  readonly #k: FilterKernels;
  readonly #base: number;
  #layout: Layout | undefined;
  #mem: Uint8Array;
  #eq: { key: string; plan: EqPlan } | undefined;

  private constructor(kernels: FilterKernels) {
    this.#k = kernels;
    this.#base = kernels.heapBase();
    this.#mem = new Uint8Array(kernels.memory.buffer);
  }

  /**
   * Loads wasm/filters.wasm (via `new URL("../../wasm/filters.wasm", import.meta.url)`:
   * Deno.readFile for file: URLs, fetch otherwise) and instantiates it.
   */
  static async create(): Promise<FilterEngine> {
    return new FilterEngine(await instantiateKernels());
  }

  /** Bytes of wasm memory in use (grows with the largest frame seen). */
  get memoryBytes(): number {
    return this.#k.memory.buffer.byteLength;
  }

  /**
   * Applies `chain` to the `width` × `height` yuv420p frame `input` and returns `output`
   * (allocated when not given). `output` may be `input` itself; otherwise `input` is not
   * modified.
   * @throws RangeError when a size is wrong; FilterChainError when the chain is not valid.
   */
  apply(
    chain: FilterChain,
    width: number,
    height: number,
    input: Uint8Array,
    output?: Uint8Array,
  ): Uint8Array {
    validateChain(chain);
    const frame = planeLayout(width, height);
    checkFrameBytes("input", input, frame);
    const out = output ?? new Uint8Array(frame.total);
    checkFrameBytes("output", out, frame, false);
    if (chain.length === 0) {
      if (out !== input) out.set(input);
      return out;
    }
    const layout = this.#prepare(frame);
    this.#mem.set(input, layout.a);
    const result = this.#run(chain, layout);
    out.set(this.#mem.subarray(result, result + frame.total));
    return out;
  }

  /**
   * Benchmark hook: copies `input` into wasm memory and returns a function that runs `chain`
   * on that frame in place each time it is called (no copies in or out), so kernel time can be
   * measured alone. Filters applied repeatedly accumulate, as they would on a real frame.
   */
  prepareInPlace(
    chain: FilterChain,
    width: number,
    height: number,
    input: Uint8Array,
  ): () => void {
    validateChain(chain);
    const frame = planeLayout(width, height);
    checkFrameBytes("input", input, frame);
    const layout = this.#prepare(frame);
    this.#mem.set(input, layout.a);
    return () => {
      const result = this.#run(chain, layout);
      if (result !== layout.a) this.#k.copy(layout.a, result, frame.total);
    };
  }

  /** eq's plan, remembered for the last parameters (a chain usually repeats frame after frame). */
  #eqPlan(brightness: number, contrast: number, gamma: number): EqPlan {
    const key = `${brightness}:${contrast}:${gamma}`;
    if (this.#eq?.key !== key) this.#eq = { key, plan: eqPlan(brightness, contrast, gamma) };
    return this.#eq.plan;
  }

  /** Lays out buffers for `frame`, growing memory when needed. */
  #prepare(frame: PlaneLayout): Layout {
    const current = this.#layout;
    if (current && current.frame.width === frame.width && current.frame.height === frame.height) {
      return current;
    }
    const layout = computeLayout(this.#base, frame);
    const have = this.#k.memory.buffer.byteLength;
    if (layout.end > have) {
      this.#k.memory.grow(Math.ceil((layout.end - have) / PAGE));
    }
    this.#mem = new Uint8Array(this.#k.memory.buffer);
    this.#layout = layout;
    return layout;
  }

  /** Runs the chain on the frame in buffer a; returns the buffer holding the result. */
  #run(chain: FilterChain, layout: Layout): number {
    let cur = layout.a;
    let other = layout.b;
    for (const spec of chain) {
      if (this.#step(spec, layout, cur, other)) [cur, other] = [other, cur];
    }
    return cur;
  }

  /** One filter; returns true when its result is in `other` (the buffers then swap). */
  #step(spec: FilterSpec, layout: Layout, cur: number, other: number): boolean {
    const k = this.#k;
    const f = layout.frame;
    const p = spec.params;
    const chroma = cur + f.uOffset;
    const chromaBytes = 2 * f.uvSize;
    switch (spec.name) {
      case "blur": {
        const passes = gaussianPasses(p.sigma);
        for (const pl of layout.planes) {
          this.#separable(cur + pl.offset, other + pl.offset, pl, passes, layout);
        }
        return true;
      }
      case "boxblur": {
        const passes = boxPasses(p.radius, p.passes);
        for (const pl of layout.planes) {
          this.#separable(cur + pl.offset, other + pl.offset, pl, passes, layout);
        }
        return true;
      }
      case "sharpen": {
        this.#separable(cur, other, layout.planes[0], gaussianPasses(p.sigma), layout);
        k.unsharp(cur, other, f.ySize, unsharpAmount(p.amount));
        return false;
      }
      case "grayscale":
        k.fill(chroma, 128, chromaBytes);
        return false;
      case "invert":
        k.invert(cur, f.total);
        return false;
      case "eq": {
        const plan = this.#eqPlan(p.brightness, p.contrast, p.gamma);
        if (plan.kind === "linear") k.eqLinear(cur, f.ySize, plan.contrast, plan.brightness);
        if (plan.kind === "table") {
          this.#mem.set(plan.table, layout.table);
          k.lut(cur, f.ySize, layout.table);
        }
        return false;
      }
      case "saturation":
        k.chromaScale(chroma, chromaBytes, saturationGain(p.amount));
        return false;
      case "sepia": {
        const s = SEPIA;
        k.sepiaChroma(
          cur,
          cur + f.uOffset,
          cur + f.vOffset,
          f.width,
          f.height,
          s.kR,
          s.kG,
          s.kB,
          s.wR,
          s.wG,
          s.wB,
          s.cap,
          s.cU,
          s.cV,
        );
        k.sepiaLuma(cur, f.ySize, s.kR, s.kG, s.kB, s.wR, s.wG, s.wB, s.cap);
        return false;
      }
      case "edges":
        k.sobel(cur, other, f.width, f.height);
        k.fill(other + f.uOffset, 128, chromaBytes);
        return true;
      case "emboss":
        for (const pl of layout.planes) {
          k.emboss(cur + pl.offset, other + pl.offset, pl.width, pl.height);
        }
        return true;
      case "pixelate": {
        const blocks = pixelateBlocks(p.block);
        for (const [i, pl] of layout.planes.entries()) {
          const block = i === 0 ? blocks.luma : blocks.chroma;
          k.pixelate(cur + pl.offset, pl.width, pl.height, block, layout.sums);
        }
        return false;
      }
      case "threshold":
        k.threshold(cur, f.ySize, p.level);
        k.fill(chroma, 128, chromaBytes);
        return false;
      case "hflip":
        for (const pl of layout.planes) k.hflip(cur + pl.offset, pl.width, pl.height);
        return false;
      case "vflip":
        for (const pl of layout.planes) k.vflip(cur + pl.offset, pl.width, pl.height);
        return false;
      default:
        // validateChain has already rejected unknown names; a registry entry without a case here
        // is a programming error.
        throw new Error(`filter '${spec.name}' has no wasm implementation`);
    }
  }

  /**
   * Horizontal passes then vertical passes (the order ffmpeg boxblur uses) from the plane at
   * src to the plane at dst: transpose, vertical passes, transpose back, vertical passes. The
   * intermediate planes alternate between the two scratch planes, with rows padded to 64 bytes
   * so that every strip of 64 columns is one cache line; the last step writes dst.
   */
  #separable(src: number, dst: number, pl: Plane, passes: readonly Pass[], layout: Layout): void {
    const k = this.#k;
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
      const to = last ? dst : i % 2 === 0 ? layout.scratch : layout.scratch2;
      const toStride = last ? w : paddedStride;
      op(to, toStride);
      from = to;
      fromStride = toStride;
      i++;
    };
    const run = (pw: number, ph: number) => {
      for (const pass of passes) {
        step(align(pw), (to, toStride) => {
          if (pass.kind === "box") {
            const { m, shift } = boxNormaliser(2 * pass.radius + 1);
            k.boxV(from, fromStride, to, toStride, pw, ph, pass.radius, m, shift, layout.sums);
          } else {
            k.tap3V(from, fromStride, to, toStride, pw, ph, pass.c1);
          }
        });
      }
    };
    step(align(h), (to, toStride) => k.transpose(from, fromStride, to, toStride, w, h));
    run(h, w);
    step(align(w), (to, toStride) => k.transpose(from, fromStride, to, toStride, h, w));
    run(w, h);
  }
}
