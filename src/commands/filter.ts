/**
 * `vframe filter IN OUT --filter CHAIN` (`deno task filter`): the offline filter, all on this
 * machine. Decodes IN (ffmpeg.wasm or native ffmpeg), runs the chain on the SIMD WebAssembly
 * filter pool in parallel (frames in flight bounded to 2 × threads, written back in order),
 * encodes OUT (H.264 MP4, +faststart, the input's audio carried over). OUT appears only when
 * everything succeeded.
 *
 * Raw mode (`--raw WIDTHxHEIGHT IN OUT`): IN and OUT are raw yuv420p frame streams — `-` for
 * stdin/stdout, or a path (a named FIFO or a file) — for shell pipelines with ffmpeg:
 *
 * ```sh
 * ffmpeg -i in.mp4 -f rawvideo -pix_fmt yuv420p - \
 *   | deno task filter --raw 1280x720 --filter blur - - \
 *   | ffmpeg -f rawvideo -pix_fmt yuv420p -s 1280x720 -i - out.mp4
 * ```
 *
 * Exit codes: 0 done, 1 failed (bad input, codec or filter failure, interrupted), 2 bad usage
 * (unknown flag value, bad filter chain).
 */
import { VframeError } from "../util/errors.ts";
import { Command, InvalidArgumentError, Option } from "commander";
import cliProgress from "cli-progress";
import {
  type CodecBackendName,
  type CodecChoice,
  decodeFrames,
  DEFAULT_CRF,
  DEFAULT_PRESET,
  encodedSize,
  type Frame,
  type InputLimits,
  openEncoder,
  PRESETS,
  probe,
  resolveBackend,
} from "../codec/mod.ts";
import { FrameAssembler } from "../codec/raw_frames.ts";
import { FilterPool } from "../filters/pool.ts";
import { formatChain, parseChain } from "../filters/parse.ts";
import { FilterChainError } from "../filters/errors.ts";
import type { FilterChain } from "../filters/types.ts";

/** What the filter stage needs of a pool (FilterPool's shape). */
export interface FramePool {
  run(
    chain: FilterChain,
    width: number,
    height: number,
    data: Uint8Array,
    options?: { timeoutMs?: number },
  ): Promise<{ data: Uint8Array }>;
  close(): Promise<void>;
}

/** Makes the pool; tests may pass their own. Default: `FilterPool.create({ size })`. */
export type PoolFactory = (size: number) => Promise<FramePool>;

const defaultPool: PoolFactory = (size) => FilterPool.create({ size });

/** Default filter threads: every logical core. */
export const DEFAULT_THREADS = Math.max(1, navigator.hardwareConcurrency || 1);
/** Default time limit per frame in the filter pool, ms. */
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;

/** Receives progress. */
export interface ProgressSink {
  start(total: number | undefined): void;
  update(frames: number): void;
  stop(): void;
}

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
  progress?: ProgressSink;
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
  /** Output size (odd sizes are padded to even for H.264). */
  outputWidth: number;
  outputHeight: number;
  /** Frame rate as `num/den`. */
  fps: string;
  duration: number;
  audioStreams: number;
  outputBytes: number;
  elapsedMs: number;
  /** Frames per second through the whole run (decode, filter, encode). */
  throughputFps: number;
}

/** A bad command line (exit code 2). */
export class UsageError extends VframeError {
  readonly code: string = "usage";
  override name = "UsageError";
}

/**
 * Parses a chain for the command.
 * @throws UsageError naming the problem (from FilterChainError) or an empty chain.
 */
export function parseFilterOption(text: string | undefined): FilterChain {
  if (!text || text.trim() === "") {
    throw new UsageError('missing --filter: give a chain, e.g. --filter "blur=sigma=3,grayscale"');
  }
  try {
    return parseChain(text);
  } catch (error) {
    if (error instanceof FilterChainError) {
      throw new UsageError(`bad --filter "${text}": ${error.message}`);
    }
    throw error;
  }
}

/** Parses `WIDTHxHEIGHT`. @throws InvalidArgumentError (commander prints it, exit 2). */
export function parseSize(text: string): { width: number; height: number } {
  const match = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(text);
  const width = match ? Number(match[1]) : NaN;
  const height = match ? Number(match[2]) : NaN;
  if (!match || width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw new InvalidArgumentError(`expected WIDTHxHEIGHT like 1280x720, got '${text}'`);
  }
  return { width, height };
}

function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}, got '${value}'`);
    }
    return n;
  };
}

/**
 * Filters `frames` on `pool`, at most `inFlight` at once, handing results to `sink` in order.
 * @returns the number of frames.
 */
export async function filterInOrder(
  frames: AsyncIterable<Frame>,
  pool: FramePool,
  chain: FilterChain,
  options: { inFlight: number; timeoutMs: number },
  sink: (frame: Frame) => Promise<void>,
): Promise<number> {
  const pending: Promise<Frame>[] = [];
  let count = 0;
  try {
    for await (const frame of frames) {
      const { index, pts, width, height } = frame;
      const job = pool.run(chain, width, height, frame.data, { timeoutMs: options.timeoutMs })
        .then(({ data }) => ({ index, pts, width, height, data }));
      job.catch(() => {}); // reported when its turn comes
      pending.push(job);
      if (pending.length >= options.inFlight) {
        await sink(await pending.shift()!);
        count++;
      }
    }
    while (pending.length > 0) {
      await sink(await pending.shift()!);
      count++;
    }
  } finally {
    await Promise.allSettled(pending);
  }
  return count;
}

async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return (await Deno.realPath(a)) === (await Deno.realPath(b));
  } catch {
    return false;
  }
}

/**
 * Runs the offline filter: IN (a video file) → OUT (an MP4).
 * @throws UsageError for a bad chain or options; InvalidInputError for a bad input; CodecError,
 *   filter errors otherwise. OUT is not written unless it succeeds.
 */
export async function runFilter(
  options: FilterRunOptions,
  createPool: PoolFactory = defaultPool,
): Promise<FilterSummary> {
  const started = performance.now();
  const chain = parseFilterOption(options.filter);
  const threads = options.threads ?? DEFAULT_THREADS;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UsageError(`threads must be an integer >= 1, got ${threads}`);
  }
  if (options.input === "-" || options.output === "-") {
    throw new UsageError("'-' (stdin/stdout) needs raw frames: use --raw WIDTHxHEIGHT");
  }
  if (await samePath(options.input, options.output)) {
    throw new UsageError(`the output ${options.output} is the input; choose another path`);
  }
  const codec = await resolveBackend(options.codec ?? "auto");
  const info = await probe(options.input, { backend: codec, limits: options.limits });
  const encoder = await openEncoder({
    output: options.output,
    width: info.width,
    height: info.height,
    fps: info.fps,
    audioFrom: options.input,
    crf: options.crf,
    preset: options.preset,
    backend: codec,
    signal: options.signal,
  });
  let pool: FramePool | undefined;
  let frames = 0;
  try {
    pool = await createPool(threads);
    options.progress?.start(info.frameCount);
    frames = await filterInOrder(
      decodeFrames(options.input, {
        backend: codec,
        limits: options.limits,
        signal: options.signal,
        maxBuffered: 2 * threads,
      }),
      pool,
      chain,
      { inFlight: 2 * threads, timeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS },
      async (frame) => {
        options.signal?.throwIfAborted();
        await encoder.write(frame);
        options.progress?.update(frame.index + 1);
      },
    );
    await encoder.close();
  } catch (error) {
    await encoder.abort();
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.progress?.stop();
    await pool?.close();
  }
  const elapsedMs = performance.now() - started;
  const out = encodedSize(info.width, info.height);
  return {
    input: options.input,
    output: options.output,
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
    outputBytes: (await Deno.stat(options.output)).size,
    elapsedMs: Math.round(elapsedMs),
    throughputFps: Math.round((frames / (elapsedMs / 1000)) * 10) / 10,
  };
}

/** Options of {@link runRawFilter}. */
export interface RawFilterOptions {
  /** `-` (stdin) or a path (FIFO or file) of raw yuv420p frames. */
  input: string;
  /** `-` (stdout) or a path (FIFO or file) to write raw yuv420p frames to. */
  output: string;
  width: number;
  height: number;
  filter: string;
  threads?: number;
  frameTimeoutMs?: number;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

/** The `--json` summary of a raw run. */
export interface RawFilterSummary {
  filter: string;
  width: number;
  height: number;
  threads: number;
  frames: number;
  elapsedMs: number;
  throughputFps: number;
}

async function* rawFrames(
  stream: ReadableStream<Uint8Array>,
  width: number,
  height: number,
): AsyncGenerator<Frame> {
  const assembler = new FrameAssembler(width, height);
  const ready: Uint8Array[] = [];
  let index = 0;
  for await (const chunk of stream) {
    assembler.push(chunk, (data) => ready.push(data));
    while (ready.length > 0) {
      // Raw frames carry no time: they are timed at a nominal 30 fps.
      yield { index, pts: index / 30, width, height, data: ready.shift()! };
      index++;
    }
  }
  assembler.finish();
}

/**
 * Raw mode: filters raw yuv420p frames from `input` to `output` (`-` = stdin/stdout).
 * @throws UsageError for bad options or chain; CodecError when the stream ends inside a frame.
 */
export async function runRawFilter(
  options: RawFilterOptions,
  createPool: PoolFactory = defaultPool,
): Promise<RawFilterSummary> {
  const started = performance.now();
  const chain = parseFilterOption(options.filter);
  const threads = options.threads ?? DEFAULT_THREADS;
  const input = options.input === "-"
    ? Deno.stdin.readable
    : (await Deno.open(options.input, { read: true })).readable;
  let outputFile: Deno.FsFile | undefined;
  let writable: WritableStream<Uint8Array>;
  if (options.output === "-") writable = Deno.stdout.writable;
  else {
    outputFile = await Deno.open(options.output, { write: true, create: true, truncate: true });
    writable = outputFile.writable;
  }
  const writer = writable.getWriter();
  let pool: FramePool | undefined;
  let frames = 0;
  const source = rawFrames(input, options.width, options.height);
  try {
    pool = await createPool(threads);
    options.progress?.start(undefined);
    frames = await filterInOrder(
      source,
      pool,
      chain,
      { inFlight: 2 * threads, timeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS },
      async (frame) => {
        options.signal?.throwIfAborted();
        await writer.write(frame.data);
        options.progress?.update(frame.index + 1);
      },
    );
    await writer.close();
  } catch (error) {
    await writer.abort(error).catch(() => {});
    await source.return(undefined).catch(() => {});
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.progress?.stop();
    await pool?.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    filter: formatChain(chain),
    width: options.width,
    height: options.height,
    threads,
    frames,
    elapsedMs: Math.round(elapsedMs),
    throughputFps: Math.round((frames / (elapsedMs / 1000)) * 10) / 10,
  };
}

/**
 * Progress on stderr: a `cli-progress` bar on a terminal, plain lines (at most one a second)
 * otherwise.
 */
export function stderrProgress(label: string): ProgressSink {
  if (Deno.stderr.isTerminal()) {
    let bar: {
      start(total: number, value: number, payload?: object): void;
      update(value: number, payload?: object): void;
      stop(): void;
    } | undefined;
    let started = 0;
    return {
      start(total) {
        started = performance.now();
        bar = new cliProgress.SingleBar({
          format: total
            ? `${label} [{bar}] {percentage}% | {value}/{total} frames | {fps} fps | ETA {eta}s`
            : `${label} {value} frames | {fps} fps`,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar!.start(total ?? 0, 0, { fps: "0" });
      },
      update(frames) {
        const fps = frames / Math.max(0.001, (performance.now() - started) / 1000);
        bar?.update(frames, { fps: fps.toFixed(1) });
      },
      stop() {
        bar?.stop();
      },
    };
  }
  const encoder = new TextEncoder();
  let total: number | undefined;
  let started = 0;
  let last = 0;
  let latest = 0;
  const line = (frames: number) => {
    const fps = frames / Math.max(0.001, (performance.now() - started) / 1000);
    const of = total ? `/${total} (${Math.round((100 * frames) / total)}%)` : "";
    Deno.stderr.writeSync(
      encoder.encode(`${label}: ${frames}${of} frames, ${fps.toFixed(1)} fps\n`),
    );
  };
  return {
    start(frames) {
      total = frames;
      started = last = performance.now();
    },
    update(frames) {
      latest = frames;
      const now = performance.now();
      if (now - last >= 1000) {
        last = now;
        line(frames);
      }
    },
    stop() {
      if (latest > 0) line(latest);
    },
  };
}

/** Parsed flags of `vframe filter`. */
interface FilterFlags {
  filter?: string;
  codec: CodecChoice;
  crf: number;
  preset: string;
  threads: number;
  frameTimeout: number;
  maxDimension?: number;
  maxFrames?: number;
  raw?: { width: number; height: number };
  json?: boolean;
  progress: boolean;
}

function fail(error: unknown): void {
  const usage = error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`vframe filter: ${usage ? "" : "error: "}${message}`);
  Deno.exitCode = usage ? 2 : 1;
}

/** Builds the `filter` subcommand. */
export function filterCommand(): Command {
  return new Command("filter")
    .description(
      "Filter a video on this machine: decode, run the WebAssembly filter chain on all cores, " +
        "encode an MP4 (audio kept); with --raw, filter raw yuv420p frames between pipes/FIFOs",
    )
    .argument("<input>", "input video file (with --raw: '-' for stdin, or a FIFO/file)")
    .argument("<output>", "output MP4 path (with --raw: '-' for stdout, or a FIFO/file)")
    .option(
      "-f, --filter <chain>",
      "filter chain in ffmpeg -vf syntax, e.g. blur=sigma=3,grayscale",
    )
    .addOption(
      new Option("--codec <backend>", "codec backend").choices(["auto", "wasm", "native"]).default(
        "auto",
      ),
    )
    .option("--crf <n>", `x264 quality, 0 (lossless)..51`, intOption(0, 51), DEFAULT_CRF)
    .addOption(
      new Option("--preset <name>", "x264 preset").choices(PRESETS).default(DEFAULT_PRESET),
    )
    .option("--threads <n>", "filter threads", intOption(1, 256), DEFAULT_THREADS)
    .option(
      "--frame-timeout <ms>",
      "time limit per frame in the filter pool",
      intOption(1, 3_600_000),
      DEFAULT_FRAME_TIMEOUT_MS,
    )
    .option(
      "--max-dimension <px>",
      "refuse inputs wider or taller (default 7680)",
      intOption(1, 65536),
    )
    .option(
      "--max-frames <n>",
      "refuse inputs with more frames (default 1000000)",
      intOption(1, 2 ** 31),
    )
    .option(
      "--raw <WIDTHxHEIGHT>",
      "raw yuv420p frames in and out instead of video files",
      parseSize,
    )
    .option("--json", "print a JSON summary (to stdout; to stderr when stdout carries frames)")
    .option("--no-progress", "no progress output")
    // Commander's own errors (bad flag values, missing arguments) are usage errors: exit 2.
    .exitOverride((error) => Deno.exit(error.exitCode === 0 ? 0 : 2))
    .action(async (input: string, output: string, flags: FilterFlags) => {
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error("interrupted"));
      Deno.addSignalListener("SIGINT", onSignal);
      try {
        if (flags.raw) {
          const summary = await runRawFilter({
            input,
            output,
            ...flags.raw,
            filter: flags.filter ?? "",
            threads: flags.threads,
            frameTimeoutMs: flags.frameTimeout,
            progress: flags.progress ? stderrProgress("vframe filter") : undefined,
            signal: controller.signal,
          });
          if (flags.json) {
            const text = JSON.stringify(summary, null, 2);
            if (output === "-") console.error(text);
            else console.log(text);
          }
        } else {
          const summary = await runFilter({
            input,
            output,
            filter: flags.filter ?? "",
            codec: flags.codec,
            crf: flags.crf,
            preset: flags.preset,
            threads: flags.threads,
            frameTimeoutMs: flags.frameTimeout,
            limits: { maxDimension: flags.maxDimension, maxFrames: flags.maxFrames },
            progress: flags.progress ? stderrProgress("vframe filter") : undefined,
            signal: controller.signal,
          });
          if (flags.json) console.log(JSON.stringify(summary, null, 2));
        }
      } catch (error) {
        fail(error);
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
      }
    });
}
