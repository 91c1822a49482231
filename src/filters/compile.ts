/**
 * compileChain: parse and validate a filter chain once per job, not once per frame. The result,
 * a {@link CompiledChain}, is frozen and branded: FilterEngine and FilterPool take it as it is,
 * and the constants each filter derives from its parameters (its plan: blur passes, eq's table…)
 * are computed once per compiled chain.
 *
 * ```ts
 * const chain = compileChain("blur=sigma=3,grayscale"); // throws FilterChainError if bad
 * for (const frame of frames) await pool.run(chain, w, h, frame);
 * ```
 */
import { DEFAULT_LIMITS } from "../codec/limits.ts";
import { BoundedCache } from "./bounded_cache.ts";
import { FilterChainError } from "./errors.ts";
import type { AnyFilterModule, FrameSize, OutputSize } from "./filter_module.ts";
import type { FilterParams } from "./params.ts";
import { formatChain, parseChain } from "./parse.ts";
import { findFilter } from "./registry.ts";
import type { FilterChain, FilterSpec } from "./types.ts";

declare const COMPILED: unique symbol;

/** One filter of a compiled chain: its name and every parameter, frozen. */
export interface CompiledSpec {
  readonly name: string;
  readonly params: FilterParams;
}

/**
 * A filter chain that has been parsed and validated: a frozen array of frozen specs (so it
 * still reads like a {@link FilterChain}), made only by {@link compileChain} (or decodeChain in
 * chain_codec.ts). Functions that take one trust it without checking it again.
 */
export type CompiledChain = readonly CompiledSpec[] & { readonly [COMPILED]: true };

/** What the chain-taking functions accept: chain text, a plain FilterChain or a CompiledChain. */
export type ChainInput = string | FilterChain | CompiledChain;

/** One filter of a compiled chain, ready to run: its module, its parameters and its plan. */
export interface ChainStep {
  readonly filter: AnyFilterModule;
  readonly params: FilterParams;
  /** `filter.plan(params)`, or the params when the filter has no plan. */
  readonly plan: unknown;
}

/** What is known of each compiled chain: its canonical text, and its steps once asked for. */
interface Compiled {
  text: string;
  steps?: readonly ChainStep[];
}

const COMPILED_INFO = new WeakMap<object, Compiled>();

/** How many chain texts (as given, and canonical) {@link compileChain} remembers: 64. */
export const COMPILE_CACHE_SIZE = 64;

const cache = new BoundedCache<string, CompiledChain>(COMPILE_CACHE_SIZE);

/** True when `value` was made by {@link compileChain} (a look-alike array is not). */
export function isCompiledChain(value: unknown): value is CompiledChain {
  return typeof value === "object" && value !== null && COMPILED_INFO.has(value);
}

function freezeSpec(spec: FilterSpec): CompiledSpec {
  const def = findFilter(spec.name)!;
  const params: Record<string, number> = {};
  for (const p of def.params) params[p.name] = spec.params[p.name] + 0; // + 0: -0 becomes 0
  return Object.freeze({ name: def.name, params: Object.freeze(params) });
}

/** The compiled chain of canonical text `text`, whose valid specs are `specs`. */
function intern(text: string, specs: readonly FilterSpec[]): CompiledChain {
  const known = cache.get(text);
  if (known) return known;
  const compiled = Object.freeze(specs.map(freezeSpec)) as unknown as CompiledChain;
  COMPILED_INFO.set(compiled, { text });
  cache.set(text, compiled);
  return compiled;
}

/**
 * Parses (text) or validates (a plain {@link FilterChain}) a chain once and returns it frozen
 * and branded; a CompiledChain is returned as it is. Equal chains give the same object while
 * they are among the {@link COMPILE_CACHE_SIZE} texts seen last, so calling this once per frame
 * with the same text costs a map lookup.
 * @throws FilterChainError when the chain is not valid (text errors carry their `position`).
 */
export function compileChain(chain: ChainInput): CompiledChain {
  if (isCompiledChain(chain)) return chain;
  if (typeof chain === "string") {
    const known = cache.get(chain);
    if (known) return known;
    const specs = parseChain(chain);
    const compiled = intern(formatChain(specs), specs);
    cache.set(chain, compiled);
    return compiled;
  }
  return intern(formatChain(chain), chain);
}

/** The canonical text of a chain (as formatChain prints it), e.g. `blur=sigma=3,grayscale`. */
export function chainText(chain: ChainInput): string {
  return COMPILED_INFO.get(compileChain(chain))!.text;
}

/**
 * The steps of a chain, each with its filter module and plan; computed on the first call for a
 * compiled chain and remembered with it.
 * @throws FilterChainError when `chain` is not valid (see {@link compileChain}).
 */
export function chainSteps(chain: ChainInput): readonly ChainStep[] {
  const compiled = compileChain(chain);
  const info = COMPILED_INFO.get(compiled)!;
  info.steps ??= Object.freeze(compiled.map((spec): ChainStep => {
    const filter = findFilter(spec.name)!;
    const plan = filter.plan ? filter.plan(spec.params) : spec.params;
    return Object.freeze({ filter, params: spec.params, plan });
  }));
  return info.steps;
}

/**
 * The frame size after each step of `chain` for a `width` × `height` input: element 0 is the
 * input, element i the output of step i, the last the chain's output. Pure and cheap: no frame is
 * needed, so callers size their encoder (and refuse the job) before decoding anything.
 * @throws FilterChainError (`bad-filter`) when a step would make an empty frame or one past
 *   `maxDimension` px on a side (default: DEFAULT_LIMITS.maxDimension, src/codec/limits.ts),
 *   naming the step and the sizes; FilterChainError when `chain` is not valid.
 */
export function chainSizes(
  chain: ChainInput,
  width: number,
  height: number,
  maxDimension: number = DEFAULT_LIMITS.maxDimension,
): FrameSize[] {
  const sizes: FrameSize[] = [{ width, height }];
  let w = width;
  let h = height;
  for (const { filter, plan } of chainSteps(chain)) {
    if (!filter.outputSize) {
      sizes.push({ width: w, height: h });
      continue;
    }
    const out: OutputSize = filter.outputSize(plan, w, h);
    const spec = () => chainText([compileChain(chain)[sizes.length - 1]]);
    if (out.problem) {
      throw new FilterChainError(`'${spec()}' on a ${w}x${h} frame: ${out.problem}`, -1);
    }
    const valid = (n: number) => Number.isInteger(n) && n >= 1;
    if (!valid(out.width) || !valid(out.height)) {
      throw new FilterChainError(
        `'${spec()}' would make an empty or invalid ${out.width}x${out.height} frame from a ` +
          `${w}x${h} one; change its sizes`,
        -1,
      );
    }
    if (out.width > maxDimension || out.height > maxDimension) {
      throw new FilterChainError(
        `'${spec()}' would make a ${out.width}x${out.height} frame from a ${w}x${h} one, past ` +
          `the limit of ${maxDimension} px per side; make it smaller`,
        -1,
      );
    }
    w = out.width;
    h = out.height;
    sizes.push({ width: w, height: h });
  }
  return sizes;
}

/**
 * The size of the frames `chain` makes from `width` × `height` ones (see {@link chainSizes},
 * which throws for an empty or over-limit frame).
 */
export function chainOutputSize(
  chain: ChainInput,
  width: number,
  height: number,
  maxDimension?: number,
): FrameSize {
  const sizes = chainSizes(chain, width, height, maxDimension);
  return sizes[sizes.length - 1];
}

/** True when some filter of `chain` may change the frame size (scale, crop, pad…). */
export function chainResizes(chain: ChainInput): boolean {
  return chainSteps(chain).some((s) => s.filter.outputSize !== undefined);
}
