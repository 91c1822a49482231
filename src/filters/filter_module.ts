/**
 * What a filter is: one module (src/filters/defs/<name>.ts) that declares its name, parameters
 * and docs, the wasm kernel calls that run it, and its TypeScript reference. The registry, the
 * docs table, the engine's dispatch and the reference tests are all built from these modules.
 * See docs/filters.md, "Adding a filter".
 */
import type { PlaneLayout } from "../codec/frame.ts";
import { FilterDefinitionError } from "./errors.ts";
import { type FilterParams, type ParamDef, paramProblem } from "./params.ts";
import type { Pass } from "./passes.ts";
import type { FilterKernels } from "./wasm.ts";

/** A plane inside a frame buffer: its byte offset from the buffer's start and its size. */
export interface PlaneRect {
  offset: number;
  width: number;
  height: number;
}

/**
 * What a filter's `wasm` function works with: the kernels and addresses in wasm memory. All
 * addresses are byte offsets into the module's memory; nothing here allocates.
 */
export interface WasmStep<K = FilterKernels> {
  /** The kernels: the exports of wasm/filters.wasm (see asm/*.ts). */
  readonly k: K;
  /** The memory of the module as bytes (valid for this call). */
  readonly memory: Uint8Array;
  /** Sizes and plane offsets of the frame. */
  readonly frame: PlaneLayout;
  /** Y, U and V inside a frame buffer: add `src` or `dst` to `offset`. */
  readonly planes: readonly [PlaneRect, PlaneRect, PlaneRect];
  /** The frame buffer holding the input frame; an `inPlace` filter leaves its result here. */
  readonly src: number;
  /** The other frame buffer: a filter that is not `inPlace` writes its whole result here. */
  readonly dst: number;
  /** 256 bytes of scratch for a lookup table. */
  readonly table: number;
  /** Scratch of at least 4·(max(w, h) + 258) and 2·(w + 16) bytes (running or column sums). */
  readonly sums: number;
  /**
   * The size of this filter's output: `frame` unless the filter has `outputSize`. A filter
   * that changes the size is not `inPlace` and writes a frame of this layout at `dst`.
   */
  readonly out: PlaneLayout;
  /** Y, U and V of the output frame (`planes` unless the size changes). */
  readonly outPlanes: readonly [PlaneRect, PlaneRect, PlaneRect];
  /**
   * Two scratch planes of at least max(w, out w) × max(h, out h) bytes each (more with rows
   * padded), free for the filter's own use; `separable` uses them too.
   */
  readonly scratch: number;
  readonly scratch2: number;
  /**
   * Room for one resampling table: i32 starts, then (64-aligned) i16 weights, for up to
   * max(w, h, out w, out h) outputs of RESAMPLE_MAX_TAPS (frame_buffers.ts) taps.
   */
  readonly weights: number;
  /**
   * Runs `passes` horizontally, then vertically, over the plane `plane` at address `src`,
   * writing the plane at `dst` (a copy when `passes` is empty). Uses its own scratch planes.
   */
  separable(src: number, dst: number, plane: PlaneRect, passes: readonly Pass[]): void;
  /**
   * The frame's time in seconds from the input's first frame (its pts), for filters that vary
   * with time (fade); 0 when the caller gave none.
   */
  readonly time: number;
  /** The frame's 0-based index in its input; 0 when the caller gave none. */
  readonly index: number;
}

/** Where a frame sits in its input's timeline: what `fade` needs (see {@link WasmStep.time}). */
export interface FrameClock {
  /** Seconds from the input's first frame (the frame's pts; index / fps at a constant rate). */
  time?: number;
  /** 0-based frame index. */
  index?: number;
}

/** A yuv420p frame as three separate planes (rows packed: stride = plane width). */
export interface Planes {
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** What a filter's `reference` function reads: the planes of the input and their sizes. */
export interface ReferenceFrame extends Readonly<Planes> {
  readonly width: number;
  readonly height: number;
  readonly chromaWidth: number;
  readonly chromaHeight: number;
  /** The frame's time in seconds (WasmStep.time); 0 when not given. */
  readonly time?: number;
  /** The frame's index (WasmStep.index); 0 when not given. */
  readonly index?: number;
}

/** A frame size in pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** What a filter's `outputSize` returns: the size, or why this input size is refused. */
export interface OutputSize extends FrameSize {
  /** Why the filter cannot run on this input size (e.g. a crop larger than the frame). */
  problem?: string;
}

/** The description of a filter: what the parser, the validator and the docs need. */
export interface FilterDef {
  /** Name in chains, lower case: `blur`. */
  name: string;
  /** One or two sentences on what it does (the docs' first column of prose). */
  description: string;
  /** Parameters, in positional order (may be empty). */
  params: readonly ParamDef[];
  /** The closest ffmpeg `-vf` equivalent, e.g. `gblur=sigma=S`. */
  ffmpeg?: string;
  /** What the filter does to the Y, U and V planes, and how it treats the plane borders. */
  planes?: string;
  /**
   * How the result differs from the ffmpeg equivalent. Leave it out only when the output is
   * identical byte for byte; then `ffmpegExact` must prove it.
   */
  differences?: string;
}

/**
 * One filter: its description, how it runs on the wasm kernels and its TypeScript reference.
 * `Plan` is what {@link FilterModule.plan} makes of the parameters (default: the parameters
 * themselves); `K` types the kernels it calls (default: {@link FilterKernels}; a filter with a
 * new kernel declares an interface extending it).
 */
export interface FilterModule<Plan = FilterParams, K = FilterKernels> extends FilterDef {
  /** The wasm exports `wasm` calls; the engine checks that the build exports each one. */
  kernels: readonly (keyof K & string)[];
  /**
   * True when `wasm` leaves its result in `step.src` (changing it in place); false when it
   * writes the whole result to `step.dst`, after which the engine swaps the two buffers.
   */
  inPlace: boolean;
  /**
   * The constants the kernels and the reference take, from the resolved parameters. Called once
   * per compiled chain, not per frame. Default: the parameters as they are.
   */
  plan?(params: FilterParams): Plan;
  /**
   * For a filter that changes the frame size (scale, crop, pad, transpose…): its output size for
   * a `width` × `height` input, from the plan alone, so a chain's output size is known before
   * any frame is decoded (chainOutputSize, compile.ts). May return a size ≤ 0 or not an integer
   * (the chain then refuses the input size). Such a filter must not be `inPlace`. Default: the
   * size is kept.
   */
  outputSize?(plan: Plan, width: number, height: number): OutputSize;
  /** Runs the filter on the frame at `step.src` by calling kernels. */
  wasm(step: WasmStep<K>, plan: Plan): void;
  /**
   * The specification the kernels must match bit for bit: plain scalar TypeScript. Returns new
   * planes and leaves `frame` alone (a plane it does not change may be returned as a copy).
   * A filter with `outputSize` returns planes of that size.
   */
  reference(frame: ReferenceFrame, plan: Plan): Planes;
  /**
   * Chains that reach each code path of the filter (small and large radii, tables and fast
   * paths); tests/filters/engine_test.ts runs every one against `reference` bit for bit on
   * frames of many sizes. At least one.
   */
  examples: readonly string[];
  /**
   * `[chain, ffmpeg -vf]` pairs whose outputs must be identical byte for byte
   * (tests/filters/ffmpeg_test.ts runs them with the native ffmpeg). Default: none.
   */
  ffmpegExact?: readonly (readonly [string, string])[];
}

/**
 * A filter module of any plan and kernel types, as the registry holds them (each module's own
 * types are checked where it is defined, by {@link defineFilter}).
 */
// deno-lint-ignore no-explicit-any
export type AnyFilterModule = FilterModule<any, any>;

const FILTER_NAME = /^[a-z][a-z0-9_]*$/;
const PARAM_NAME = /^[a-z]+$/;

function checkParam(name: string, p: ParamDef, seen: Set<string>): void {
  const fail = (message: string): never => {
    throw new FilterDefinitionError(name, `parameter '${p.name}': ${message}`);
  };
  if (!PARAM_NAME.test(p.name)) fail("the name must be lower-case letters");
  if (seen.has(p.name)) fail("declared twice");
  seen.add(p.name);
  if (!Number.isFinite(p.min) || !Number.isFinite(p.max) || !(p.min < p.max)) {
    fail(`the range must be finite with min < max, got [${p.min}, ${p.max}]`);
  }
  if (p.integer && !Number.isInteger(p.min)) fail(`an integer parameter needs an integer min`);
  const problem = paramProblem(p, p.default);
  if (problem) fail(`default: ${problem}`);
  if (!p.description) fail("needs a description");
}

/** Freezes `value` and everything reachable from it (typed arrays excepted). */
function deepFreeze<T>(value: T): T {
  if (value && (typeof value === "object" || typeof value === "function")) {
    if (ArrayBuffer.isView(value)) return value;
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Checks a filter module and returns it deep-frozen. Call it once per module:
 * `export const invert = defineFilter({ name: "invert", … })`.
 * @throws FilterDefinitionError naming the filter and what is wrong with it.
 */
export function defineFilter<Plan = FilterParams, K = FilterKernels>(
  module: FilterModule<Plan, K>,
): FilterModule<Plan, K> {
  const name = String(module?.name);
  const fail = (message: string): never => {
    throw new FilterDefinitionError(name, message);
  };
  if (!FILTER_NAME.test(name)) fail("the name must be lower case: [a-z][a-z0-9_]*");
  if (!module.description) fail("needs a description");
  if (!Array.isArray(module.params)) fail("params must be an array");
  const seen = new Set<string>();
  for (const p of module.params) checkParam(name, p, seen);
  if (!Array.isArray(module.kernels) || module.kernels.some((k) => typeof k !== "string" || !k)) {
    fail("kernels must list the names of the wasm exports it calls");
  }
  if (typeof module.inPlace !== "boolean") fail("inPlace must be true or false");
  if (typeof module.wasm !== "function") fail("needs a wasm function");
  if (typeof module.reference !== "function") fail("needs a reference function");
  if (module.outputSize !== undefined && typeof module.outputSize !== "function") {
    fail("outputSize must be a function");
  }
  if (module.outputSize && module.inPlace) fail("a filter that changes the size is not inPlace");
  if (module.plan !== undefined && typeof module.plan !== "function") {
    fail("plan must be a function");
  }
  if (!Array.isArray(module.examples) || module.examples.length === 0) {
    fail("needs at least one example chain for the reference tests");
  }
  const exact = module.ffmpegExact ?? [];
  if (exact.some((pair) => pair.length !== 2 || !pair[0] || !pair[1])) {
    fail("ffmpegExact entries must be [chain, ffmpeg -vf] pairs");
  }
  if (module.differences === undefined && (!module.ffmpeg || exact.length === 0)) {
    fail(
      "without `differences` the docs call its output identical to ffmpeg's: give `ffmpeg` " +
        "and the `ffmpegExact` pairs that check it",
    );
  }
  return deepFreeze(module);
}
