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
  /** Size of the worker's wasm memory after the job, bytes (0 when unknown). */
  memoryBytes: number;
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

interface Pending {
  handlers: WasmJobHandlers;
  resolve: (result: WasmResult) => void;
  reject: (error: Error) => void;
}

/**
 * One ffmpeg.wasm worker thread that runs jobs one after another on the same loaded core (which
 * saves starting a thread, instantiating the core and growing its memory for each job). Created
 * lazily on the first job; `terminate` ends it.
 */
export class WasmWorker {
  #worker: Worker | undefined;
  #pending: Pending | undefined;
  #terminated = false;

  /** True while a job runs. */
  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Runs `job`; resolves when the command ends (whatever its exit code).
   * @throws CodecError when a job is already running, the worker was terminated or crashed.
   */
  async run(job: WasmJob, handlers: WasmJobHandlers = {}): Promise<WasmResult> {
    if (this.#terminated) {
      throw new CodecError("ffmpeg.wasm worker terminated", { backend: "wasm" });
    }
    if (this.#pending) throw new CodecError("ffmpeg.wasm worker is busy", { backend: "wasm" });
    const result = new Promise<WasmResult>((resolve, reject) => {
      this.#pending = { handlers, resolve, reject };
    });
    try {
      const module = await coreModule();
      if (this.#terminated) throw new CodecError("ffmpeg.wasm job stopped", { backend: "wasm" });
      const request: WorkerRequest = { module, job };
      this.#start().postMessage(request);
    } catch (error) {
      this.#settle((p) =>
        p.reject(
          error instanceof CodecError
            ? error
            : new CodecError(`cannot load ffmpeg.wasm core: ${error}`, {
              backend: "wasm",
              cause: error,
            }),
        )
      );
    }
    return await result;
  }

  /** Ends the thread now (idempotent); a running job rejects with a CodecError. */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#worker?.terminate();
    this.#settle((p) => p.reject(new CodecError("ffmpeg.wasm job stopped", { backend: "wasm" })));
  }

  #settle(action: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) action(pending);
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./core_worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      const pending = this.#pending;
      if (!pending) return;
      if (message.type === "frame") pending.handlers.onFrame?.(new Uint8Array(message.data));
      else if (message.type === "header") pending.handlers.onHeader?.(message.header);
      else {
        this.#settle((p) =>
          p.resolve({
            exitCode: message.exitCode,
            stdout: message.stdout,
            stderr: message.stderr,
            error: message.error,
            memoryBytes: message.memoryBytes ?? 0,
          })
        );
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      const error = new CodecError(`ffmpeg.wasm worker crashed: ${event.message}`, {
        backend: "wasm",
      });
      this.#terminated = true;
      worker.terminate();
      this.#settle((p) => p.reject(error));
    };
    this.#worker = worker;
    return worker;
  }
}

/** Starts `job` in a new worker, terminated when the job ends. */
export function startWasmJob(job: WasmJob, handlers: WasmJobHandlers = {}): WasmRun {
  const worker = new WasmWorker();
  const done = worker.run(job, handlers).finally(() => worker.terminate());
  return { done, terminate: () => worker.terminate() };
}

/** Runs a job to its end. */
export function runWasmJob(job: WasmJob, handlers: WasmJobHandlers = {}): Promise<WasmResult> {
  return startWasmJob(job, handlers).done;
}
