/**
 * Decoding with ffmpeg.wasm in a worker. A file input is read on demand from the host (never
 * loaded whole); a byte stream is pumped through a {@link ByteRing}. Frames come back one
 * transfer each; the worker blocks while `maxBuffered` of them are unconsumed.
 */
import { decodeArgs } from "../args.ts";
import { CodecError, InvalidInputError } from "../errors.ts";
import { failureFromStderr } from "../failure.ts";
import { FrameBuffer } from "../frame_buffer.ts";
import type { DecodeSource, RawDecoder, RawDecoderOptions } from "../raw_codec.ts";
// @ts-types="../ring.d.ts"
import { ByteRing } from "../ring.js";
import type { Y4mHeader } from "../y4m.d.ts";
import { startWasmJob } from "./host.ts";
import { CONTROL, type WasmJob } from "./protocol.ts";
import { wasmInputPath } from "./paths.ts";

/** Ring size for a streamed input. */
const STREAM_RING_BYTES = 1 << 20;

/** Starts ffmpeg.wasm decoding `source`. */
export function startWasmDecoder(source: DecodeSource, options: RawDecoderOptions): RawDecoder {
  const control = new SharedArrayBuffer(16);
  const counters = new Int32Array(control);
  const buffer = new FrameBuffer(options.maxBuffered);
  buffer.onTake = () => {
    Atomics.add(counters, CONTROL.CONSUMED, 1);
    Atomics.notify(counters, CONTROL.CONSUMED);
  };
  const ring = source.kind === "stream" ? ByteRing.create(STREAM_RING_BYTES) : undefined;
  const input = source.kind === "file" ? wasmInputPath(source.path) : "/dev/vin";
  const job: WasmJob = {
    tool: "ffmpeg",
    args: decodeArgs({ input, output: "/dev/vout", unseekableInput: ring !== undefined }),
    files: source.kind === "file" ? [{ path: input, host: source.path }] : [],
    ringInputs: ring ? [{ path: input, buffer: ring.buffer }] : [],
    y4mOutput: { path: "/dev/vout", control, maxBuffered: options.maxBuffered },
  };

  let resolveHeader!: (header: Y4mHeader) => void;
  let rejectHeader!: (error: unknown) => void;
  let gotHeader = false;
  const header = new Promise<Y4mHeader>((resolve, reject) => {
    resolveHeader = resolve;
    rejectHeader = reject;
  });
  header.catch(() => {});
  let cancelled = false;

  const run = startWasmJob(job, {
    onHeader(h) {
      gotHeader = true;
      resolveHeader(h);
    },
    onFrame: (frame) => buffer.push(frame),
  });
  const fail = (error: unknown) => {
    const failure = cancelled ? new CodecError("decoder cancelled") : error;
    rejectHeader(failure);
    buffer.fail(failure);
  };
  const finished = run.done.then((result) => {
    ring?.cancel();
    if (result.exitCode !== 0 || result.error) {
      const failure = failureFromStderr(result.stderr, {
        backend: "wasm",
        input: options.inputName,
        action: "decode",
        exitCode: result.exitCode,
      });
      if (result.error && !(failure instanceof InvalidInputError)) {
        throw new CodecError(`${failure.message}; ${result.error}`, { backend: "wasm" });
      }
      throw failure;
    }
    if (!gotHeader) {
      throw new CodecError(`ffmpeg.wasm decoded no frames from ${options.inputName}`, {
        backend: "wasm",
        stderr: result.stderr,
      });
    }
    buffer.end();
  }).catch(fail);

  const reader = source.kind === "stream" ? source.stream.getReader() : undefined;
  const feeding = (async () => {
    if (!reader || !ring) return;
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        await ring.write(value);
      }
      ring.close();
    } catch {
      ring.cancel();
    }
  })();

  return {
    header: () => header,
    next: () => buffer.next(),
    get buffered() {
      return buffer.size;
    },
    async cancel() {
      if (!cancelled) {
        cancelled = true;
        Atomics.store(counters, CONTROL.CANCELLED, 1);
        Atomics.notify(counters, CONTROL.CONSUMED);
        ring?.cancel();
        run.terminate();
        buffer.fail(new CodecError("decoder cancelled"));
        await reader?.cancel().catch(() => {});
      }
      await Promise.allSettled([finished, feeding]);
    },
  };
}
