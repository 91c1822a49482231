/**
 * `decodeFrames(input)`: a video file or byte stream as an async iterable of upright yuv420p
 * {@link Frame}s, with bounded read-ahead.
 *
 * - Back-pressure: at most `maxBuffered` decoded frames wait in memory; the decoder (an ffmpeg
 *   process or an ffmpeg.wasm worker) waits while the consumer is behind.
 * - Rotation: frames are rotated upright by ffmpeg (its autorotate), so `width`/`height` are the
 *   display size and the output needs no rotation metadata (`probe` reports the source's
 *   `rotation` for information).
 * - Timing: frame `index` counts from 0; `pts` is the frame's time in seconds from the first
 *   frame: index / fps for a constant frame rate, the frame's own time for a file with a variable
 *   frame rate (`VideoInfo.variableFrameRate`; read from its packets by the probe). A byte stream
 *   is not probed: its frames get index / fps (an encoder's `timesFrom` the complete file fixes
 *   that).
 * - Each frame owns its `data`. Breaking out of the loop stops ffmpeg and frees everything.
 * - Reuse: a consumer that is done with a frame's bytes (written to the encoder, say) may give
 *   the buffer back with {@link DecodedFrames.recycle}; the native decoder then reads later
 *   frames into it instead of allocating (and zeroing) new memory for each frame.
 */
import { resolveBackend } from "./backend.ts";
import { CodecError, InvalidInputError } from "./errors.ts";
import { type Frame, frameSize } from "./frame.ts";
import { FrameRecycler } from "./frame_recycler.ts";
import { frameTime } from "./frame_times.ts";
import { checkDimensions, resolveLimits } from "./limits.ts";
import { startNativeDecoder } from "./native/decoder.ts";
import { probeDetailed } from "./probe.ts";
import type { ProbeResult } from "./probe_parse.ts";
import type { DecodeSource, RawDecoder, RawDecoderOptions } from "./raw_codec.ts";
import { prepareStream } from "./stream_input.ts";
import type { CodecBackendName, DecodeOptions, InputLimits } from "./types.ts";
import { startWasmDecoder } from "./wasm/decoder.ts";

/** Default for {@link DecodeOptions.maxBuffered}. */
export const DEFAULT_MAX_BUFFERED = 8;

/** Spare buffers kept for reuse beyond `maxBuffered`. */
const SPARE_FRAMES = 8;

/** The frames of {@link decodeFrames}, with a way to hand frame buffers back for reuse. */
export interface DecodedFrames extends AsyncIterable<Frame> {
  /**
   * Gives a frame buffer back to the decoder: the native decoder fills it with a later frame
   * instead of allocating a new buffer; otherwise (ffmpeg.wasm, enough spares kept, or decoding
   * already ended) its memory is freed at once rather than at the next garbage collection. Either
   * way `data` is no longer the caller's: call it only once nothing reads or writes `data` any
   * more (e.g. after `FrameEncoder.write(frame)` resolved), at most once per buffer. A filtered
   * frame that came back from `FilterPool.run(…, { transfer: true })` may be given back too (any
   * whole buffer of one frame's size is taken). Buffers that do not fit (another size, a view into
   * a larger buffer, a SharedArrayBuffer, a detached one) are ignored.
   * @returns whether the buffer was kept for reuse.
   */
  recycle(data: Uint8Array): boolean;
}

/** Starts the backend's decoder on a prepared source. */
export function startDecoder(
  backend: CodecBackendName,
  source: DecodeSource,
  options: RawDecoderOptions,
): RawDecoder {
  return backend === "native"
    ? startNativeDecoder(source, options)
    : startWasmDecoder(source, options);
}

/**
 * Decodes `input` (a file path or a byte stream) into frames.
 * @param options.backend `auto` (default): native ffmpeg when on PATH, else ffmpeg.wasm.
 * @param options.maxBuffered decoded frames held ahead of the consumer (default 8, ≥ 1).
 * @param options.limits refuse inputs past these (defaults: 7680 px per side, 1 000 000 frames).
 * @param options.signal aborting it stops decoding; the loop then throws the abort reason.
 * @throws RangeError/TypeError at once for bad options; while iterating, InvalidInputError for a
 *   bad input (also a file found truncated while decoding) and CodecError for other failures.
 */
export function decodeFrames(
  input: string | ReadableStream<Uint8Array>,
  options: DecodeOptions = {},
): DecodedFrames {
  if (typeof input !== "string" && !(input instanceof ReadableStream)) {
    throw new TypeError(`input must be a file path or a ReadableStream, got ${typeof input}`);
  }
  if (typeof input === "string" && input.length === 0) {
    throw new TypeError("input path is empty");
  }
  const maxBuffered = options.maxBuffered ?? DEFAULT_MAX_BUFFERED;
  if (!Number.isInteger(maxBuffered) || maxBuffered < 1) {
    throw new RangeError(`maxBuffered must be an integer >= 1, got ${maxBuffered}`);
  }
  const limits = resolveLimits(options.limits);
  const recycler = new FrameRecycler(maxBuffered + SPARE_FRAMES);
  const frames = generate(input, { ...options, maxBuffered, limits, recycler });
  return Object.assign(frames, { recycle: (data: Uint8Array) => recycler.give(data) });
}

async function* generate(
  input: string | ReadableStream<Uint8Array>,
  options: DecodeOptions & {
    maxBuffered: number;
    limits: Required<InputLimits>;
    recycler: FrameRecycler;
  },
): AsyncGenerator<Frame> {
  const { signal, limits, maxBuffered } = options;
  signal?.throwIfAborted();
  const backend = await resolveBackend(options.backend);
  // ffmpeg.wasm's frames are made by its worker: buffers given back are freed, not kept.
  if (backend !== "native") options.recycler.maxSpare = 0;
  const name = typeof input === "string" ? input : "<stream>";
  let source: DecodeSource;
  let expected: ProbeResult | undefined;
  let cleanup = async () => {};
  if (typeof input === "string") {
    if (options.probe !== false) expected = await probeDetailed(input, { backend, limits });
    source = { kind: "file", path: input };
  } else {
    const prepared = await prepareStream(input, name);
    cleanup = prepared.cleanup;
    source = prepared.source;
    if (source.kind === "file") {
      try {
        expected = await probeDetailed(source.path, { backend, limits });
      } catch (error) {
        await cleanup();
        if (error instanceof InvalidInputError) {
          throw new InvalidInputError(error.reason, name, error.message.replace(/^[^:]*: /, ""));
        }
        throw error;
      }
    }
  }
  const decoder = startDecoder(backend, source, {
    maxBuffered,
    inputName: name,
    recycler: options.recycler,
  });
  const onAbort = () => decoder.cancel();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const header = await decoder.header();
    checkDimensions(header.width, header.height, limits, name);
    const { width, height } = header;
    options.recycler.frameBytes = frameSize(width, height);
    const frameDuration = header.fps.den / header.fps.num;
    // A variable-rate file: each frame's own time (from its probe), else i / fps.
    const times = expected?.times;
    let index = 0;
    while (true) {
      const data = await decoder.next();
      if (data === null) break;
      if (index >= limits.maxFrames) {
        throw new InvalidInputError(
          "too-large",
          name,
          `has more than ${limits.maxFrames} frames; cut it shorter or raise limits.maxFrames`,
        );
      }
      const pts = times ? frameTime(times, index, header.fps) : index * frameDuration;
      yield { index, pts, width, height, data };
      index++;
    }
    if (expected) checkComplete(expected, index, name);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await decoder.cancel();
    // Frames still in flight at the consumer are freed when given back, not kept for a decoder
    // that will not take them.
    options.recycler.close();
    await cleanup();
  }
}

/** A file that decodes to clearly fewer frames than its index lists was cut short. */
function checkComplete(expected: ProbeResult, decoded: number, name: string): void {
  if (expected.frameCountSource === "estimated") return;
  const listed = expected.info.frameCount;
  const tolerance = Math.max(2, Math.floor(listed * 0.01));
  if (decoded + tolerance <= listed) {
    throw new InvalidInputError(
      "truncated",
      name,
      `decoded only ${decoded} of the ${listed} frames its index lists: the file is truncated ` +
        "or damaged",
    );
  }
  if (decoded === 0) throw new CodecError(`${name}: no frames decoded`);
}
