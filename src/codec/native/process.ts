/** Spawning native ffmpeg/ffprobe with their stderr collected (a bounded tail). */

/** The most stderr text kept per process (the tail matters for errors). */
const STDERR_KEEP = 16 * 1024;

/** A spawned process and the tail of its stderr. */
export interface NativeProcess {
  child: Deno.ChildProcess;
  /** Resolves with the stderr tail once the process closed stderr. */
  stderr: Promise<string>;
}

/** Reads a stream to its end, keeping only the last `keep` characters. */
export async function collectTail(stream: ReadableStream<Uint8Array>, keep = STDERR_KEEP) {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > 2 * keep) text = text.slice(-keep);
  }
  text += decoder.decode();
  return text.slice(-keep);
}

/** Spawns `program` with `args`; stdout/stdin as asked, stderr collected. */
export function spawn(
  program: "ffmpeg" | "ffprobe",
  args: string[],
  io: { stdin: "piped" | "null"; stdout: "piped" | "null" },
): NativeProcess {
  const child = new Deno.Command(program, {
    args,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: "piped",
  }).spawn();
  return { child, stderr: collectTail(child.stderr) };
}

/** Kills a process if it still runs (ignoring "already exited"). */
export function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already exited
  }
}
