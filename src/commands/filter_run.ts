/**
 * `runFilter`: the offline filter of a video file, all on this machine — decode IN, run the chain
 * on the FilterPool (frames in flight bounded to 2 × threads, written back in order), encode OUT
 * (H.264 MP4, +faststart, the input's audio carried over). OUT appears only when everything
 * succeeded; a bad output path fails before any work.
 */
import {
  type CodecBackendName,
  type CodecChoice,
  conversionWarnings,
  type DecodedFrames,
  decodeFrames,
  encodedSize,
  type InputLimits,
  openEncoder,
  probe,
  resolveBackend,
} from "../codec/mod.ts";
import { formatChain } from "../filters/parse.ts";
import {
  checkChainSize,
  checkOutput,
  checkThreads,
  parseFilterOption,
  samePath,
  UsageError,
} from "./filter_checks.ts";
import {
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_THREADS,
  defaultPool,
  filterInOrder,
  type FramePool,
  type PoolFactory,
} from "./filter_pool.ts";
import type { ProgressSink } from "./filter_progress.ts";

/** Options of {@link runFilter}. */
export interface FilterRunOptions {
  input: string;
  output: string;
  /** Filter chain text, ffmpeg `-vf` syntax. */
  filter: string;
  /** Default `auto`. */
  codec?: CodecChoice;
  /** x264 CRF (default 23). */
  crf?: number;
  /** x264 preset (default `veryfast`). */
  preset?: string;
  /** Filter threads (default: logical cores). */
  threads?: number;
  /** Time limit per frame, ms (default 10 000). */
  frameTimeoutMs?: number;
  limits?: InputLimits;
  /**
   * Replace an existing output (default true; the command passes false unless `-y`, and then an
   * existing output fails the run before any work with OutputExistsError).
   */
  overwrite?: boolean;
  progress?: ProgressSink;
  /** Told each warning (what the conversion to 8-bit 4:2:0 loses) before frames are decoded. */
  onWarning?: (text: string) => void;
  signal?: AbortSignal;
}

/** The `--json` summary of an offline run. */
export interface FilterSummary {
  input: string;
  output: string;
  /** Canonical filter chain. */
  filter: string;
  codec: CodecBackendName;
  threads: number;
  frames: number;
  width: number;
  height: number;
  /**
   * Output size: the chain's (scale, crop, pad, transpose… change it), odd sizes padded to even
   * for H.264.
   */
  outputWidth: number;
  outputHeight: number;
  /** Frame rate as `num/den`. */
  fps: string;
  duration: number;
  audioStreams: number;
  /** The input's frames are unevenly spaced; the output keeps each frame's time. */
  variableFrameRate: boolean;
  /** What the conversion lost (high bit depth, chroma, alpha); empty when nothing. */
  warnings: string[];
  outputBytes: number;
  elapsedMs: number;
  /** Frames per second through the whole run (decode, filter, encode). */
  throughputFps: number;
}

/**
 * Runs the offline filter: IN (a video file) → OUT (an MP4).
 * @throws UsageError for a bad chain or options, or an output that is a directory;
 *   OutputNotWritableError when OUT's directory is missing or read-only; InvalidInputError for a
 *   bad input; CodecError, filter errors otherwise. OUT is not written unless it succeeds.
 */
export async function runFilter(
  options: FilterRunOptions,
  createPool: PoolFactory = defaultPool,
): Promise<FilterSummary> {
  const started = performance.now();
  const chain = parseFilterOption(options.filter);
  const threads = checkThreads(options.threads ?? DEFAULT_THREADS);
  const { input, output } = options;
  if (input === "-" || output === "-") {
    throw new UsageError("'-' (stdin/stdout) needs raw frames: use --raw WIDTHxHEIGHT");
  }
  if (await samePath(input, output)) {
    throw new UsageError(`the output ${output} is the input; choose another path`);
  }
  await checkOutput(output, { overwrite: options.overwrite });
  const codec = await resolveBackend(options.codec ?? "auto");
  // Independent start-up work at once: probing (ffprobe) and starting the filter threads.
  const [info, pool] = await probeAndPool(
    probe(input, { backend: codec, limits: options.limits }),
    createPool(threads),
  );
  const warnings = conversionWarnings(info);
  for (const warning of warnings) options.onWarning?.(warning);
  let frames: number;
  let size: { width: number; height: number };
  try {
    // The chain's output size (scale, crop… change it), before any frame is decoded.
    size = checkChainSize(chain, info.width, info.height, options.limits?.maxDimension);
    const resized = size.width !== info.width || size.height !== info.height;
    const encoder = await openEncoder({
      output,
      width: size.width,
      height: size.height,
      fps: info.fps,
      audioFrom: input,
      // A variable frame rate is kept: each frame shown at its time in the input.
      timesFrom: input,
      crf: options.crf,
      preset: options.preset,
      backend: codec,
      signal: options.signal,
    });
    options.progress?.start(info.frameCount, info.fps);
    let decoded: DecodedFrames | undefined;
    frames = await filterInOrder(
      (signal) => {
        decoded = decodeFrames(input, {
          backend: codec,
          limits: options.limits,
          signal,
          maxBuffered: 2 * threads,
        });
        return decoded;
      },
      pool,
      chain,
      {
        inFlight: 2 * threads,
        timeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
        signal: options.signal,
        onWritten: (frame) => options.progress?.update(frame.index + 1),
        // Written to the encoder: the decoder reads a later frame into this buffer — when it
        // has the input's size (a chain that changes the size returns new buffers).
        recycle: resized ? undefined : (data) => decoded?.recycle(data),
      },
      encoder,
    );
  } finally {
    options.progress?.stop();
    await pool.close();
  }
  const elapsedMs = performance.now() - started;
  const out = encodedSize(size.width, size.height);
  return {
    input,
    output,
    filter: formatChain(chain),
    codec,
    threads,
    frames,
    width: info.width,
    height: info.height,
    outputWidth: out.width,
    outputHeight: out.height,
    fps: `${info.fps.num}/${info.fps.den}`,
    duration: info.duration,
    audioStreams: info.audio.length,
    variableFrameRate: info.variableFrameRate,
    warnings,
    outputBytes: (await Deno.stat(output)).size,
    elapsedMs: Math.round(elapsedMs),
    throughputFps: Math.round((frames / (elapsedMs / 1000)) * 10) / 10,
  };
}

/**
 * Waits for the probe and the pool started together. When either fails, the pool (if it started)
 * is closed and the probe's error wins (a bad input is what the user needs to hear about).
 */
async function probeAndPool<I>(
  probing: Promise<I>,
  starting: Promise<FramePool>,
): Promise<[I, FramePool]> {
  const [info, pool] = await Promise.allSettled([probing, starting]);
  if (info.status === "fulfilled" && pool.status === "fulfilled") return [info.value, pool.value];
  if (pool.status === "fulfilled") await pool.value.close();
  throw info.status === "rejected" ? info.reason : (pool as PromiseRejectedResult).reason;
}
