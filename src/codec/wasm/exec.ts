/**
 * One plain ffmpeg.wasm command on host files, in a worker: what the sample-video maker and the
 * benchmark's "ffmpeg.wasm in one exec" figure use. Files are mounted by path, read and written
 * on demand (never loaded whole).
 */
import { CodecError } from "../errors.ts";
import { stderrTail } from "../failure.ts";
import { runWasmJob, type WasmWorker } from "./host.ts";
import type { HostFileMount } from "./protocol.ts";

/** Options for {@link execWasm}. */
export interface ExecWasmOptions {
  /** Host files to mount (`path` inside wasm ↔ `host`). */
  files?: HostFileMount[];
  /** Run on this idle worker, its core already loaded (default: a new worker, ended after). */
  worker?: WasmWorker;
}

/**
 * Runs `ffmpeg <args>` in ffmpeg.wasm (the core adds `-nostdin -y`).
 * @returns stderr's tail.
 * @throws CodecError when ffmpeg exits non-zero.
 */
export async function execWasm(args: string[], options: ExecWasmOptions = {}): Promise<string> {
  const job = { tool: "ffmpeg" as const, args, files: options.files ?? [] };
  const result = await (options.worker ? options.worker.run(job) : runWasmJob(job));
  const tail = stderrTail(result.stderr);
  if (result.exitCode !== 0 || result.error) {
    throw new CodecError(
      `ffmpeg.wasm failed (exit ${result.exitCode}): ${result.error ?? tail.split("\n").at(-1)}`,
      { backend: "wasm", exitCode: result.exitCode, stderr: tail },
    );
  }
  return tail;
}
