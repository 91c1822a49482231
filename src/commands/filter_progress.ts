/**
 * Progress of `vframe filter` on stderr: a `cli-progress` bar on a terminal, plain lines (at most
 * one a second, and a last one at the end) otherwise. (The client's ProgressView shows upload,
 * processing and download phases of a server job; this command has frames only.)
 */
import cliProgress from "cli-progress";

/** Receives progress: `start` once, `update` with frames done so far, `stop` once. */
export interface ProgressSink {
  start(total: number | undefined): void;
  update(frames: number): void;
  stop(): void;
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
