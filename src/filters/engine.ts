/**
 * FilterEngine: one wasm instance that runs filter chains on yuv420p frames, synchronously.
 *
 * The frame is copied once into wasm memory, every filter of the chain runs there (in place when
 * the filter allows it, otherwise into a second frame buffer, the two swapping roles), and the
 * result is copied out once. Buffers are laid out above the module's static data and reused
 * from frame to frame; memory grows only when a bigger frame arrives. What each filter does is
 * its module's business (defs/): the engine calls `filter.wasm(step, plan)` for each step of a
 * compiled chain.
 */
import { type PlaneLayout, planeLayout } from "../codec/frame.ts";
import { type ChainInput, chainSizes, type ChainStep, chainSteps } from "./compile.ts";
import { FilterDefinitionError } from "./errors.ts";
import type { FrameClock, FrameSize, WasmStep } from "./filter_module.ts";
import { type FrameBuffers, frameBuffers, planeRects } from "./frame_buffers.ts";
import { FILTERS } from "./registry.ts";
import { checkFrameBytes } from "./validate.ts";
import { type FilterKernels, instantiateKernels } from "./wasm.ts";
import { runSeparable } from "./wasm_separable.ts";

const PAGE = 65536;

/** An instance of a compiled filters.wasm (the imports are wasm.ts's instantiateKernels'). */
async function instantiateModule(module: WebAssembly.Module): Promise<FilterKernels> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`filters.wasm aborted at ${line}:${column}`);
      },
    },
  });
  return instance.exports as unknown as FilterKernels;
}

/** The step handed to every filter; the engine sets `src` and `dst` before each one. */
type EngineStep = { -readonly [P in keyof WasmStep]: WasmStep[P] };

/** Buffers for one frame size, and the step object that points into them. */
interface Prepared {
  buffers: FrameBuffers;
  step: EngineStep;
}

/** The frame layout before each step and after the last, for a chain that changes the size. */
type Layouts = readonly PlaneLayout[];

/** The layouts of `sizes` (chainSizes), and the largest width and height among them. */
function layoutsOf(sizes: readonly FrameSize[]): { layouts: Layouts; capacity: FrameSize } {
  const layouts = sizes.map((s) => planeLayout(s.width, s.height));
  const capacity = {
    width: Math.max(...sizes.map((s) => s.width)),
    height: Math.max(...sizes.map((s) => s.height)),
  };
  return { layouts, capacity };
}

/**
 * Checks that the wasm build exports every kernel the filter modules declare.
 * @throws FilterDefinitionError naming the filter and the missing kernel.
 */
export function checkKernelExports(kernels: object, filters = FILTERS): void {
  const exports = kernels as Record<string, unknown>;
  for (const f of filters) {
    for (const name of f.kernels) {
      if (typeof exports[name] !== "function") {
        throw new FilterDefinitionError(
          f.name,
          `calls kernel '${name}', which wasm/filters.wasm does not export: export it from ` +
            "asm/filters.ts and run `deno task build:wasm`",
        );
      }
    }
  }
}

/**
 * Runs filter chains with the SIMD WebAssembly kernels. Not thread-safe (one per thread);
 * `apply` is synchronous. FilterPool (pool.ts) runs one per worker thread.
 */
export class FilterEngine {
  readonly #k: FilterKernels;
  readonly #base: number;
  #prepared: Prepared | undefined;

  private constructor(kernels: FilterKernels) {
    this.#k = kernels;
    this.#base = kernels.heapBase();
  }

  /**
   * Loads wasm/filters.wasm (via `new URL("../../wasm/filters.wasm", import.meta.url)`:
   * Deno.readFile for file: URLs, fetch otherwise) and instantiates it — or instantiates
   * `options.module`, an already compiled filters.wasm (FilterPool compiles it once and hands it
   * to every thread).
   * @throws FilterDefinitionError when a filter calls a kernel the build does not export.
   */
  static async create(options: { module?: WebAssembly.Module } = {}): Promise<FilterEngine> {
    const kernels = options.module
      ? await instantiateModule(options.module)
      : await instantiateKernels();
    checkKernelExports(kernels);
    return new FilterEngine(kernels);
  }

  /** Bytes of wasm memory in use (grows with the largest frame seen). */
  get memoryBytes(): number {
    return this.#k.memory.buffer.byteLength;
  }

  /**
   * Applies `chain` to the `width` × `height` yuv420p frame `input` and returns `output`
   * (allocated when not given) — a frame of the chain's output size (chainOutputSize,
   * compile.ts), which scale, crop, pad, transpose and rotate by 90° change. `output` may be
   * `input` itself when the size stays; otherwise `input` is not modified. A CompiledChain (compile.ts) is used as it is; text or a plain FilterChain is
   * compiled first (remembered by text, see compileChain). `clock`: the frame's time and index
   * in its input, for filters that vary with time (fade); default 0 and 0.
   * @throws RangeError when a size is wrong; FilterChainError when the chain is not valid or
   *   would make an empty or over-limit frame from this size.
   */
  apply(
    chain: ChainInput,
    width: number,
    height: number,
    input: Uint8Array,
    output?: Uint8Array,
    clock: FrameClock = {},
  ): Uint8Array {
    const steps = chainSteps(chain);
    const frame = planeLayout(width, height);
    checkFrameBytes("input", input, frame);
    const resizes = steps.some((s) => s.filter.outputSize);
    const sized = resizes ? layoutsOf(chainSizes(chain, width, height)) : undefined;
    const last = sized ? sized.layouts[sized.layouts.length - 1] : frame;
    const out = output ?? new Uint8Array(last.total);
    checkFrameBytes("output", out, last, false);
    if (steps.length === 0) {
      if (out !== input) out.set(input);
      return out;
    }
    const prepared = this.#prepare(frame, sized?.capacity);
    prepared.step.memory.set(input, prepared.buffers.a);
    prepared.step.time = clock.time ?? 0;
    prepared.step.index = clock.index ?? 0;
    const result = this.#run(steps, prepared, sized?.layouts);
    out.set(prepared.step.memory.subarray(result, result + last.total));
    return out;
  }

  /**
   * Benchmark hook: copies `input` into wasm memory and returns a function that runs `chain`
   * on that frame in place each time it is called (no copies in or out), so kernel time can be
   * measured alone. Filters applied repeatedly accumulate, as they would on a real frame. A
   * chain that changes the frame size cannot run on its own output: each call copies `input` in
   * again first (one frame copy, counted in the time).
   * @throws RangeError when a size is wrong; FilterChainError when the chain is not valid.
   */
  prepareInPlace(
    chain: ChainInput,
    width: number,
    height: number,
    input: Uint8Array,
  ): () => void {
    const steps = chainSteps(chain);
    const frame = planeLayout(width, height);
    checkFrameBytes("input", input, frame);
    if (steps.some((s) => s.filter.outputSize)) {
      const { layouts, capacity } = layoutsOf(chainSizes(chain, width, height));
      const prepared = this.#prepare(frame, capacity);
      const copy = input.slice();
      return () => {
        if (prepared.step.memory.buffer !== this.#k.memory.buffer) {
          prepared.step.memory = new Uint8Array(this.#k.memory.buffer);
        }
        prepared.step.memory.set(copy, prepared.buffers.a);
        prepared.step.time = prepared.step.index = 0;
        this.#run(steps, prepared, layouts);
      };
    }
    const prepared = this.#prepare(frame);
    prepared.step.memory.set(input, prepared.buffers.a);
    return () => {
      prepared.step.time = prepared.step.index = 0;
      const result = this.#run(steps, prepared);
      const a = prepared.buffers.a;
      if (result !== a) this.#k.copy(a, result, frame.total);
    };
  }

  /**
   * Lays out buffers for `frame` (and frames up to `capacity` along a size-changing chain),
   * growing memory when needed.
   */
  #prepare(frame: PlaneLayout, capacity: FrameSize = frame): Prepared {
    const current = this.#prepared;
    const size = current?.buffers.frame;
    const cap = current?.buffers.capacity;
    if (
      current && size?.width === frame.width && size.height === frame.height &&
      cap!.width >= capacity.width && cap!.height >= capacity.height
    ) {
      return current;
    }
    const buffers = frameBuffers(this.#base, frame, capacity);
    const k = this.#k;
    const have = k.memory.buffer.byteLength;
    if (buffers.end > have) k.memory.grow(Math.ceil((buffers.end - have) / PAGE));
    const step: EngineStep = {
      k,
      memory: new Uint8Array(k.memory.buffer),
      frame,
      planes: buffers.planes,
      src: buffers.a,
      dst: buffers.b,
      table: buffers.table,
      sums: buffers.sums,
      out: frame,
      outPlanes: buffers.planes,
      scratch: buffers.scratch,
      scratch2: buffers.scratch2,
      weights: buffers.weights,
      time: 0,
      index: 0,
      separable: (src, dst, plane, passes) => runSeparable(k, buffers, src, dst, plane, passes),
    };
    this.#prepared = { buffers, step };
    return this.#prepared;
  }

  /**
   * Runs the steps on the frame in buffer a; returns the buffer holding the result. `layouts`:
   * the frame before each step and after the last, for a chain that changes the size.
   */
  #run(steps: readonly ChainStep[], { buffers, step }: Prepared, layouts?: Layouts): number {
    // A prepareInPlace runner may outlive a later, bigger frame that grew the memory.
    const buffer = this.#k.memory.buffer;
    if (step.memory.buffer !== buffer) step.memory = new Uint8Array(buffer);
    step.src = buffers.a;
    step.dst = buffers.b;
    if (!layouts) {
      step.frame = step.out = buffers.frame;
      step.planes = step.outPlanes = buffers.planes;
    }
    for (let i = 0; i < steps.length; i++) {
      const { filter, plan } = steps[i];
      if (layouts) {
        step.frame = layouts[i];
        step.out = layouts[i + 1];
        step.planes = planeRects(step.frame);
        step.outPlanes = step.frame === step.out ? step.planes : planeRects(step.out);
      }
      filter.wasm(step, plan);
      if (!filter.inPlace) [step.src, step.dst] = [step.dst, step.src];
    }
    return step.src;
  }
}
