/** ffprobe through ffmpeg.wasm (the file is read on demand from the host, never copied in). */
import type { ProbeOutput } from "../raw_codec.ts";
import { runWasmJob } from "./host.ts";
import { wasmInputPath } from "./paths.ts";

/**
 * Runs ffprobe with `args(name)` on a host file (`name`: its path inside wasm); never rejects for
 * a bad input (the output and stderr tell).
 */
export async function wasmProbe(
  path: string,
  args: (input: string) => string[],
): Promise<ProbeOutput> {
  const input = wasmInputPath(path);
  const result = await runWasmJob({
    tool: "ffprobe",
    args: args(input),
    files: [{ path: input, host: path }],
  });
  return { stdout: result.stdout, stderr: result.stderr };
}
