/**
 * Encoding with a native `ffmpeg` reading raw frames from a frame channel (a Unix socket, else
 * its stdin pipe: channel.ts). ffmpeg starts at once; the first write waits until it is
 * connected. Each write hands the frame's bytes to the system straight from the caller's buffer
 * (no copy) and resolves when all of them were taken, so a slow encoder slows the writer
 * (back-pressure).
 */
import { failureFromStderr } from "../failure.ts";
import type { RawEncoder } from "../raw_codec.ts";
import { spawnWriting, type WritingProcess } from "./channel.ts";
import { kill } from "./process.ts";

/** Starts `ffmpeg` with `args(url)` (from `encodeArgs`, input `url`). */
export function startNativeEncoder(args: (url: string) => string[], inputName: string): RawEncoder {
  const stop = new AbortController();
  const starting = spawnWriting({
    args: (url) => ["-nostdin", ...args(url)],
    signal: stop.signal,
  });
  starting.catch(() => {});
  let started: WritingProcess | undefined;
  let failed = false;

  const failure = async (process: WritingProcess) => {
    const status = await process.child.status;
    return failureFromStderr(await process.stderr, {
      backend: "native",
      input: inputName,
      action: "encode",
      exitCode: status.code,
    });
  };
  const running = async () => started ??= await starting;

  return {
    async write(data) {
      const process = await running();
      try {
        await process.writer.write(data);
      } catch {
        failed = true;
        throw await failure(process);
      }
    },
    async finish() {
      const process = await running();
      try {
        await process.writer.close();
      } catch {
        failed = true;
      }
      const status = await process.child.status;
      await process.stderr;
      if (failed || !status.success) throw await failure(process);
    },
    async abort() {
      stop.abort();
      const process = started ?? await starting.catch(() => undefined);
      if (!process) return;
      kill(process.child);
      await process.writer.abort();
      await Promise.allSettled([process.child.status, process.stderr]);
    },
  };
}
