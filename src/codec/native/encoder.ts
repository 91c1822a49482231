/**
 * Encoding with a native `ffmpeg` reading raw frames from its stdin; each write resolves when the
 * pipe took the bytes, so a slow encoder slows the writer (back-pressure).
 */
import { failureFromStderr } from "../failure.ts";
import type { RawEncoder } from "../raw_codec.ts";
import { kill, spawn } from "./process.ts";

/** Starts `ffmpeg` with `args` (from `encodeArgs`, input `pipe:0`). */
export function startNativeEncoder(args: string[], inputName: string): RawEncoder {
  const { child, stderr } = spawn("ffmpeg", ["-nostdin", ...args], {
    stdin: "piped",
    stdout: "null",
  });
  const writer = child.stdin.getWriter();
  let failed = false;

  const failure = async () => {
    const status = await child.status;
    return failureFromStderr(await stderr, {
      backend: "native",
      input: inputName,
      action: "encode",
      exitCode: status.code,
    });
  };

  return {
    async write(data) {
      try {
        await writer.write(data);
      } catch {
        failed = true;
        throw await failure();
      }
    },
    async finish() {
      try {
        await writer.close();
      } catch {
        failed = true;
      }
      const status = await child.status;
      await stderr;
      if (failed || !status.success) throw await failure();
    },
    async abort() {
      kill(child);
      await writer.abort().catch(() => {});
      await Promise.allSettled([child.status, stderr]);
    },
  };
}
