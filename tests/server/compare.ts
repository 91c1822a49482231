/** Compares pipeline outputs with the wasm engine applied to the decoded input. */
import type { Frame } from "../../src/codec/frame.ts";
import { probe } from "../../src/codec/mod.ts";
import type { VideoInfo } from "../../src/codec/types.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { decodeAll, meanAbsDiff } from "./support.ts";

let engine: Promise<FilterEngine> | undefined;

/** The wasm engine applied to `frame`. */
export async function applyChain(chain: string, frame: Frame): Promise<Uint8Array> {
  engine ??= FilterEngine.create();
  return (await engine).apply(parseChain(chain), frame.width, frame.height, frame.data);
}

/** How an output compares with the engine's result on the decoded input, frame by frame. */
export interface Comparison {
  inputInfo: VideoInfo;
  outputInfo: VideoInfo;
  frames: number;
  /** Per frame: mean |output − engine(input)|. */
  toExpected: number[];
  /** Per frame: mean |output − input| (the unfiltered original). */
  toOriginal: number[];
}

/** Decodes input and output and compares them (see {@link Comparison}). */
export async function compareOutput(
  input: string,
  output: string,
  chain: string,
): Promise<Comparison> {
  const [inputInfo, outputInfo, original, result] = await Promise.all([
    probe(input),
    probe(output),
    decodeAll(input),
    decodeAll(output),
  ]);
  if (original.length !== result.length) {
    throw new Error(`output has ${result.length} frames, input ${original.length}`);
  }
  const toExpected: number[] = [];
  const toOriginal: number[] = [];
  for (let i = 0; i < original.length; i++) {
    toExpected.push(meanAbsDiff(result[i].data, await applyChain(chain, original[i])));
    toOriginal.push(meanAbsDiff(result[i].data, original[i].data));
  }
  return { inputInfo, outputInfo, frames: result.length, toExpected, toOriginal };
}

/** Largest value of a list. */
export function max(values: number[]): number {
  return values.reduce((m, v) => Math.max(m, v), -Infinity);
}
