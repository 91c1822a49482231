/**
 * Finished outputs the server keeps for clients that come back for them (`attach` after a dropped
 * connection, the preview's download), for `keepMs` after the job ended; then the job's folder is
 * deleted and the registry's `outputPath` cleared. Sending one holds a lease on it: an output is
 * never deleted under a transfer (it goes once the last lease is released).
 *
 * ```ts
 * const outputs = new KeptOutputs({ keepMs: 600_000, registry });
 * outputs.keep(jobId, dir, `${dir}/output.mp4`); // the job is done
 * const lease = outputs.lease(jobId); // undefined once deleted
 * try { await sendOutput(c, lease.path); } finally { lease.release(); }
 * outputs.close(); // server closing: timers cleared (the folders are the server's to remove)
 * ```
 */
import { Sha256 } from "../protocol/checksum.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { MAX_CHUNK_DATA } from "../protocol/messages.ts";
import type { JobRegistry } from "./registry.ts";

/** Default time a finished output is kept after its job ended: 10 minutes. */
export const DEFAULT_KEEP_OUTPUT_MS = 600_000;

/** Options of {@link KeptOutputs}. */
export interface KeptOutputsOptions {
  /** How long after its job ended an output is kept, ms (0: deleted once sent). */
  keepMs: number;
  /** The server's registry: its records' `outputPath` is cleared when an output goes. */
  registry: JobRegistry;
  /** Log lines (an output deleted); default: silent. */
  log?: (line: string) => void;
}

/** A hold on a kept output while it is being sent. */
export interface OutputLease {
  /** The output file. */
  readonly path: string;
  /** Ends the hold; idempotent. */
  release(): void;
}

interface Kept {
  dir: string;
  path: string;
  leases: number;
  expired: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

/** The finished outputs of a server, each deleted `keepMs` after its job ended. */
export class KeptOutputs {
  readonly keepMs: number;
  readonly #registry: JobRegistry;
  readonly #log: (line: string) => void;
  readonly #kept = new Map<string, Kept>();
  #closed = false;

  /** @throws RangeError when `keepMs` is not an integer ≥ 0. */
  constructor(options: KeptOutputsOptions) {
    if (!Number.isSafeInteger(options.keepMs) || options.keepMs < 0) {
      throw new RangeError(`keepMs must be an integer >= 0, got ${options.keepMs}`);
    }
    this.keepMs = options.keepMs;
    this.#registry = options.registry;
    this.#log = options.log ?? (() => {});
  }

  /** Keeps job `id`'s output `path` (in its folder `dir`, deleted with it) for `keepMs` from now. */
  keep(id: string, dir: string, path: string): void {
    if (this.#closed || this.#kept.has(id)) return;
    const kept: Kept = { dir, path, leases: 0, expired: false };
    this.#kept.set(id, kept);
    kept.timer = setTimeout(() => this.#expire(id, kept), this.keepMs);
  }

  /**
   * A lease on job `id`'s output, or undefined when there is none: never kept, deleted after
   * `keepMs`, or its job left the registry (whose pruning deletes it too).
   */
  lease(id: string): OutputLease | undefined {
    const kept = this.#kept.get(id);
    if (!kept || kept.expired || !this.#registry.get(id)) return undefined;
    kept.leases++;
    let released = false;
    return {
      path: kept.path,
      release: () => {
        if (released) return;
        released = true;
        kept.leases--;
        if (kept.expired && kept.leases === 0) void this.#delete(id, kept);
      },
    };
  }

  /** Clears the timers (the server removes the folders itself when it closes). Idempotent. */
  close(): void {
    this.#closed = true;
    for (const kept of this.#kept.values()) clearTimeout(kept.timer);
    this.#kept.clear();
  }

  #expire(id: string, kept: Kept): void {
    kept.expired = true;
    const record = this.#registry.get(id);
    if (record && record.outputPath === kept.path) {
      record.outputPath = undefined;
      this.#registry.changed(id);
    }
    if (kept.leases === 0) void this.#delete(id, kept);
  }

  async #delete(id: string, kept: Kept): Promise<void> {
    if (this.#kept.get(id) === kept) this.#kept.delete(id);
    await Deno.remove(kept.dir, { recursive: true }).catch(() => {});
    this.#log(`job ${id}: output deleted, ${Math.round(this.keepMs / 1000)} s after the job ended`);
  }
}

/**
 * Sends the file at `path` in `output-chunk`s, then `output-end` with its size and SHA-256.
 * Resolves false when the connection went away first (the rest is not sent).
 * @throws Deno's errors when the file cannot be read.
 */
export async function sendOutput(c: MessageConnection, path: string): Promise<boolean> {
  const sha = new Sha256();
  let size = 0;
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(MAX_CHUNK_DATA);
  while (true) {
    let n = 0;
    // Fill whole chunks (read() may return less than asked).
    while (n < buf.length) {
      const got = await file.read(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n === 0) break;
    const data = buf.slice(0, n);
    sha.update(data);
    size += n;
    if (!(await c.trySend({ type: "output-chunk", data }))) return false;
    if (n < buf.length) break;
  }
  return await c.trySend({ type: "output-end", size, sha256: sha.digest() });
}
