/**
 * Messages between the main thread and an ffmpeg.wasm worker (core_worker.js).
 * One worker runs one job (one `ffmpeg` or `ffprobe` command) on a fresh core, then is terminated.
 * (The worker is plain JavaScript, core_worker.js; these types document what it sends.)
 */
import type { Y4mHeader } from "../y4m.d.ts";
// @ts-types="./control.d.ts"
export { CONTROL } from "./control.js";

/** A host file exposed inside the wasm file system, read/written on demand (never loaded whole). */
export interface HostFileMount {
  /** Path inside the wasm file system, e.g. `/in/input.mp4`. */
  path: string;
  /** Path on the host. */
  host: string;
  /** Open for writing (created or truncated); read-only otherwise. */
  write?: boolean;
}

/** A character device inside the wasm file system that reads bytes from a {@link ByteRing}. */
export interface RingInputMount {
  path: string;
  /** `ByteRing.buffer`. */
  buffer: SharedArrayBuffer;
}

/** A character device that parses YUV4MPEG2 written by ffmpeg and posts whole frames. */
export interface Y4mOutputMount {
  path: string;
  /** Int32[4] shared counters: see {@link CONTROL}. */
  control: SharedArrayBuffer;
  /** Frames posted and not yet consumed before the worker blocks (≥ 1). */
  maxBuffered: number;
}

/** One command for a worker. */
export interface WasmJob {
  tool: "ffmpeg" | "ffprobe";
  /** Arguments after the program name (`-nostdin -y` are prepended for ffmpeg by the core). */
  args: string[];
  files?: HostFileMount[];
  ringInputs?: RingInputMount[];
  y4mOutput?: Y4mOutputMount;
}

/** Main → worker. */
export interface WorkerRequest {
  module: WebAssembly.Module;
  job: WasmJob;
}

/** Worker → main. */
export type WorkerMessage =
  | { type: "header"; header: Y4mHeader }
  | { type: "frame"; data: ArrayBuffer }
  | {
    type: "done";
    /** ffmpeg's exit code (0 = success). */
    exitCode: number;
    /** Everything the command printed to stdout (ffprobe's JSON). */
    stdout: string;
    /** The last lines of stderr. */
    stderr: string;
    /** A failure of the worker's own code (device, parser), if any. */
    error?: string;
    /** Size of the core's wasm memory after the job (it never shrinks). */
    memoryBytes?: number;
  };
