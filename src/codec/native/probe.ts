/** ffprobe through a native `ffprobe` on PATH. */
import type { ProbeOutput } from "../raw_codec.ts";
import { collectTail } from "./process.ts";

/**
 * Runs ffprobe with `args(path)` on a host file; never rejects for a bad input (the output and
 * stderr tell).
 */
export async function nativeProbe(
  path: string,
  args: (input: string) => string[],
): Promise<ProbeOutput> {
  const child = new Deno.Command("ffprobe", {
    args: args(path),
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
