/**
 * Decoding with a native `ffmpeg`: it writes YUV4MPEG2 to a pipe; a pump reads the pipe only
 * while fewer than `maxBuffered` frames wait, so ffmpeg blocks on the full pipe when the
 * consumer is behind (back-pressure through the OS pipe).
 */
import { decodeArgs } from "../args.ts";
import { CodecError } from "../errors.ts";
import { failureFromStderr } from "../failure.ts";
import { FrameBuffer } from "../frame_buffer.ts";
import type { DecodeSource, RawDecoder, RawDecoderOptions } from "../raw_codec.ts";
// @ts-types="../y4m.d.ts"
import { type Y4mHeader, Y4mParser } from "../y4m.js";
import { kill, spawn } from "./process.ts";

/** Starts `ffmpeg` decoding `source`. */
export function startNativeDecoder(source: DecodeSource, options: RawDecoderOptions): RawDecoder {
  const streamed = source.kind === "stream";
  const args = [
    "-nostdin",
    ...decodeArgs({
      input: streamed ? "pipe:0" : source.path,
      output: "pipe:1",
      // a pipe is never seeked; `-seekable` exists only for file inputs
    }),
  ];
  const { child, stderr } = spawn("ffmpeg", args, {
    stdin: streamed ? "piped" : "null",
    stdout: "piped",
  });
  const buffer = new FrameBuffer(options.maxBuffered);
  let resolveHeader!: (header: Y4mHeader) => void;
  let rejectHeader!: (error: unknown) => void;
  const header = new Promise<Y4mHeader>((resolve, reject) => {
    resolveHeader = resolve;
    rejectHeader = reject;
  });
  header.catch(() => {});
  let cancelled = false;

  const feed = new AbortController();
  const feeding = streamed
    ? source.stream.pipeTo(child.stdin, { signal: feed.signal }).catch(() => {})
    : Promise.resolve();

  const reader = child.stdout.getReader();
  const pumping = (async () => {
    const parser = new Y4mParser({ onHeader: resolveHeader });
    let leftover: Uint8Array | null = null;
    try {
      while (true) {
        await buffer.waitForSpace();
        if (buffer.closed) return;
        let chunk: Uint8Array | null = leftover;
        leftover = null;
        if (!chunk) {
          const result = await reader.read();
          if (result.done) break;
          chunk = result.value;
        }
        const room = buffer.capacity - buffer.size;
        const used = parser.push(chunk, (frame) => buffer.push(frame), room);
        if (used < chunk.length) leftover = chunk.subarray(used);
      }
      const status = await child.status;
      const tail = await stderr;
      if (!status.success) {
        throw failureFromStderr(tail, {
          backend: "native",
          input: options.inputName,
          action: "decode",
          exitCode: status.code,
        });
      }
      parser.finish();
      if (!parser.header) {
        throw new CodecError(`ffmpeg decoded no frames from ${options.inputName}`, {
          backend: "native",
          stderr: tail,
        });
      }
      buffer.end();
    } catch (error) {
      const failure = cancelled ? new CodecError("decoder cancelled") : error;
      rejectHeader(failure);
      buffer.fail(failure);
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
        buffer.fail(new CodecError("decoder cancelled"));
        feed.abort();
        kill(child);
        await reader.cancel().catch(() => {});
      }
      await Promise.allSettled([pumping, feeding, child.status, stderr]);
    },
  };
}
