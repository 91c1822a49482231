/**
 * The writer of `--progress FILE|-`: opens the target (`-` is stdout; a path is created or
 * truncated, and a named FIFO is simply opened for writing, never seeked), then writes one block
 * ({@link formatProgress}) every `periodMs` from the counters it is given, and a last block with
 * `progress=end` and the run's status when {@link ProgressWriter.end} is called.
 *
 * ```ts
 * const writer = await ProgressWriter.open({ target: "-", sample: () => ({ frame: done }) });
 * try { await work(); await writer.end("done"); } catch (e) { await writer.end("failed"); throw e; }
 * ```
 *
 * A reader that goes away (a closed pipe) does not fail the run: the writer says so once and
 * stops writing. A block is skipped, not queued, while the previous one is still being written
 * (a slow reader never makes blocks pile up in memory).
 */
import { VframeError } from "./errors.ts";
import {
  formatProgress,
  type ProgressFormat,
  type ProgressSample,
  progressSnapshot,
  type ProgressStatus,
} from "./progress_format.ts";

/** Milliseconds between two blocks unless told otherwise (ffmpeg's `-stats_period` 0.5 s). */
export const DEFAULT_PROGRESS_PERIOD_MS = 500;

/** `--progress FILE` could not be opened for writing (exit code 1, as for any output). */
export class ProgressOutputError extends VframeError {
  readonly code: string = "output-not-writable";
  override name = "ProgressOutputError";
}

/** Options of {@link ProgressWriter.open}. */
export interface ProgressWriterOptions {
  /** `-` for stdout, or a path: a file (created or truncated) or a named FIFO. */
  target: string;
  /** Default `kv`. */
  format?: ProgressFormat;
  /** Milliseconds between blocks, ≥ 1 (default {@link DEFAULT_PROGRESS_PERIOD_MS}). */
  periodMs?: number;
  /** The counters now; called once per block. */
  sample: () => ProgressSample;
  /** Where to say, once, that the progress could no longer be written (default: stderr). */
  warn?: (message: string) => void;
}

/** Writes progress blocks at a steady interval and a last one at the end. */
export class ProgressWriter {
  readonly #out: { write(p: Uint8Array): Promise<number>; close?(): void };
  readonly #target: string;
  readonly #format: ProgressFormat;
  readonly #sample: () => ProgressSample;
  readonly #warn: (message: string) => void;
  readonly #started = performance.now();
  readonly #timer: ReturnType<typeof setInterval>;
  #writing: Promise<void> | undefined;
  #broken = false;
  #ended: Promise<void> | undefined;

  private constructor(
    out: { write(p: Uint8Array): Promise<number>; close?(): void },
    options: ProgressWriterOptions,
  ) {
    this.#out = out;
    this.#target = options.target;
    this.#format = options.format ?? "kv";
    this.#sample = options.sample;
    this.#warn = options.warn ?? ((message) => console.error(message));
    this.#timer = setInterval(() => {
      if (!this.#writing && !this.#broken) void this.#write(this.#block());
    }, options.periodMs ?? DEFAULT_PROGRESS_PERIOD_MS);
    Deno.unrefTimer(Number(this.#timer)); // never the reason the process stays alive
  }

  /**
   * Opens `options.target` and starts writing a block every `periodMs`. The clock of `elapsed_us`
   * and `speed` starts once the target is open (a FIFO's open waits for its reader).
   * @throws RangeError for a bad period or format; ProgressOutputError when the path cannot be
   *   opened for writing (missing directory, a directory, no permission).
   */
  static async open(options: ProgressWriterOptions): Promise<ProgressWriter> {
    const period = options.periodMs ?? DEFAULT_PROGRESS_PERIOD_MS;
    if (!Number.isFinite(period) || period < 1) {
      throw new RangeError(`the progress period must be a number of ms >= 1, got ${period}`);
    }
    if (options.format !== undefined && options.format !== "kv" && options.format !== "ndjson") {
      throw new RangeError(`progress format must be kv or ndjson, got '${options.format}'`);
    }
    if (options.target === "-") {
      return new ProgressWriter({ write: (p) => Deno.stdout.write(p) }, options); // never closed
    }
    let file: Deno.FsFile;
    try {
      // No append, no seek: a FIFO or a character device is written as it is.
      file = await Deno.open(options.target, { write: true, create: true, truncate: true });
    } catch (error) {
      throw new ProgressOutputError(
        `cannot write the progress to ${options.target}: ${(error as Error).message}; ` +
          "check the path and its permissions, or give --progress - for stdout",
        { cause: error },
      );
    }
    return new ProgressWriter(file, options);
  }

  /**
   * Writes the last block (`progress=end`, `status=…`) after any block still being written, and
   * closes the target (stdout stays open). Only the first call writes; later ones wait for it.
   */
  end(status: ProgressStatus): Promise<void> {
    this.#ended ??= (async () => {
      clearInterval(this.#timer);
      await this.#writing;
      if (!this.#broken) await this.#write(this.#block(status));
      try {
        this.#out.close?.();
      } catch { /* already closed */ }
    })();
    return this.#ended;
  }

  #block(status?: ProgressStatus): string {
    const elapsed = performance.now() - this.#started;
    return formatProgress(
      progressSnapshot(this.#sample(), elapsed, status ? { status } : undefined),
      this.#format,
    );
  }

  #write(text: string): Promise<void> {
    const bytes = new TextEncoder().encode(text);
    const writing = (async () => {
      try {
        for (let at = 0; at < bytes.length;) at += await this.#out.write(bytes.subarray(at));
      } catch (error) {
        this.#broken = true;
        clearInterval(this.#timer);
        const where = this.#target === "-" ? "stdout" : this.#target;
        this.#warn(
          `warning: the progress can no longer be written to ${where} ` +
            `(${(error as Error).message}); the run goes on without it`,
        );
      }
    })();
    this.#writing = writing;
    void writing.finally(() => {
      if (this.#writing === writing) this.#writing = undefined;
    });
    return writing;
  }
}
