/**
 * Processing one chunk (a worker's part of a segment job): decode it, drop the frames before the
 * range, hand each frame of the range to a filter callback (several at once, written in order),
 * encode the results with the job's settings, and check that the chunk decoded to exactly the
 * frames its plan promised and that the encoded chunk holds exactly the range's frames.
 *
 * The chunk is decoded from its file without a probe (its plan says what it holds, and the frames
 * decoded are counted against it); frames after the range (needed only for B-frame reordering)
 * are decoded and dropped. Frame buffers go round: each frame's bytes may be moved to a filter
 * thread and come back filtered (see {@link FrameFilter}), and once the encoder took them they go
 * back to the decoder for a later frame — no new frame memory per frame.
 *
 * Timing: frames are encoded at the constant `spec.fps`, or, for a variable frame rate, each at
 * its own time (`spec.times`, the encoder's `timing: "pts"`), the last one lasting up to the
 * next segment's first frame (`spec.duration`), so the join keeps every frame's time.
 */
import { decodeFrames } from "../decode.ts";
import { openEncoder } from "../encode.ts";
import type { Frame } from "../frame.ts";
import type { CodecChoice, FrameEncoder } from "../types.ts";
import { ChunkMismatchError } from "./errors.ts";
import type { ChunkSpec } from "./spec.ts";
import { probeEncodedChunk } from "./verify.ts";
import { resolveBackend } from "../backend.ts";
import { planeLayout } from "../frame.ts";

/** A black yuv420p frame (limited range: Y 16, U and V 128). */
function blackFrame(width: number, height: number): Uint8Array {
  const layout = planeLayout(width, height);
  const data = new Uint8Array(layout.total).fill(128);
  data.fill(16, 0, layout.ySize);
  return data;
}

/**
 * Filters one frame: resolves to the filtered yuv420p bytes, of the spec's output size (the
 * decoded size unless the chain changes it). It may take `frame.data` (transfer it to a filter
 * thread and resolve to the same memory filtered): processChunk does not read `frame.data` once
 * it is handed over, and gives the bytes resolved to back to the decoder after encoding them.
 */
export type FrameFilter = (frame: Frame, signal: AbortSignal) => Promise<Uint8Array>;

/** Options of {@link processChunk}. */
export interface ProcessChunkOptions {
  /** The chunk file (an MP4 cut by `cutChunks`). */
  input: string;
  /** Where the encoded chunk goes (an MP4; written to a temporary file, renamed when done). */
  output: string;
  spec: ChunkSpec;
  /**
   * The filter; none encodes the original frames (the fallback) — or, when the spec's output size
   * is not the decoded one, black frames of that size (a server passes a filter that fits the
   * original into that size instead: filters/fit_frame.ts).
   */
  filter?: FrameFilter;
  /** Frames handed to `filter` at once (default 1). */
  parallel?: number;
  backend?: CodecChoice;
  signal?: AbortSignal;
  /** Called after each frame of the range is written to the encoder, with the count so far. */
  onFrame?: (written: number) => void;
  /** Where the encoder keeps temporary files (default: the system's). */
  tempDir?: string;
}

/** What a processed chunk is. */
export interface ProcessedChunk {
  /** Frames in the encoded chunk (= `spec.frames`). */
  frames: number;
  /** Hash of the encoded stream's header (SPS/PPS, level aside): chunks join when equal. */
  headerHash: string;
  /** The H.264 level the chunk's header declares. */
  level?: number;
}

/**
 * Processes a chunk; see the module documentation.
 * @throws ChunkMismatchError when the chunk decodes to another number of frames than
 *   `spec.decoded`, a frame has another size than the spec's, or the encoded chunk has another
 *   number of frames than `spec.frames`; the filter's error; CodecError from the codecs; the
 *   abort reason. The output is never left half-written.
 */
export async function processChunk(options: ProcessChunkOptions): Promise<ProcessedChunk> {
  const { spec } = options;
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new RangeError(`parallel must be an integer >= 1, got ${parallel}`);
  }
  options.signal?.throwIfAborted();
  const backend = await resolveBackend(options.backend);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const frames = decodeFrames(options.input, { backend, signal, probe: false });
  let encoder: FrameEncoder | undefined;
  const pending: { frame: Frame; result: Promise<Uint8Array> }[] = [];
  let decoded = 0;
  let written = 0;
  const last = spec.skip + spec.frames;
  const out = spec.output ?? { width: spec.width, height: spec.height };
  const resized = out.width !== spec.width || out.height !== spec.height;
  const write = async () => {
    const { frame, result } = pending.shift()!;
    const data = await result;
    const times = spec.times;
    encoder ??= await openEncoder({
      output: options.output,
      width: out.width,
      height: out.height,
      fps: spec.fps,
      crf: spec.crf,
      preset: spec.preset,
      backend,
      signal,
      tempDir: options.tempDir,
      ...(times
        ? {
          timing: "pts" as const,
          timescale: spec.timescale,
          lastFrameDuration: spec.duration! - times[times.length - 1],
        }
        : {}),
    });
    const pts = times ? times[written] : (written * spec.fps.den) / spec.fps.num;
    await encoder.write({
      ...frame,
      index: written,
      pts,
      width: out.width,
      height: out.height,
      data,
    });
    written++;
    // Encoded: the buffer receives a later frame (one of another size is not taken).
    frames.recycle(data);
    options.onFrame?.(written);
  };
  try {
    for await (const frame of frames) {
      const position = decoded++;
      if (position < spec.skip || position >= last) {
        frames.recycle(frame.data);
        continue;
      }
      if (frame.width !== spec.width || frame.height !== spec.height) {
        throw new ChunkMismatchError(
          `${options.input}: decoded ${frame.width}x${frame.height} frames, the job's are ` +
            `${spec.width}x${spec.height}`,
        );
      }
      const result = options.filter
        ? options.filter(frame, signal)
        : Promise.resolve(resized ? blackFrame(out.width, out.height) : frame.data);
      result.catch(() => {}); // awaited in order by write()
      pending.push({ frame, result });
      while (pending.length >= parallel) await write();
    }
    while (pending.length > 0) await write();
    if (decoded !== spec.decoded) {
      throw new ChunkMismatchError(
        `${options.input}: the chunk decoded to ${decoded} frames, its plan promised ` +
          `${spec.decoded} (${spec.skip} before the range, ${spec.frames} in it)`,
      );
    }
    if (!encoder) throw new ChunkMismatchError(`${options.input}: no frame of the range decoded`);
    await encoder.close();
  } catch (error) {
    stop.abort(error);
    await encoder?.abort();
    throw error;
  }
  const probed = await probeEncodedChunk(options.output, backend, options.signal);
  if (probed.frames !== spec.frames) {
    await Deno.remove(options.output).catch(() => {});
    throw new ChunkMismatchError(
      `${options.output}: the encoded chunk has ${probed.frames} frames, its range ${spec.frames}`,
    );
  }
  return probed;
}
