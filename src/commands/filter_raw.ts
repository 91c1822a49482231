/**
 * `runRawFilter`: raw mode of `vframe filter` — raw yuv420p frames in and out, `-` for
 * stdin/stdout or a path (a named FIFO or a file), for shell pipelines with ffmpeg. Frames go
 * through the FilterPool on the shared frame pipeline, written back in order; each frame's buffer
 * moves to its filter thread and back without a copy (`transfer`, see filter_pool.ts). Frames are
 * cut from the input stream into fresh buffers (FrameAssembler), so there is nothing to recycle.
 */
import type { Frame } from "../codec/frame.ts";
import { FrameAssembler } from "../codec/raw_frames.ts";
import { formatChain } from "../filters/parse.ts";
import {
  checkChainSize,
  checkOutput,
  checkThreads,
  outputOpenError,
  parseFilterOption,
} from "./filter_checks.ts";
import {
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_THREADS,
  defaultPool,
  filterInOrder,
  type PoolFactory,
} from "./filter_pool.ts";
import type { ProgressSink } from "./filter_progress.ts";

/** Options of {@link runRawFilter}. */
export interface RawFilterOptions {
  /** `-` (stdin) or a path (FIFO or file) of raw yuv420p frames. */
  input: string;
  /** `-` (stdout) or a path (FIFO or file) to write raw yuv420p frames to. */
  output: string;
  width: number;
  height: number;
  filter: string;
  /** Filter threads (default: logical cores). */
  threads?: number;
  /** Time limit per frame, ms (default 10 000). */
  frameTimeoutMs?: number;
  /**
   * Replace an existing regular file at `output` (default true; the command passes false unless
   * `-y`). An existing FIFO or device is always opened as it is.
   */
  overwrite?: boolean;
  progress?: ProgressSink;
  signal?: AbortSignal;
}

/** The `--json` summary of a raw run. */
export interface RawFilterSummary {
  filter: string;
  width: number;
  height: number;
  /** Size of the frames written: the chain's output size (scale, crop… change it). */
  outputWidth: number;
  outputHeight: number;
  threads: number;
  frames: number;
  elapsedMs: number;
  throughputFps: number;
}

/**
 * Cuts `stream` into frames. Raw frames carry no time: they are timed at a nominal 30 fps.
 * Aborting `signal` cancels the stream.
 * @throws CodecError when the stream ends inside a frame.
 */
async function* rawFrames(
  stream: ReadableStream<Uint8Array>,
  width: number,
  height: number,
  signal: AbortSignal,
): AsyncGenerator<Frame> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const assembler = new FrameAssembler(width, height);
    const ready: Uint8Array[] = [];
    let index = 0;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      assembler.push(value, (data) => ready.push(data));
      while (ready.length > 0) {
        yield { index, pts: index / 30, width, height, data: ready.shift()! };
        index++;
      }
    }
    signal.throwIfAborted(); // a cancelled stream ends like a finished one
    assembler.finish();
  } finally {
    signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

async function openInput(input: string): Promise<ReadableStream<Uint8Array>> {
  return input === "-" ? Deno.stdin.readable : (await Deno.open(input, { read: true })).readable;
}

async function openOutput(output: string): Promise<WritableStream<Uint8Array>> {
  if (output === "-") return Deno.stdout.writable;
  try {
    return (await Deno.open(output, { write: true, create: true, truncate: true })).writable;
  } catch (error) {
    throw outputOpenError(output, error);
  }
}

/**
 * Raw mode: filters raw yuv420p frames from `input` to `output` (`-` = stdin/stdout).
 * @throws UsageError for bad options or chain; OutputNotWritableError when `output` cannot be
 *   opened; CodecError when the stream ends inside a frame.
 */
export async function runRawFilter(
  options: RawFilterOptions,
  createPool: PoolFactory = defaultPool,
): Promise<RawFilterSummary> {
  const started = performance.now();
  const chain = parseFilterOption(options.filter);
  // Frames out have the chain's output size (scale, crop… change it): refused now if empty.
  const out = checkChainSize(chain, options.width, options.height);
  const threads = checkThreads(options.threads ?? DEFAULT_THREADS);
  if (options.output !== "-") {
    await checkOutput(options.output, { createsFile: false, overwrite: options.overwrite });
  }
  const pool = await createPool(threads);
  let frames: number;
  try {
    const input = await openInput(options.input);
    const writer = (await openOutput(options.output).catch(async (error) => {
      await input.cancel().catch(() => {});
      throw error;
    })).getWriter();
    options.progress?.start(undefined);
    frames = await filterInOrder(
      (signal) => rawFrames(input, options.width, options.height, signal),
      pool,
      chain,
      {
        inFlight: 2 * threads,
        timeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
        signal: options.signal,
        onWritten: (frame) => options.progress?.update(frame.index + 1),
      },
      {
        write: (frame) => writer.write(frame.data),
        close: () => writer.close(),
        abort: () => writer.abort().catch(() => {}),
      },
    );
  } finally {
    options.progress?.stop();
    await pool.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    filter: formatChain(chain),
    width: options.width,
    height: options.height,
    outputWidth: out.width,
    outputHeight: out.height,
    threads,
    frames,
    elapsedMs: Math.round(elapsedMs),
    throughputFps: Math.round((frames / (elapsedMs / 1000)) * 10) / 10,
  };
}
