/**
 * Main-thread side of ffmpeg.wasm: compiles `@ffmpeg/core`'s wasm once per process and runs
 * jobs, each in a fresh Deno Worker (ffmpeg's `exec` blocks the thread it runs on, so the
 * caller's event loop stays free).
 */
import { CodecError } from "../errors.ts";
import type { Y4mHeader } from "../y4m.d.ts";
import type { WasmJob, WorkerMessage, WorkerRequest } from "./protocol.ts";

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled ffmpeg core (compiled on first use, ~0.1–0.3 s, then shared by every worker). */
export function coreModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const url = new URL("ffmpeg-core.wasm", import.meta.resolve("@ffmpeg/core"));
    return await WebAssembly.compile(await Deno.readFile(url));
  })();
  compiled.catch(() => compiled = undefined);
  return compiled;
}

/** What a finished job reports. */
export interface WasmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** A failure inside the worker's own code (device, parser), if any. */
  error?: string;
}

/** Callbacks for streaming jobs. */
export interface WasmJobHandlers {
  onHeader?: (header: Y4mHeader) => void;
  onFrame?: (data: Uint8Array) => void;
}

/** A running job. */
export interface WasmRun {
  /** Resolves when the command ends (whatever its exit code); rejects if the worker dies. */
  readonly done: Promise<WasmResult>;
  /** Stops the worker now (idempotent). `done` then rejects with a CodecError. */
  terminate(): void;
}

/** Starts `job` in a new worker. */
export function startWasmJob(job: WasmJob, handlers: WasmJobHandlers = {}): WasmRun {
  let worker: Worker | undefined;
  let finished = false;
  let rejectDone: (error: Error) => void = () => {};
  const stop = () => {
    if (finished) return;
    finished = true;
    worker?.terminate();
  };
  const done = new Promise<WasmResult>((resolve, reject) => {
    rejectDone = reject;
    coreModule().then((module) => {
      if (finished) return;
      worker = new Worker(new URL("./core_worker.js", import.meta.url), { type: "module" });
      worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
        const message = event.data;
        if (finished) return;
        if (message.type === "frame") handlers.onFrame?.(new Uint8Array(message.data));
        else if (message.type === "header") handlers.onHeader?.(message.header);
        else {
          stop();
          resolve({
            exitCode: message.exitCode,
            stdout: message.stdout,
            stderr: message.stderr,
            error: message.error,
          });
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        if (finished) return;
        stop();
        reject(new CodecError(`ffmpeg.wasm worker crashed: ${event.message}`, { backend: "wasm" }));
      };
      const request: WorkerRequest = { module, job };
      worker.postMessage(request);
    }, (error) => {
      stop();
      reject(
        new CodecError(`cannot load ffmpeg.wasm core: ${error}`, { backend: "wasm", cause: error }),
      );
    });
  });
  return {
    done,
    terminate() {
      if (finished) return;
      stop();
      rejectDone(new CodecError("ffmpeg.wasm job stopped", { backend: "wasm" }));
    },
  };
}

/** Runs a job to its end. */
export function runWasmJob(job: WasmJob, handlers: WasmJobHandlers = {}): Promise<WasmResult> {
  return startWasmJob(job, handlers).done;
}
