/**
 * The output a client receives: written to a hidden temporary file beside the output as the
 * chunks arrive, checked against `output-end` (size and SHA-256), then renamed into place. A
 * connection lost in the middle starts it over: a re-attached server sends the result and the
 * whole output again, so {@link OutputDownload.begin} truncates what came before.
 *
 * ```ts
 * const download = new OutputDownload("out.mp4");
 * try {
 *   await download.begin(); // at `result`
 *   await download.write(chunk.data); // each `output-chunk`
 *   await download.finish(end); // `output-end`: checked, renamed to out.mp4
 * } finally {
 *   await download.discard(); // no part file is left behind, whatever happened
 * }
 * ```
 */
import { basename, dirname, join } from "node:path";
import { Sha256 } from "../protocol/checksum.ts";
import type { OutputEndMessage } from "../protocol/messages.ts";
import { ChecksumMismatchError } from "./errors.ts";

/** What to do about an output that did not arrive intact. */
const RETRY_HINT = "try again; if it keeps happening, the server's log says why";

/** One output being received; see the module documentation. */
export class OutputDownload {
  /** Where the output goes once complete and checked. */
  readonly output: string;
  /** The temporary file it is written to first. */
  readonly part: string;
  #file?: Deno.FsFile;
  #sha = new Sha256();
  #received = 0;
  #started = 0;
  #done = false;

  constructor(output: string) {
    this.output = output;
    this.part = join(
      dirname(output),
      `.${basename(output)}.${crypto.randomUUID().slice(0, 8)}.part`,
    );
  }

  /** Bytes received since the last {@link begin}. */
  get received(): number {
    return this.#received;
  }

  /** Whether {@link begin} was called since the last {@link reset}. */
  get started(): boolean {
    return this.#file !== undefined;
  }

  /** Ms since the last {@link begin}. */
  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  /** Starts (or starts over) receiving: the part file is created, or truncated. */
  async begin(): Promise<void> {
    this.#close();
    this.#file = await Deno.open(this.part, { write: true, create: true, truncate: true });
    this.#sha = new Sha256();
    this.#received = 0;
    this.#started = performance.now();
  }

  /** Forgets a begun download (a new connection sends it all again); the part file stays. */
  reset(): void {
    this.#close();
    this.#received = 0;
  }

  /** Appends `data`. @throws Error when {@link begin} was not called. */
  async write(data: Uint8Array): Promise<void> {
    const file = this.#file;
    if (!file) throw new Error("OutputDownload.write before begin");
    this.#sha.update(data);
    this.#received += data.length;
    let at = 0;
    while (at < data.length) at += await file.write(data.subarray(at));
  }

  /**
   * Checks size and SHA-256 against `end` and renames the part file to {@link output}.
   * @throws ChecksumMismatchError on a mismatch (the part file is removed by {@link discard}).
   */
  async finish(end: OutputEndMessage): Promise<void> {
    if (!this.#file) throw new Error("OutputDownload.finish before begin");
    this.#close();
    const digest = this.#sha.digest();
    if (end.size !== this.#received) {
      throw new ChecksumMismatchError(
        `output size mismatch: server sent ${this.#received} bytes, announced ${end.size} (no output was written: ${RETRY_HINT})`,
      );
    }
    if (digest !== end.sha256) {
      throw new ChecksumMismatchError(
        `output SHA-256 mismatch: received ${digest}, server announced ${end.sha256} (no output was written: ${RETRY_HINT})`,
      );
    }
    await Deno.rename(this.part, this.output);
    this.#done = true;
  }

  /** Closes and removes the part file, unless it became the output. Never rejects. */
  async discard(): Promise<void> {
    this.#close();
    if (!this.#done) await Deno.remove(this.part).catch(() => {});
  }

  #close(): void {
    try {
      this.#file?.close();
    } catch { /* closed */ }
    this.#file = undefined;
  }
}
