/**
 * Runs one `ffmpeg` or `ffprobe` command for segment mode on host files, with the native binaries
 * on PATH or with ffmpeg.wasm (the files mounted by name, read and written on demand). Commands
 * are written once for both: `args` receives the name each file has where the command runs.
 */
import { CodecError } from "../errors.ts";
import { stderrTail } from "../failure.ts";
import { collectTail, kill } from "../native/process.ts";
import type { CodecBackendName } from "../types.ts";
import { startWasmJob } from "../wasm/host.ts";
import type { HostFileMount } from "../wasm/protocol.ts";

/** A host file a command reads or writes. */
export interface ToolFile {
  /** Path on the host. */
  host: string;
  /** The command writes it (created or truncated). */
  write?: boolean;
}

/** Options of {@link runTool}. */
export interface RunToolOptions<Name extends string> {
  backend: CodecBackendName;
  tool: "ffmpeg" | "ffprobe";
  /** The files the command uses, by a short name of the caller's choosing. */
  files: Record<Name, ToolFile>;
  /** The command's arguments, given each file's path where the command runs. */
  args: (path: (name: Name) => string) => string[];
  /** Aborting it stops the command (it then rejects with the abort reason). */
  signal?: AbortSignal;
}

/** What a command printed, and how it ended. */
export interface ToolResult {
  exitCode: number;
  stdout: string;
  /** The whole of stderr (at most 1 MiB, the end kept). */
  stderr: string;
}

/** Largest stdout kept (a packet listing of a long video): 256 MiB. */
const STDOUT_KEEP = 256 * 1024 * 1024;
/** Largest stderr kept: 1 MiB. */
const STDERR_KEEP = 1024 * 1024;

/** The extension of `path` (`.mp4`), kept in wasm names because some formats need it. */
function extension(path: string): string {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(path);
  return match ? `.${match[1].toLowerCase()}` : "";
}

/**
 * Runs the command to its end, whatever its exit code (the caller judges it).
 * @throws the abort reason when `signal` aborts; CodecError when the program cannot start.
 */
export async function runTool<Name extends string>(
  options: RunToolOptions<Name>,
): Promise<ToolResult> {
  options.signal?.throwIfAborted();
  return options.backend === "native" ? await runNative(options) : await runWasm(options);
}

/** The path a command sees for file `name`: the host path natively, its mount path in wasm. */
export function toolPath(backend: CodecBackendName, name: string, file: ToolFile): string {
  if (backend === "native") return file.host;
  return `/${file.write ? "out" : "in"}/${name}${extension(file.host)}`;
}

async function runNative<Name extends string>(options: RunToolOptions<Name>): Promise<ToolResult> {
  const files = options.files as Record<string, ToolFile>;
  const args = options.args((name) => files[name].host);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(options.tool, {
      args: options.tool === "ffmpeg" ? ["-nostdin", ...args] : args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    throw new CodecError(`cannot start ${options.tool}: ${(error as Error).message}`, {
      backend: "native",
      cause: error,
    });
  }
  const onAbort = () => kill(child);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [stdout, stderr, status] = await Promise.all([
      collectTail(child.stdout, STDOUT_KEEP),
      collectTail(child.stderr, STDERR_KEEP),
      child.status,
    ]);
    options.signal?.throwIfAborted();
    return { exitCode: status.code, stdout, stderr };
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

async function runWasm<Name extends string>(options: RunToolOptions<Name>): Promise<ToolResult> {
  const files = options.files as Record<string, ToolFile>;
  const mounts: HostFileMount[] = [];
  const names = new Map<string, string>();
  for (const [name, file] of Object.entries(files)) {
    const path = toolPath("wasm", name, file);
    names.set(name, path);
    mounts.push({ path, host: file.host, ...(file.write ? { write: true } : {}) });
  }
  const job = { tool: options.tool, args: options.args((name) => names.get(name)!), files: mounts };
  const run = startWasmJob(job);
  const onAbort = () => run.terminate();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let result;
  try {
    result = await run.done;
  } catch (error) {
    options.signal?.throwIfAborted();
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (result.error) {
    throw new CodecError(`ffmpeg.wasm ${options.tool} failed: ${result.error}`, {
      backend: "wasm",
      stderr: stderrTail(result.stderr),
    });
  }
  // ffmpeg.wasm's ffprobe ends with exit code -1 after a normal run (its exit is not trapped as
  // ffmpeg's is): what it printed tells.
  const probed = options.tool === "ffprobe" && result.exitCode === -1 && result.stdout !== "";
  return { exitCode: probed ? 0 : result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Throws a CodecError naming `what` and the last stderr lines when `result` did not exit 0.
 */
export function checkExit(result: ToolResult, what: string, backend: CodecBackendName): void {
  if (result.exitCode === 0) return;
  // The last line that reads as an error (a verbose log ends with statistics), else the last.
  const lines = stderrTail(result.stderr, 200).split("\n");
  const why = lines.findLast((l) => /error|invalid|not found|failed|no such|unable/i.test(l)) ??
    lines.at(-1);
  throw new CodecError(`${what} failed (exit ${result.exitCode}): ${why || "no message"}`, {
    backend,
    exitCode: result.exitCode,
    stderr: lines.slice(-8).join("\n"),
  });
}
