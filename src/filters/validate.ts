/**
 * Checks a {@link FilterChain} object (one that did not come from the parser, e.g. a job read
 * from a queue) against the registry, and frame buffers against their size.
 */
import type { PlaneLayout } from "../codec/frame.ts";
import { FilterChainError } from "./errors.ts";
import { paramProblem } from "./params.ts";
import { findFilter } from "./registry.ts";
import type { FilterChain } from "./types.ts";

/** Why a value does not fit a parameter (it lives in params.ts; kept here for old imports). */
export { paramProblem };

/**
 * Returns `chain` unchanged when every entry names a known filter and gives every one of its
 * parameters (and nothing else) a valid value.
 * @throws FilterChainError (position -1) naming the entry and the problem.
 */
export function validateChain(chain: unknown): FilterChain {
  if (!Array.isArray(chain)) {
    throw new FilterChainError(`a filter chain must be an array, got ${typeof chain}`, -1);
  }
  chain.forEach((spec, i) => {
    const where = `filter ${i}`;
    if (!spec || typeof spec !== "object" || typeof spec.name !== "string") {
      throw new FilterChainError(
        `${where}: expected { name, params }, got ${JSON.stringify(spec)}`,
        -1,
      );
    }
    const def = findFilter(spec.name);
    if (!def) {
      throw new FilterChainError(`${where}: unknown filter '${spec.name}'`, -1, {
        unknownFilter: true,
      });
    }
    const params = spec.params;
    if (!params || typeof params !== "object") {
      throw new FilterChainError(`${where} ('${def.name}'): params must be an object`, -1);
    }
    for (const key of Object.keys(params)) {
      if (!def.params.some((p) => p.name === key)) {
        throw new FilterChainError(`${where} ('${def.name}'): unknown parameter '${key}'`, -1);
      }
    }
    for (const p of def.params) {
      const value = params[p.name];
      if (typeof value !== "number") {
        throw new FilterChainError(
          `${where} ('${def.name}'): ${p.name} must be a number, got ${JSON.stringify(value)}`,
          -1,
        );
      }
      const problem = paramProblem(p, value);
      if (problem) throw new FilterChainError(`${where} ('${def.name}'): ${problem}`, -1);
    }
  });
  return chain as FilterChain;
}

/**
 * Checks that `data` (named `name` in the message) is a Uint8Array of exactly one `frame`;
 * `showFormat` adds the format and size to the message ("(yuv420p 4x4)").
 * @throws RangeError otherwise.
 */
export function checkFrameBytes(
  name: string,
  data: unknown,
  frame: PlaneLayout,
  showFormat = true,
): asserts data is Uint8Array {
  if (data instanceof Uint8Array && data.length === frame.total) return;
  const format = showFormat ? ` (yuv420p ${frame.width}x${frame.height})` : "";
  throw new RangeError(
    `${name} must be a Uint8Array of ${frame.total} bytes${format}, got ${
      data instanceof Uint8Array ? `${data.length} bytes` : typeof data
    }`,
  );
}
