/** ffprobe through a native `ffprobe` on PATH. */
import { probeArgs } from "../args.ts";
import type { ProbeOutput } from "../raw_codec.ts";
import { collectTail } from "./process.ts";

/** Runs ffprobe on a host file; never rejects for a bad input (the JSON/stderr tell). */
export async function nativeProbe(path: string, countPackets: boolean): Promise<ProbeOutput> {
  const child = new Deno.Command("ffprobe", {
    args: probeArgs(path, { countPackets }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [stdout, stderr] = await Promise.all([
    collectTail(child.stdout, 64 * 1024 * 1024),
    collectTail(child.stderr),
    child.status,
  ]);
  return { stdout, stderr };
}
