/**
 * Reference application of a whole filter chain to a yuv420p frame: each filter's own
 * `reference` (its module in src/filters/defs/) applied in turn, with the plan the engine uses.
 * Used only by tests and the filters benchmark.
 */
import { planeLayout } from "../../src/codec/frame.ts";
import { type ChainInput, chainSteps, compileChain } from "../../src/filters/compile.ts";
import type { Planes } from "../../src/filters/filter_module.ts";
import type { FilterSpec } from "../../src/filters/types.ts";

export type { Planes };

/** Applies one filter to the planes of a w × h frame. */
export function referenceFilter(spec: FilterSpec, w: number, h: number, f: Planes): Planes {
  const [step] = chainSteps(compileChain([spec]));
  const chromaWidth = Math.ceil(w / 2);
  const chromaHeight = Math.ceil(h / 2);
  return step.filter.reference({ ...f, width: w, height: h, chromaWidth, chromaHeight }, step.plan);
}

/** Applies `chain` to a copy of the yuv420p frame `input` and returns the result. */
export function referenceApply(
  chain: ChainInput,
  w: number,
  h: number,
  input: Uint8Array,
): Uint8Array {
  const l = planeLayout(w, h);
  if (input.length !== l.total) {
    throw new RangeError(`expected ${l.total} bytes, got ${input.length}`);
  }
  let f: Planes = {
    y: input.slice(0, l.ySize),
    u: input.slice(l.uOffset, l.uOffset + l.uvSize),
    v: input.slice(l.vOffset, l.vOffset + l.uvSize),
  };
  let size = { width: w, height: h, chromaWidth: l.chromaWidth, chromaHeight: l.chromaHeight };
  for (const { filter, plan } of chainSteps(chain)) {
    f = filter.reference({ ...f, ...size }, plan);
    // A filter that changes the size (scale, crop…) returns planes of its output size.
    const next = filter.outputSize?.(plan, size.width, size.height);
    if (next) {
      const o = planeLayout(next.width, next.height);
      size = {
        width: o.width,
        height: o.height,
        chromaWidth: o.chromaWidth,
        chromaHeight: o.chromaHeight,
      };
    }
  }
  const o = planeLayout(size.width, size.height);
  const out = new Uint8Array(o.total);
  out.set(f.y, 0);
  out.set(f.u, o.uOffset);
  out.set(f.v, o.vOffset);
  return out;
}
