/**
 * `openEncoder(options)`: frames in, an MP4 out — H.264 (libx264), yuv420p, `+faststart` so it
 * plays while downloading. Frames are timed at the constant `fps`, so the output has exactly the
 * frames written and their duration — or, with `timing: "pts"` (or `timesFrom` a variable-rate
 * file), each at its own time: the frames then go to ffmpeg as Matroska (mkv_writer.ts) instead of
 * raw frames, which costs nothing noticeable but is only done when asked for. The audio streams of `audioFrom` are copied unchanged
 * (re-encoded to AAC only when MP4 cannot hold them), with the video's start offset kept so
 * audio stays in sync. The MP4 is written to a temporary file beside `output` and renamed on
 * success: there is never a half-written `output`.
 *
 * H.264 4:2:0 needs even dimensions: an odd width or height is padded by one column/row that
 * repeats the edge pixels, so the output is up to 1 px wider/taller (see {@link encodedSize}).
 */
import { audioActionFor, type AudioPlan, encodeArgs } from "./args.ts";
import { resolveBackend } from "./backend.ts";
import { CodecError } from "./errors.ts";
import type { Frame } from "./frame.ts";
import { frameSize } from "./frame.ts";
import { startNativeEncoder } from "./native/encoder.ts";
import { encoderThreads } from "./native/threads.ts";
import { padToEven } from "./pad.ts";
import { readFrameTimes, runProbe } from "./probe.ts";
import { frameTime, lastFrameDuration, timescaleOf } from "./frame_times.ts";
import { timedFrames } from "./timed_frames.ts";
import type { RawEncoder } from "./raw_codec.ts";
import type { CodecBackendName, EncodeOptions, FrameEncoder } from "./types.ts";
import { startWasmEncoder } from "./wasm/encoder.ts";
import { defaultSegmentFrames, startSegmentedWasmEncoder } from "./wasm/segmented_encoder.ts";
import { PRESETS } from "./presets.ts";

/** Default x264 CRF (0 = lossless … 51; 23 is x264's own default). */
export const DEFAULT_CRF = 23;
/** Default x264 preset. */
export const DEFAULT_PRESET = "veryfast";
/** Default {@link EncodeOptions.workers} for ffmpeg.wasm: logical cores, 1..4. */
export const DEFAULT_WASM_WORKERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));

/**
 * Raw frames native ffmpeg queues between its input thread and the encoder (ffmpeg's default is
 * 8): the frame channel and the pipeline already keep the encoder fed, and each queued 1080p
 * frame is 3 MiB.
 */
const NATIVE_INPUT_QUEUE = 2;

/** MP4 timescale of timed frames when neither the options nor the times give one. */
const TIMED_TIMESCALE = 90000;

/** The size an encoded `width`×`height` video has: each rounded up to even. */
export function encodedSize(width: number, height: number): { width: number; height: number } {
  return { width: width + (width & 1), height: height + (height & 1) };
}

function checkOptions(
  options: EncodeOptions,
): { crf: number; preset: string; workers: number } {
  if (typeof options?.output !== "string" || options.output.length === 0) {
    throw new TypeError(`output must be a non-empty path, got ${JSON.stringify(options?.output)}`);
  }
  for (const key of ["width", "height"] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${key} must be an integer >= 1, got ${value}`);
    }
  }
  const { fps } = options;
  if (
    !fps || !Number.isInteger(fps.num) || !Number.isInteger(fps.den) || fps.num < 1 || fps.den < 1
  ) {
    throw new RangeError(`fps must be a rational of positive integers, got ${JSON.stringify(fps)}`);
  }
  const crf = options.crf ?? DEFAULT_CRF;
  if (!Number.isFinite(crf) || crf < 0 || crf > 51) {
    throw new RangeError(`crf must be a number in 0..51, got ${crf}`);
  }
  const preset = options.preset ?? DEFAULT_PRESET;
  if (!(PRESETS as readonly string[]).includes(preset)) {
    throw new RangeError(`preset must be one of ${PRESETS.join(", ")}, got '${preset}'`);
  }
  const workers = options.workers ?? DEFAULT_WASM_WORKERS;
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new RangeError(`workers must be an integer in 1..64, got ${workers}`);
  }
  const segment = options.segmentFrames;
  if (segment !== undefined && (!Number.isInteger(segment) || segment < 1)) {
    throw new RangeError(`segmentFrames must be an integer >= 1, got ${segment}`);
  }
  checkTimingOptions(options);
  return { crf, preset, workers };
}

function checkTimingOptions(options: EncodeOptions): void {
  const { timing, lastFrameDuration, timescale, timesFrom } = options;
  if (timing !== undefined && timing !== "constant" && timing !== "pts") {
    throw new RangeError(`timing must be 'constant' or 'pts', got '${timing}'`);
  }
  if (
    lastFrameDuration !== undefined &&
    !(Number.isFinite(lastFrameDuration) && lastFrameDuration > 0)
  ) {
    throw new RangeError(`lastFrameDuration must be seconds > 0, got ${lastFrameDuration}`);
  }
  if (
    timescale !== undefined &&
    (!Number.isInteger(timescale) || timescale < 1 || timescale > 10_000_000)
  ) {
    throw new RangeError(`timescale must be an integer in 1..10000000, got ${timescale}`);
  }
  if (timesFrom !== undefined && (typeof timesFrom !== "string" || timesFrom.length === 0)) {
    throw new TypeError(`timesFrom must be a non-empty path, got ${JSON.stringify(timesFrom)}`);
  }
}

/** How the frames of one encoder are timed, resolved from the options. */
interface Timing {
  /** Frames go in as Matroska, each at its time. */
  timed: boolean;
  /** Frame's time, seconds (timed only). */
  ptsOf: (frame: Frame) => number;
  lastFrameDuration: number;
  timescale?: number;
}

/** Resolves `timing`/`timesFrom` (reading the file's frame times, remembered from its probe). */
async function resolveTiming(
  options: EncodeOptions,
  backend: CodecBackendName,
): Promise<Timing> {
  const frame = options.fps.den / options.fps.num;
  const times = options.timesFrom
    ? await readFrameTimes(options.timesFrom, { backend })
    : undefined;
  if (times) {
    return {
      timed: true,
      ptsOf: (f) => frameTime(times, f.index, options.fps),
      lastFrameDuration: options.lastFrameDuration ?? lastFrameDuration(times, options.fps),
      timescale: options.timescale ?? timescaleOf(times) ?? TIMED_TIMESCALE,
    };
  }
  const timed = options.timing === "pts";
  return {
    timed,
    ptsOf: (f) => f.pts,
    lastFrameDuration: options.lastFrameDuration ?? frame,
    timescale: options.timescale ?? (timed ? TIMED_TIMESCALE : undefined),
  };
}

/**
 * The audio streams of `path` and how to carry each, and the video's offset from file start;
 * undefined when `path` has no audio.
 */
async function planAudio(
  backend: CodecBackendName,
  path: string,
): Promise<AudioPlan | undefined> {
  const { stdout, stderr } = await runProbe(backend, path, "streams");
  let json: {
    streams?: { codec_type?: string; codec_name?: string; start_time?: string }[];
    format?: { start_time?: string };
  };
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new CodecError(`cannot read the audio of ${path}: ${stderr.trim() || "ffprobe failed"}`);
  }
  const streams = json.streams ?? [];
  const actions = streams
    .filter((s) => s.codec_type === "audio")
    .map((s) => audioActionFor(s.codec_name ?? ""));
  if (actions.length === 0) return undefined;
  const video = streams.find((s) => s.codec_type === "video");
  const videoOffset = (Number(video?.start_time) || 0) - (Number(json.format?.start_time) || 0);
  return { input: path, actions, videoOffset: Math.max(0, videoOffset) };
}

/** The directory of `output` (`.` for a bare name) and its file name. */
function splitPath(output: string): { dir: string; base: string } {
  const slash = output.lastIndexOf("/");
  return { dir: slash === -1 ? "." : output.slice(0, slash) || "/", base: output.slice(slash + 1) };
}

function tempPathFor(output: string): string {
  const { dir, base } = splitPath(output);
  return `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.part`;
}

async function checkOutputDir(output: string): Promise<void> {
  const { dir } = splitPath(output);
  try {
    const stat = await Deno.stat(dir);
    if (!stat.isDirectory) throw new Error("not a directory");
  } catch (error) {
    throw new CodecError(
      `cannot write ${output}: its directory ${dir} is not usable (${(error as Error).message})`,
    );
  }
}

/**
 * Opens an encoder writing `options.output`.
 * @param options.crf x264 CRF, 0..51 (default 23); `options.preset` x264 preset (default
 *   `veryfast`); `options.backend` `auto` (default), `wasm` or `native`; `options.audioFrom` a
 *   file whose audio streams are carried over; `options.signal` aborting it aborts the encoder;
 *   `options.workers` parallel segment encoders for ffmpeg.wasm (default: cores, at most 4);
 *   `options.timing` `constant` (default) or `pts` (each frame at its own `pts`),
 *   `options.timesFrom` a file whose variable frame rate is kept (see {@link EncodeOptions}).
 * @throws TypeError/RangeError for bad options, CodecError when the output directory is unusable;
 *   `write` throws RangeError for a timed frame whose time is not after the previous one's.
 */
export async function openEncoder(options: EncodeOptions): Promise<FrameEncoder> {
  const { crf, preset, workers } = checkOptions(options);
  options.signal?.throwIfAborted();
  const backend = await resolveBackend(options.backend);
  await checkOutputDir(options.output);
  const audio = options.audioFrom ? await planAudio(backend, options.audioFrom) : undefined;
  const timing = await resolveTiming(options, backend);
  const { timed, timescale } = timing;
  const { width, height, fps } = options;
  const size = encodedSize(width, height);
  const temp = tempPathFor(options.output);
  const inputName = options.output;
  const framing = { ...size, lastFrameDuration: timing.lastFrameDuration };
  // Aborted while probing the backend or the audio: start nothing (an abort listener added below
  // would never fire for a signal that is already aborted).
  options.signal?.throwIfAborted();
  let raw: RawEncoder;
  if (backend === "native") {
    raw = startNativeEncoder(
      (url) =>
        encodeArgs({
          input: url,
          output: temp,
          ...size,
          fps,
          crf,
          preset,
          audio,
          timed,
          lastFrameDuration: timing.lastFrameDuration,
          timescale,
          inputQueue: NATIVE_INPUT_QUEUE,
          threads: encoderThreads(preset),
        }),
      inputName,
    );
    if (timed) raw = timedFrames(raw, framing);
  } else if (workers > 1) {
    raw = startSegmentedWasmEncoder({
      output: temp,
      ...size,
      fps,
      crf,
      preset,
      audio,
      inputName,
      workers,
      segmentFrames: options.segmentFrames ?? defaultSegmentFrames(size.width, size.height, fps),
      tempDir: options.tempDir,
      timed: timed ? { lastFrameDuration: timing.lastFrameDuration } : undefined,
      timescale,
    });
  } else {
    raw = startWasmEncoder({
      output: temp,
      ...size,
      fps,
      crf,
      preset,
      audio,
      inputName,
      timed,
      lastFrameDuration: timing.lastFrameDuration,
      timescale,
    });
    if (timed) raw = timedFrames(raw, framing);
  }
  const expectedBytes = frameSize(width, height);
  let written = 0;
  let lastPts = -Infinity;
  let state: "open" | "closing" | "closed" | "aborted" = "open";

  // One abort, however many callers (the signal and the owner): each waits until it is done.
  let aborting: Promise<void> | undefined;
  const abort = (): Promise<void> => {
    if (state === "closed") return Promise.resolve();
    state = "aborted";
    return aborting ??= (async () => {
      await raw.abort();
      await Deno.remove(temp).catch(() => {});
    })();
  };
  const onAbort = () => void abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  return {
    async write(frame: Frame) {
      if (state !== "open") throw new CodecError(`write on a ${state} encoder`);
      if (frame.width !== width || frame.height !== height) {
        throw new RangeError(
          `frame ${frame.index} is ${frame.width}x${frame.height}, the encoder ${width}x${height}`,
        );
      }
      if (frame.data.length !== expectedBytes) {
        throw new RangeError(
          `frame ${frame.index} has ${frame.data.length} bytes, a ${width}x${height} yuv420p ` +
            `frame has ${expectedBytes}`,
        );
      }
      if (frame.index !== written) {
        throw new RangeError(
          `frames must come in order: expected index ${written}, got ${frame.index}`,
        );
      }
      const pts = timed ? timing.ptsOf(frame) : undefined;
      if (timed && !(Number.isFinite(pts) && pts! >= 0 && pts! > lastPts)) {
        throw new RangeError(
          `frame ${frame.index}'s time ${pts} s must be a number >= 0 after the previous ` +
            `frame's (${lastPts} s)`,
        );
      }
      try {
        await raw.write(padToEven(frame.data, width, height), pts);
        if (pts !== undefined) lastPts = pts;
        written++;
      } catch (error) {
        await abort();
        throw error;
      }
    },
    async close() {
      if (state !== "open") throw new CodecError(`close on a ${state} encoder`);
      state = "closing";
      options.signal?.removeEventListener("abort", onAbort);
      try {
        if (written === 0) throw new CodecError(`no frames were written to ${options.output}`);
        await raw.finish();
        await Deno.rename(temp, options.output);
        state = "closed";
        return options.output;
      } catch (error) {
        state = "open";
        await abort();
        throw error;
      }
    },
    async abort() {
      options.signal?.removeEventListener("abort", onAbort);
      await abort();
    },
  };
}
