/**
 * An upload being written to a temp file, readable from the start while it still grows.
 *
 * The server appends each upload chunk; a decoder may read the file front to back through
 * {@link GrowingFile.stream}, which waits for more bytes instead of ending at the current end.
 * Readers read from disk, so a slow decoder never makes the upload pile up in memory.
 */
import { VframeError } from "./errors.ts";

/** Thrown to readers when the upload was abandoned (client gone, bad chunk). */
export class UploadAbortedError extends VframeError {
  readonly code: string = "upload-aborted";
  override name = "UploadAbortedError";
}

/** Options for {@link GrowingFile.create}. */
export interface GrowingFileOptions {
  /** Where the file goes; created (truncated if present). */
  path: string;
  /** Bytes expected in all; appends past it are refused. */
  expectedBytes: number;
}

/** A file written once, front to back, readable while it grows. */
export class GrowingFile {
  readonly path: string;
  readonly expectedBytes: number;
  #file: Deno.FsFile;
  #written = 0;
  #finished = false;
  #failure?: Error;
  #waiters: (() => void)[] = [];
  #head: Uint8Array[] = [];
  #headBytes = 0;

  private constructor(path: string, expectedBytes: number, file: Deno.FsFile) {
    this.path = path;
    this.expectedBytes = expectedBytes;
    this.#file = file;
  }

  /**
   * Creates the file.
   * @throws RangeError when `expectedBytes` is not an integer ≥ 0.
   */
  static async create(options: GrowingFileOptions): Promise<GrowingFile> {
    if (!Number.isInteger(options.expectedBytes) || options.expectedBytes < 0) {
      throw new RangeError(`expectedBytes must be an integer >= 0, got ${options.expectedBytes}`);
    }
    const file = await Deno.open(options.path, { write: true, create: true, truncate: true });
    return new GrowingFile(options.path, options.expectedBytes, file);
  }

  /** Bytes written so far. */
  get written(): number {
    return this.#written;
  }

  /** True once {@link finish} was called. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The first bytes written (up to `max`), kept in memory for sniffing the container. */
  head(max = SNIFF_HEAD): Uint8Array {
    const out = new Uint8Array(Math.min(max, this.#headBytes));
    let at = 0;
    for (const part of this.#head) {
      if (at >= out.length) break;
      const n = Math.min(part.length, out.length - at);
      out.set(part.subarray(0, n), at);
      at += n;
    }
    return out;
  }

  /**
   * Appends `bytes` at the end. Appends must not overlap: await each before the next.
   * @throws RangeError when the total would exceed `expectedBytes`; Error after finish/fail.
   */
  async append(bytes: Uint8Array): Promise<void> {
    if (this.#finished || this.#failure) throw new Error("append after the upload ended");
    if (this.#written + bytes.length > this.expectedBytes) {
      throw new RangeError(
        `upload exceeds its announced size ${this.expectedBytes} (got ${
          this.#written + bytes.length
        } bytes)`,
      );
    }
    let at = 0;
    while (at < bytes.length) at += await this.#file.write(bytes.subarray(at));
    if (this.#headBytes < SNIFF_HEAD) {
      const keep = bytes.subarray(0, SNIFF_HEAD - this.#headBytes);
      this.#head.push(keep.slice());
      this.#headBytes += keep.length;
    }
    this.#written += bytes.length;
    this.#wake();
  }

  /** Marks the upload complete and closes the write handle. */
  finish(): void {
    if (this.#finished || this.#failure) return;
    this.#finished = true;
    try {
      this.#file.close();
    } catch { /* already closed */ }
    this.#wake();
  }

  /** Abandons the upload: readers fail with {@link UploadAbortedError}. Idempotent. */
  fail(reason: string): void {
    if (this.#finished || this.#failure) return;
    this.#failure = new UploadAbortedError(reason);
    try {
      this.#file.close();
    } catch { /* already closed */ }
    this.#wake();
  }

  /** Resolves once `bytes` bytes are written or the upload ended. */
  async waitFor(bytes: number): Promise<void> {
    while (this.#written < bytes && !this.#finished && !this.#failure) await this.#change();
    if (this.#failure) throw this.#failure;
  }

  /** Resolves when the upload is finished; rejects with {@link UploadAbortedError} if abandoned. */
  whenFinished(): Promise<void> {
    return this.waitFor(Infinity);
  }

  /**
   * A byte stream of the file from its start that waits while the file grows and ends when the
   * upload is finished and read to the end. Cancelling it closes its read handle.
   */
  stream(chunkSize = 256 * 1024): ReadableStream<Uint8Array> {
    let reader: Deno.FsFile | undefined;
    let pos = 0;
    const closeReader = () => {
      try {
        reader?.close();
      } catch { /* already closed */ }
      reader = undefined;
    };
    const pullOnce = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
      while (true) {
        if (this.#failure) throw this.#failure;
        if (pos < this.#written) {
          reader ??= await Deno.open(this.path, { read: true });
          const buf = new Uint8Array(Math.min(chunkSize, this.#written - pos));
          const n = await reader.read(buf);
          if (n === null || n === 0) throw new Error(`unexpected end of ${this.path} at ${pos}`);
          pos += n;
          controller.enqueue(n === buf.length ? buf : buf.subarray(0, n));
          return;
        }
        if (this.#finished) {
          closeReader();
          controller.close();
          return;
        }
        await this.#change();
      }
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          await pullOnce(controller);
        } catch (error) {
          closeReader();
          throw error;
        }
      },
      cancel: closeReader,
    }, { highWaterMark: 0 });
  }

  /** Resolves at the next append, finish or fail. */
  #change(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** Bytes of the upload's head kept in memory for container sniffing (1 MiB). */
const SNIFF_HEAD = 1024 * 1024;
