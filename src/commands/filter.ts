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
 * An existing output is kept unless `-y/--overwrite` is given (`-n/--no-overwrite` never
 * replaces one; a FIFO or device in raw mode is written as it is), checked before any work.
 *
 * Exit codes (the table of every command, exit_codes.ts): 0 done, 1 failed (bad input, an output
 * that cannot be written, codec or filter failure, interrupted), 2 bad usage (unknown flag value,
 * bad filter chain, an output that is a directory, an existing output without `-y`).
 *
 * This module parses the command line and wires the parts: checks (filter_checks.ts), the runs
 * (filter_run.ts, filter_raw.ts) on the shared frame pipeline (src/pipeline/) with the FilterPool
 * (filter_pool.ts), and the progress display (filter_progress.ts).
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { Command, InvalidArgumentError, Option } from "commander";
import { type CodecChoice, DEFAULT_CRF, DEFAULT_PRESET, PRESETS } from "../codec/mod.ts";
import { UsageError } from "./filter_checks.ts";
import { withExitCodes } from "./exit_codes.ts";
import { DEFAULT_FRAME_TIMEOUT_MS, DEFAULT_THREADS } from "./filter_pool.ts";
import {
  countingProgress,
  openProgressOutput,
  stderrProgress,
  teeProgress,
} from "./filter_progress.ts";
import { type ProgressFlags, progressOptions } from "./cli_args.ts";
import type { ProgressSample } from "../util/progress_format.ts";
import type { ProgressWriter } from "../util/progress_writer.ts";
import { type RawFilterSummary, runRawFilter } from "./filter_raw.ts";
import { type FilterSummary, runFilter } from "./filter_run.ts";

// The command's programmatic API (scripts/bench runs runFilter).
export { OutputExistsError, OutputNotWritableError, UsageError } from "./filter_checks.ts";
export { type FilterRunOptions, type FilterSummary, runFilter } from "./filter_run.ts";
export { type RawFilterOptions, type RawFilterSummary, runRawFilter } from "./filter_raw.ts";

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

/** Raw frames carry no time: `--progress` times them at this nominal rate (as their pts are). */
const RAW_FRAME_RATE = { num: 30, den: 1 };

/** Parsed flags of `vframe filter`. */
interface FilterFlags extends ProgressFlags {
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
  /** The display on stderr: false with `--no-progress`. */
  progress?: boolean;
  /** `-y` true, `-n` false, neither undefined (then an existing output is kept too). */
  overwrite?: boolean;
}

function fail(error: unknown): void {
  const usage = error instanceof UsageError;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`vframe filter: ${usage ? "" : "error: "}${message}`);
  Deno.exitCode = usage ? 2 : 1;
}

/** Builds the `filter` subcommand. */
export function filterCommand(): Command {
  const command = withExitCodes(new Command("filter"))
    .description(DESCRIPTIONS.filter)
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
    .option(
      "--json",
      "print a JSON summary (to stdout; to stderr when stdout carries frames or --progress -)",
    )
    .option("--no-progress", "no progress display on stderr")
    .option("-y, --overwrite", "replace an existing output")
    .option("-n, --no-overwrite", "never replace an existing output: refuse, as without -y");
  for (const option of progressOptions()) command.addOption(option);
  return command
    .addHelpText(
      "after",
      "\nFilters and their parameters: vframe filters (deno task filters); --json for machines." +
        "\n--progress format: docs/progress.md.",
    )
    .action(async (input: string, output: string, flags: FilterFlags) => {
      // In raw mode, `-` as the output means stdout carries the frames.
      const framesOnStdout = flags.raw !== undefined && output === "-";
      const sample: ProgressSample = {
        frame: 0,
        ...(flags.raw ? { frameRate: RAW_FRAME_RATE } : {}),
      };
      let progress: ProgressWriter | undefined;
      try {
        // Opened first (a FIFO's open waits for its reader, and Ctrl-C still ends that wait):
        // every failure from here on ends the progress with a last block.
        progress = await openProgressOutput(flags, {
          label: "vframe filter",
          sample: () => ({ ...sample }),
          paths: [input, output],
          stdoutTakenBy: framesOnStdout ? "the raw output -" : undefined,
        });
      } catch (error) {
        return fail(error);
      }
      const controller = new AbortController();
      const onSignal = () => controller.abort(new Error("interrupted"));
      for (const name of SIGNALS) Deno.addSignalListener(name, onSignal);
      try {
        const summary = await run(input, output, flags, controller.signal, sample);
        await progress?.end("done");
        if (flags.json) {
          const text = JSON.stringify(summary, null, 2);
          // Stdout carries the frames or the progress: the summary goes to stderr.
          if (framesOnStdout || flags.progressFile === "-") console.error(text);
          else console.log(text);
        }
      } catch (error) {
        await progress?.end(controller.signal.aborted ? "cancelled" : "failed");
        fail(error);
      } finally {
        for (const name of SIGNALS) Deno.removeSignalListener(name, onSignal);
      }
    });
}

/** Signals that stop a run cleanly (the output is not written; `--progress` ends `cancelled`). */
const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Runs the offline filter (or raw mode, with `--raw`) for the parsed flags. */
function run(
  input: string,
  output: string,
  flags: FilterFlags,
  signal: AbortSignal,
  sample: ProgressSample,
): Promise<FilterSummary | RawFilterSummary> {
  const common = {
    input,
    output,
    filter: flags.filter ?? "",
    threads: flags.threads,
    frameTimeoutMs: flags.frameTimeout,
    progress: teeProgress(
      flags.progress !== false ? stderrProgress("vframe filter") : undefined,
      flags.progressFile !== undefined ? countingProgress(sample) : undefined,
    ),
    overwrite: flags.overwrite === true,
    signal,
  };
  if (flags.raw) return runRawFilter({ ...common, ...flags.raw });
  return runFilter({
    ...common,
    codec: flags.codec,
    crf: flags.crf,
    preset: flags.preset,
    limits: { maxDimension: flags.maxDimension, maxFrames: flags.maxFrames },
    // Never silent: what the conversion loses (e.g. 10-bit made 8-bit), also in --json.
    onWarning: (text) => console.error(`vframe filter: warning: ${text}`),
  });
}
