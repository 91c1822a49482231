/**
 * Cutting chunks without decoding: each segment's packets `[from, to)` are copied (`-c copy`)
 * into an MP4 of their own, several chunks per ffmpeg run. A run reads the input from its start,
 * or, in an MP4/MOV (whose index makes seeking exact), from a seek to the keyframe before its
 * first chunk (`-ss` before `-i`: the demuxer lands on a keyframe at or before it).
 *
 * How a run picks exactly those packets: an output's `-ss` drops packets whose decoding time is
 * before it, and a stream copy starts only at a keyframe; `-ss` is set between the previous
 * keyframe's and the chunk's keyframe's decoding times, so the chunk's keyframe is the first
 * packet kept. The leading frames of an open GOP's keyframe (the plan's `drop`) are left out by
 * the `noise` bitstream filter (`drop=eq(n,1)+…`, ffmpeg ≥ 5.1), and `-frames:v` keeps the rest
 * up to `to`. The muxed packet count of every output is checked against the plan.
 *
 * The chunk keeps the input's rotation (MP4 display matrix) and is written `+faststart`, so a
 * worker can decode it as a stream, front to back.
 */
import type { CodecBackendName } from "../types.ts";
import { ChunkMismatchError, SegmentUnsupportedError } from "./errors.ts";
import type { PacketIndex } from "./packet_index.ts";
import { KEY } from "./packet_index.ts";
import type { SegmentPlan } from "./plan.ts";
import { checkExit, runTool } from "./tools.ts";

/** Chunks cut by one ffmpeg run at most: 32. */
export const MAX_BATCH = 32;
/** Chunks of the first run: 4, so workers get work soon; later runs cut {@link MAX_BATCH}. */
export const FIRST_BATCH = 4;

/** A chunk file cut for a segment. */
export interface CutChunk {
  plan: SegmentPlan;
  path: string;
}

/** Options of {@link cutChunks}. */
export interface CutOptions {
  /** The video file. */
  input: string;
  index: PacketIndex;
  plans: SegmentPlan[];
  /** Where chunk files are written (`chunk-000000.mp4`, …). */
  dir: string;
  backend: CodecBackendName;
  signal?: AbortSignal;
  /** Called after each ffmpeg run with the chunks it cut, in order (awaited). */
  onBatch?: (chunks: CutChunk[]) => void | Promise<void>;
}

/** Where `-ss` goes for a chunk starting at packet `from`: seconds, or undefined for none. */
export function cutTime(index: PacketIndex, from: number): number | undefined {
  if (from === 0) return undefined;
  if (!(index.flags[from] & KEY)) {
    throw new RangeError(`packet ${from} is not a keyframe: a chunk cannot start there`);
  }
  let previous = from - 1;
  while (previous >= 0 && !(index.flags[previous] & KEY)) previous--;
  const tick = index.timeBase.num / index.timeBase.den;
  const dts = index.dts[from];
  const before = previous >= 0 ? index.dts[previous] : NaN;
  if (Number.isNaN(dts) || Number.isNaN(before) || before >= dts) {
    throw new SegmentUnsupportedError(
      `packet ${from} has no decoding time after its previous keyframe's; cannot cut there`,
    );
  }
  // Anywhere after the previous keyframe works (the packets between are not keyframes, and a copy
  // starts at a keyframe): halfway keeps clear of any rounding of either time.
  return (dts - (dts - before) / 2) * tick - index.startTime;
}

/** Containers whose seeking lands exactly on the index's keyframe at or before the time. */
const EXACT_SEEK = /(^|,)(mov|mp4)(,|$)/;

/**
 * Where a run cutting `chunks` seeks before reading, seconds (undefined: from the start): the
 * first chunk's cut time, in an MP4/MOV only. Output times are then relative to it.
 */
export function runSeek(index: PacketIndex, chunks: CutChunk[]): number | undefined {
  if (!EXACT_SEEK.test(index.formatName ?? "")) return undefined;
  return cutTime(index, chunks[0].plan.from);
}

function outputArgs(
  index: PacketIndex,
  chunk: CutChunk,
  path: string,
  seek: number | undefined,
): string[] {
  const cut = cutTime(index, chunk.plan.from);
  const at = cut === undefined ? undefined : Math.max(0, cut - (seek ?? 0));
  const { drop } = chunk.plan;
  return [
    "-map",
    "0:v:0",
    "-c",
    "copy",
    ...(at === undefined ? [] : ["-ss", at.toFixed(6)]),
    ...(drop.length ? ["-bsf:v", `noise=drop=${drop.map((n) => `eq(n\\,${n})`).join("+")}`] : []),
    "-frames:v",
    String(chunkPackets(chunk.plan)),
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    path,
  ];
}

/** Packets a chunk holds: its plan's `[from, to)` without the dropped ones. */
export function chunkPackets(plan: SegmentPlan): number {
  return plan.to - plan.from - plan.drop.length;
}

/** Packets muxed into each output, from ffmpeg's verbose summary. */
export function muxedCounts(stderr: string): Map<number, number> {
  const counts = new Map<number, number>();
  let current = -1;
  for (const line of stderr.split("\n")) {
    const file = /^Output file #(\d+) /.exec(line);
    if (file) current = Number(file[1]);
    const total = /^\s*Total: (\d+) packets \(\d+ bytes\) muxed/.exec(line);
    if (total && current >= 0) counts.set(current, Number(total[1]));
  }
  return counts;
}

/** Cuts one run's chunks. */
async function cutBatch(options: CutOptions, chunks: CutChunk[]): Promise<void> {
  const files: Record<string, { host: string; write?: boolean }> = {
    input: { host: options.input },
  };
  chunks.forEach((chunk, i) => files[`chunk${i}`] = { host: chunk.path, write: true });
  const seek = runSeek(options.index, chunks);
  const result = await runTool({
    backend: options.backend,
    tool: "ffmpeg",
    files,
    args: (p) => [
      "-hide_banner",
      "-nostats",
      "-loglevel",
      "verbose",
      "-y",
      ...(seek === undefined ? [] : ["-ss", seek.toFixed(6)]),
      "-i",
      p("input"),
      ...chunks.flatMap((chunk, i) => outputArgs(options.index, chunk, p(`chunk${i}`), seek)),
    ],
    signal: options.signal,
  });
  checkExit(result, `cutting chunks of ${options.input}`, options.backend);
  const counts = muxedCounts(result.stderr);
  chunks.forEach((chunk, i) => {
    const want = chunkPackets(chunk.plan);
    const got = counts.get(i);
    if (got !== want) {
      throw new ChunkMismatchError(
        `chunk ${chunk.plan.index} of ${options.input}: cut ${got ?? "an unknown number of"} ` +
          `packets, its plan needs ${want}`,
        { backend: options.backend },
      );
    }
  });
}

/**
 * Cuts every planned chunk into `dir`, in runs of {@link FIRST_BATCH} then {@link MAX_BATCH}
 * chunks, calling `onBatch` after each run.
 * @returns every chunk, in plan order.
 * @throws CodecError when ffmpeg fails; ChunkMismatchError when a chunk's packet count is not
 *   its plan's; SegmentUnsupportedError when a chunk's keyframe has no usable decoding time.
 */
export async function cutChunks(options: CutOptions): Promise<CutChunk[]> {
  const all: CutChunk[] = options.plans.map((plan) => ({
    plan,
    path: `${options.dir}/chunk-${String(plan.index).padStart(6, "0")}.mp4`,
  }));
  for (const chunk of all) cutTime(options.index, chunk.plan.from); // checks before any run
  let at = 0;
  let size = FIRST_BATCH;
  while (at < all.length) {
    const batch = all.slice(at, at + size);
    await cutBatch(options, batch);
    await options.onBatch?.(batch);
    at += batch.length;
    size = MAX_BATCH;
  }
  return all;
}
