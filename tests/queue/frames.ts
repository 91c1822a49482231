/** Test frames for the queue tests: small deterministic yuv420p frames and expected outputs. */
import { frameSize } from "../../src/codec/frame.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { compileChain } from "../../src/filters/compile.ts";
import type { FilterChain } from "../../src/filters/types.ts";
import type { FrameTask, TaskChain } from "../../src/queue/types.ts";

/** Frame size used by the queue tests: small, odd height to exercise chroma rounding. */
export const W = 32;
export const H = 19;

/** A chain with a real effect on every byte (wasm SIMD blur, then invert), compiled once. */
export const CHAIN = compileChain("blur=sigma=1.5,invert");

/** A chain the filters reject: it names a filter that does not exist. */
export const BAD_CHAIN: FilterChain = [{ name: "nope", params: {} }];

/** A deterministic pseudo-random frame (xorshift32, seeded by `seed`). */
export function makeFrame(seed: number, width = W, height = H): Uint8Array {
  const out = new Uint8Array(frameSize(width, height));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}

/** `count` tasks of job `jobId` with indices `from`… (default 0), frame i seeded by i + 1. */
export function makeTasks(
  jobId: string,
  count: number,
  from = 0,
  chain: TaskChain = CHAIN,
): FrameTask[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId,
    index: from + i,
    width: W,
    height: H,
    chain,
    data: makeFrame(from + i + 1),
  }));
}

let engine: FilterEngine | undefined;

/** What FilterEngine (one wasm instance, in this thread) makes of `task`. */
export async function expected(task: FrameTask): Promise<Uint8Array> {
  engine ??= await FilterEngine.create();
  return engine.apply(task.chain, task.width, task.height, task.data);
}
