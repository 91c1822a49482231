/**
 * Helpers of the pipeline tests: decoding outputs, worker processes, raw protocol messages.
 * (Comparisons against the wasm engine are in compare.ts.)
 */
import type { Frame } from "../../src/codec/frame.ts";
import { decodeFrames } from "../../src/codec/mod.ts";
import { encodeMessage } from "../../src/protocol/codec.ts";
import type { Message } from "../../src/protocol/messages.ts";
import { concatBytes } from "../helpers/bytes.ts";

/**
 * Every frame of a video (tests use tiny clips), decoded with the `auto` backend: native ffmpeg
 * when installed (an independent decoder, and much faster to start), else ffmpeg.wasm.
 */
export async function decodeAll(path: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const f of decodeFrames(path)) frames.push(f);
  return frames;
}

/** Mean absolute difference of two equally long byte arrays. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A `deno run -A src/worker.ts` process that printed its ready line. */
export interface WorkerProcess {
  id: string;
  child: Deno.ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM and wait (graceful). */
  stop(): Promise<void>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const WORKER = new URL("../../src/worker.ts", import.meta.url).pathname;

/** Starts a worker process on `redisUrl` and waits (≤ 60 s) for its ready line. */
export async function startWorker(
  redisUrl: string,
  options: { concurrency?: number; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      WORKER,
      "--redis",
      redisUrl,
      "--concurrency",
      String(options.concurrency ?? 1),
    ],
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let ready: (id: string) => void = () => {};
  const readyP = new Promise<string>((resolve) => (ready = resolve));
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const m = /vframe worker ready: id=(\S+)/.exec(text);
      if (m) ready(m[1]);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = child.status;
  try {
    const id = await Promise.race([
      readyP,
      status.then((s) => {
        throw new Error(`worker exited with ${s.code} before ready:\n${text}`);
      }),
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => reject(new Error(`worker not ready in 60 s:\n${text}`)), 60_000)
      ),
    ]);
    let ended = false;
    const end = async (signal: Deno.Signal) => {
      if (!ended) {
        ended = true;
        try {
          child.kill(signal);
        } catch { /* already gone */ }
      }
      await status;
      await drained;
    };
    return {
      id,
      child,
      output: () => text,
      stop: () => end("SIGTERM"),
      kill: () => end("SIGKILL"),
    };
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await status;
    await drained;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Raw bytes of protocol messages, for hand-made (and broken) conversations. */
export function bytesOf(...messages: Message[]): Uint8Array {
  return concatBytes(messages.map((m) => encodeMessage(m)));
}

/** Polls `check` every 20 ms until it is true or `ms` passed (then throws with `what`). */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
