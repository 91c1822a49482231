/**
 * Decoding with a native `ffmpeg`: it writes YUV4MPEG2 to a frame channel (a Unix socket, else
 * its stdout pipe: channel.ts); a pump reads the channel straight into frame buffers (reused
 * ones when the consumer gives them back, see FrameRecycler) only while fewer than `maxBuffered`
 * frames wait, so ffmpeg blocks on the full channel when the consumer is behind (back-pressure
 * through the OS).
 */
import { decodeArgs } from "../args.ts";
import { CodecError } from "../errors.ts";
import { failureFromStderr } from "../failure.ts";
import { FrameBuffer } from "../frame_buffer.ts";
import { FrameRecycler } from "../frame_recycler.ts";
import type { DecodeSource, RawDecoder, RawDecoderOptions } from "../raw_codec.ts";
import type { Y4mHeader } from "../y4m.d.ts";
import { Y4mReader } from "../y4m_reader.ts";
import { type ReadingProcess, spawnReading } from "./channel.ts";
import { kill } from "./process.ts";
import { DECODE_THREADS } from "./threads.ts";

/** Starts `ffmpeg` decoding `source`. */
export function startNativeDecoder(source: DecodeSource, options: RawDecoderOptions): RawDecoder {
  const streamed = source.kind === "stream";
  const recycler = options.recycler ?? new FrameRecycler(0);
  const buffer = new FrameBuffer(options.maxBuffered);
  let resolveHeader!: (header: Y4mHeader) => void;
  let rejectHeader!: (error: unknown) => void;
  const header = new Promise<Y4mHeader>((resolve, reject) => {
    resolveHeader = resolve;
    rejectHeader = reject;
  });
  header.catch(() => {});
  let cancelled = false;
  const stop = new AbortController();
  let process: ReadingProcess | undefined;
  let feeding: Promise<void> = Promise.resolve();

  const pumping = (async () => {
    try {
      process = await spawnReading({
        args: (url) => [
          "-nostdin",
          // a pipe is never seeked; `-seekable` exists only for file inputs
          ...decodeArgs({
            input: streamed ? "pipe:0" : source.path,
            output: url,
            threads: DECODE_THREADS,
          }),
        ],
        stdin: streamed ? "piped" : "null",
        replayable: !streamed,
        signal: stop.signal,
        onSpawn: (child) => {
          if (streamed) {
            feeding = source.stream.pipeTo(child.stdin, { signal: stop.signal }).catch(() => {});
          }
        },
      });
      const { child, reader } = process;
      const y4m = new Y4mReader((into) => reader.read(into));
      let gotHeader = false;
      try {
        const h = await y4m.header();
        gotHeader = true;
        recycler.frameBytes = y4m.frameBytes;
        resolveHeader(h);
        while (true) {
          await buffer.waitForSpace();
          if (buffer.closed) return;
          const frame = recycler.take();
          if (!await y4m.readFrame(frame)) {
            recycler.give(frame);
            break;
          }
          buffer.push(frame);
        }
      } catch (error) {
        // A format error after ffmpeg failed is a consequence: its exit status tells why.
        if (cancelled) throw error;
        const status = await child.status;
        if (status.success && gotHeader) throw error;
      } finally {
        await reader.cancel();
      }
      const status = await child.status;
      const tail = await process.stderr;
      if (!status.success) {
        throw failureFromStderr(tail, {
          backend: "native",
          input: options.inputName,
          action: "decode",
          exitCode: status.code,
        });
      }
      if (!gotHeader) {
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
        stop.abort(new CodecError("decoder cancelled"));
        if (process) {
          kill(process.child);
          await process.reader.cancel();
        }
      }
      await pumping;
      await Promise.allSettled([
        feeding,
        process?.child.status,
        process?.stderr,
      ]);
    },
  };
}
