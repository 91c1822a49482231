/**
 * Reference application of a whole filter chain to a yuv420p frame, built from the plain
 * kernels in kernels.ts and the shared constants of src/filters/kernel_params.ts. Used only by
 * tests and the filters benchmark.
 */
import { planeLayout } from "../../src/codec/frame.ts";
import {
  boxPasses,
  eqPlan,
  gaussianPasses,
  pixelateBlocks,
  saturationGain,
  SEPIA,
  unsharpAmount,
} from "../../src/filters/kernel_params.ts";
import type { FilterChain, FilterSpec } from "../../src/filters/types.ts";
import * as K from "./kernels.ts";

/** A frame split into its planes. */
interface Planes {
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

type PlaneOp = (plane: Uint8Array, w: number, h: number, index: number) => Uint8Array;

/** Applies one filter to the planes of a w × h frame. */
export function referenceFilter(spec: FilterSpec, w: number, h: number, f: Planes): Planes {
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  const p = spec.params;
  const each = (op: PlaneOp): Planes => ({
    y: op(f.y, w, h, 0),
    u: op(f.u, cw, ch, 1),
    v: op(f.v, cw, ch, 2),
  });
  const grey = () => new Uint8Array(cw * ch).fill(128);
  switch (spec.name) {
    case "blur": {
      const passes = gaussianPasses(p.sigma);
      return each((pl, pw, ph) => K.separable(pl, pw, ph, passes));
    }
    case "boxblur": {
      const passes = boxPasses(p.radius, p.passes);
      return each((pl, pw, ph) => K.separable(pl, pw, ph, passes));
    }
    case "sharpen": {
      const blurred = K.separable(f.y, w, h, gaussianPasses(p.sigma));
      const a = unsharpAmount(p.amount);
      const y = new Uint8Array(w * h);
      for (let i = 0; i < y.length; i++) y[i] = K.unsharpSample(f.y[i], blurred[i], a);
      return { y, u: f.u.slice(), v: f.v.slice() };
    }
    case "grayscale":
      return { y: f.y.slice(), u: grey(), v: grey() };
    case "invert":
      return each((pl) => K.map(pl, (x) => 255 - x));
    case "eq": {
      const plan = eqPlan(p.brightness, p.contrast, p.gamma);
      let y: Uint8Array = f.y.slice();
      if (plan.kind === "linear") {
        y = K.map(f.y, (x) => K.eqLinearSample(x, plan.contrast, plan.brightness));
      } else if (plan.kind === "table") {
        y = K.map(f.y, (x) => plan.table[x]);
      }
      return { y, u: f.u.slice(), v: f.v.slice() };
    }
    case "saturation": {
      const c = saturationGain(p.amount);
      return {
        y: f.y.slice(),
        u: K.map(f.u, (x) => K.chromaScaleSample(x, c)),
        v: K.map(f.v, (x) => K.chromaScaleSample(x, c)),
      };
    }
    case "sepia": {
      const [u, v] = K.sepiaChroma(f.y, w, h, SEPIA);
      return { y: K.map(f.y, (x) => K.sepiaLumaSample(x, SEPIA)), u, v };
    }
    case "edges":
      return { y: K.sobel(f.y, w, h), u: grey(), v: grey() };
    case "emboss":
      return each((pl, pw, ph) => K.emboss(pl, pw, ph));
    case "pixelate": {
      const blocks = pixelateBlocks(p.block);
      return each((pl, pw, ph, i) => K.pixelate(pl, pw, ph, i === 0 ? blocks.luma : blocks.chroma));
    }
    case "threshold":
      return { y: K.map(f.y, (x) => (x >= p.level ? 255 : 0)), u: grey(), v: grey() };
    case "hflip":
      return each((pl, pw, ph) => K.hflip(pl, pw, ph));
    case "vflip":
      return each((pl, pw, ph) => K.vflip(pl, pw, ph));
    default:
      throw new Error(`no reference for filter '${spec.name}'`);
  }
}

/** Applies `chain` to a copy of the yuv420p frame `input` and returns the result. */
export function referenceApply(
  chain: FilterChain,
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
  for (const spec of chain) f = referenceFilter(spec, w, h, f);
  const out = new Uint8Array(l.total);
  out.set(f.y, 0);
  out.set(f.u, l.uOffset);
  out.set(f.v, l.vOffset);
  return out;
}
