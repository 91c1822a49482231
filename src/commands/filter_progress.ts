/**
 * Progress of `vframe filter` on stderr: a `cli-progress` bar on a terminal, plain lines (at most
 * one a second, and a last one at the end) otherwise. (The client's ProgressView shows upload,
 * processing and download phases of a server job; this command has frames only.)
 *
 * And the machine-readable `--progress FILE|-` of both the filter and the client commands:
 * {@link openProgressOutput} checks the target against the command's other paths and opens the
 * writer (src/util/progress_writer.ts); {@link countingProgress} keeps the filter's counters.
 */
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import type { ProgressFlags } from "./cli_args.ts";
import { samePath, UsageError } from "./filter_checks.ts";
import type { FrameRate, ProgressSample } from "../util/progress_format.ts";
import { ProgressWriter } from "../util/progress_writer.ts";

/**
 * Receives progress: `start` once (the frame total and frame rate when known), `update` with
 * frames done so far, `stop` once.
 */
export interface ProgressSink {
  start(total: number | undefined, frameRate?: FrameRate): void;
  update(frames: number): void;
  stop(): void;
}

/** A sink that keeps the counters in `sample` (read by the `--progress` writer). */
export function countingProgress(sample: ProgressSample): ProgressSink {
  return {
    start(total, frameRate) {
      if (total !== undefined) sample.totalFrames = total;
      if (frameRate) sample.frameRate = frameRate;
    },
    update(frames) {
      sample.frame = frames;
    },
    stop() {},
  };
}

/** A sink that passes every call to each of `sinks`; undefined when there is none. */
export function teeProgress(...sinks: (ProgressSink | undefined)[]): ProgressSink | undefined {
  const all = sinks.filter((s): s is ProgressSink => s !== undefined);
  if (all.length <= 1) return all[0];
  return {
    start: (total, frameRate) => all.forEach((s) => s.start(total, frameRate)),
    update: (frames) => all.forEach((s) => s.update(frames)),
    stop: () => all.forEach((s) => s.stop()),
  };
}

/** Options of {@link openProgressOutput}. */
export interface ProgressOutputOptions {
  /** The command, e.g. `vframe filter`: the prefix of the writer's one warning. */
  label: string;
  /** The run's counters now; read at each block. */
  sample: () => ProgressSample;
  /** The command's input and outputs, which the progress file must not be. */
  paths: readonly string[];
  /** What else writes on stdout (e.g. `--json -`), when something does: then `--progress -` is refused. */
  stdoutTakenBy?: string;
}

/**
 * Opens `--progress` when given (undefined otherwise), after checking it: `-` only when nothing
 * else writes on stdout, a path that is none of the command's input and outputs.
 * @throws UsageError for such a clash; ProgressOutputError when the file cannot be opened.
 */
export async function openProgressOutput(
  flags: ProgressFlags,
  options: ProgressOutputOptions,
): Promise<ProgressWriter | undefined> {
  const target = flags.progressFile;
  if (target === undefined) return undefined;
  if (target === "-" && options.stdoutTakenBy) {
    throw new UsageError(
      `--progress - and ${options.stdoutTakenBy} both want stdout: give --progress a file ` +
        "(a FIFO works)",
    );
  }
  if (target !== "-") {
    for (const path of options.paths) {
      if (path !== "-" && (resolve(path) === resolve(target) || await samePath(path, target))) {
        throw new UsageError(
          `--progress ${target} is also the command's input or output ${path}; choose another path`,
        );
      }
    }
  }
  return await ProgressWriter.open({
    target,
    format: flags.progressFormat,
    periodMs: Math.round(flags.statsPeriod * 1000),
    sample: options.sample,
    warn: (message) => console.error(`${options.label}: ${message}`),
  });
}

/** Progress on stderr, each line or bar prefixed with `label`. */
export function stderrProgress(label: string): ProgressSink {
  return Deno.stderr.isTerminal() ? barProgress(label) : lineProgress(label);
}

function fpsSince(started: number, frames: number): number {
  return frames / Math.max(0.001, (performance.now() - started) / 1000);
}

function barProgress(label: string): ProgressSink {
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
      bar?.update(frames, { fps: fpsSince(started, frames).toFixed(1) });
    },
    stop() {
      bar?.stop();
    },
  };
}

function lineProgress(label: string): ProgressSink {
  const encoder = new TextEncoder();
  let total: number | undefined;
  let started = 0;
  let last = 0;
  let latest = 0;
  const line = (frames: number) => {
    const of = total ? `/${total} (${Math.round((100 * frames) / total)}%)` : "";
    const fps = fpsSince(started, frames).toFixed(1);
    Deno.stderr.writeSync(encoder.encode(`${label}: ${frames}${of} frames, ${fps} fps\n`));
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
