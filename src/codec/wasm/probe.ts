/** ffprobe through ffmpeg.wasm (the file is read on demand from the host, never copied in). */
import { probeArgs } from "../args.ts";
import type { ProbeOutput } from "../raw_codec.ts";
import { runWasmJob } from "./host.ts";
import { wasmInputPath } from "./paths.ts";

/** Runs ffprobe on a host file; never rejects for a bad input (the JSON/stderr tell). */
export async function wasmProbe(path: string, countPackets: boolean): Promise<ProbeOutput> {
  const input = wasmInputPath(path);
  const result = await runWasmJob({
    tool: "ffprobe",
    args: probeArgs(input, { countPackets }),
    files: [{ path: input, host: path }],
  });
  return { stdout: result.stdout, stderr: result.stderr };
}
