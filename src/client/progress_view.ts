/**
 * Shows a client job's progress: three bars (upload, processing, download) with `cli-progress`
 * when stderr is a terminal, plain throttled lines otherwise (logs, CI), nothing when quiet.
 *
 * The processing bar counts frames encoded; its text says what the job is doing in the words the
 * preview's dashboard uses for the same job (`stageLabel`, e.g. `filtering 582/600`) and the
 * server's speed figure (`progress.fps`, also the dashboard's): `process: 97% filtering 590/600,
 * 50.2 fps`.
 */
import cliProgress from "cli-progress";
import { stageLabel } from "../protocol/stage_label.ts";
import type { ClientProgress } from "./client.ts";

/** Options of {@link ProgressView}. */
export interface ProgressViewOptions {
  /** Draw bars (default: whether stderr is a terminal). */
  tty?: boolean;
  /** Print nothing (default false). */
  quiet?: boolean;
  /** Smallest gap between plain lines of one phase, ms (default 1000). */
  lineIntervalMs?: number;
  /** Where plain lines go (default: stderr). */
  write?: (line: string) => void;
}

type Bar = { update(value: number, payload?: object): void; setTotal(total: number): void };

/** Renders {@link ClientProgress} events; call {@link stop} at the end. */
export class ProgressView {
  readonly #tty: boolean;
  readonly #quiet: boolean;
  readonly #interval: number;
  readonly #write: (line: string) => void;
  // deno-lint-ignore no-explicit-any
  #multi?: any;
  #bars = new Map<string, Bar>();
  #lastLine = new Map<string, number>();
  /** Size of the upload, from the upload events (for the label while no frame is decoded). */
  #uploadBytes?: number;

  constructor(options: ProgressViewOptions = {}) {
    this.#tty = options.tty ?? Deno.stderr.isTerminal();
    this.#quiet = options.quiet ?? false;
    this.#interval = options.lineIntervalMs ?? 1000;
    this.#write = options.write ?? ((line) => console.error(line));
  }

  /** Handles one progress event. */
  update(p: ClientProgress): void {
    if (this.#quiet) return;
    if (p.phase === "upload") {
      this.#uploadBytes = p.total;
      this.#show("upload", p.sent, p.total, `${mib(p.sent)}/${mib(p.total)} MiB`);
    } else if (p.phase === "process") {
      const m = p.progress;
      const total = m.framesTotal ?? Math.max(m.framesDecoded, 1);
      const label = stageLabel(m, { bytesTotal: this.#uploadBytes });
      const text = `${label}, ${m.fps.toFixed(1)} fps` +
        (m.fallbackFrames ? `, ${m.fallbackFrames} fallback` : "");
      this.#show("process", m.framesEncoded, total, text);
    } else {
      const total = p.total ?? p.received;
      this.#show("download", p.received, total, `${mib(p.received)}/${mib(total)} MiB`);
    }
  }

  /** Ends the bars (leaves them on screen). */
  stop(): void {
    this.#multi?.stop();
    this.#multi = undefined;
  }

  #show(phase: string, value: number, total: number, text: string): void {
    if (this.#tty) {
      this.#multi ??= new cliProgress.MultiBar({
        format: "{phase} |{bar}| {percentage}% {text}",
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
      }, cliProgress.Presets.shades_classic);
      let bar = this.#bars.get(phase);
      if (!bar) {
        bar = this.#multi.create(Math.max(total, 1), 0, { phase: phase.padEnd(8), text }) as Bar;
        this.#bars.set(phase, bar);
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(value, { phase: phase.padEnd(8), text });
      return;
    }
    const now = performance.now();
    const last = this.#lastLine.get(phase);
    const finished = value >= total && total > 0;
    if (last !== undefined && now - last < this.#interval && !finished) return;
    if (last === -1) return; // this phase already printed its final line
    this.#lastLine.set(phase, finished ? -1 : now);
    const pct = total > 0 ? Math.floor((value / total) * 100) : 0;
    this.#write(`${phase}: ${pct}% ${text}`);
  }
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
