/**
 * Encoding with ffmpeg.wasm in a worker: frames go in through a {@link ByteRing} (the worker's
 * rawvideo input device blocks on it), the MP4 is written straight to a host file (seekable, so
 * `+faststart` can rewrite it) — no video is ever held whole in wasm memory.
 */
import { encodeArgs, type EncodeArgsOptions } from "../args.ts";
import { CodecError } from "../errors.ts";
import { failureFromStderr } from "../failure.ts";
import { frameSize } from "../frame.ts";
import type { RawEncoder } from "../raw_codec.ts";
// @ts-types="../ring.d.ts"
import { ByteRing, RingCancelledError } from "../ring.js";
import { startWasmJob, type WasmResult, type WasmWorker } from "./host.ts";
import { wasmAudio } from "./paths.ts";
import type { WasmJob } from "./protocol.ts";

/** Options for {@link startWasmEncoder}. */
export interface WasmEncoderOptions extends Omit<EncodeArgsOptions, "input" | "threads"> {
  /** Name of the raw-frame input device inside the wasm file system. */
  inputName: string;
  /** Frame ring size in bytes (default: the larger of 4 MiB and 3 frames). */
  ringBytes?: number;
  /** Run on this (kept) worker instead of a new one; `abort` terminates it. */
  worker?: WasmWorker;
  /** Use this ring (reset first; no longer in use elsewhere) instead of allocating one. */
  ring?: ByteRing;
}

/** Starts ffmpeg.wasm encoding. */
export function startWasmEncoder(options: WasmEncoderOptions): RawEncoder {
  const ring = options.ring ?? ByteRing.create(
    options.ringBytes ?? Math.max(4 << 20, 3 * frameSize(options.width, options.height)),
  );
  ring.reset();
  const output = "/out/output.mp4";
  const audio = wasmAudio(options.audio);
  const args = encodeArgs({
    input: "/dev/vin",
    output,
    width: options.width,
    height: options.height,
    fps: options.fps,
    crf: options.crf,
    preset: options.preset,
    audio: audio.audio,
    timescale: options.timescale,
    timed: options.timed,
    lastFrameDuration: options.lastFrameDuration,
  });
  const job: WasmJob = {
    tool: "ffmpeg",
    args,
    files: [{ path: output, host: options.output, write: true }, ...audio.files],
    ringInputs: [{ path: "/dev/vin", buffer: ring.buffer }],
  };
  const worker = options.worker;
  const run = worker
    ? { done: worker.run(job), terminate: () => worker.terminate() }
    : startWasmJob(job);
  let result: WasmResult | undefined;
  let crash: unknown;
  const finished = run.done.then((r) => result = r, (error) => crash = error).finally(() =>
    ring.cancel()
  );

  const failure = async (): Promise<Error> => {
    await finished;
    if (crash) return crash as Error;
    const r = result!;
    const error = failureFromStderr(r.stderr, {
      backend: "wasm",
      input: options.inputName,
      action: "encode",
      exitCode: r.exitCode,
    });
    return r.error ? new CodecError(`${error.message}; ${r.error}`, { backend: "wasm" }) : error;
  };

  return {
    async write(data) {
      try {
        await ring.write(data);
      } catch (error) {
        if (error instanceof RingCancelledError) throw await failure();
        throw error;
      }
    },
    async finish() {
      ring.close();
      await finished;
      if (crash || !result || result.exitCode !== 0 || result.error) throw await failure();
    },
    async abort() {
      ring.cancel();
      run.terminate();
      await finished;
    },
  };
}
