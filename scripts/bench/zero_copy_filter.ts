/**
 * `deno run -A scripts/bench/zero_copy_filter.ts IN OUT --filter CHAIN [--codec B] [--preset P]
 * [--crf N] [--threads N]`: the offline filter job (probe, decode, filter on the FilterPool,
 * encode with the input's audio) written directly on the codec and pool APIs that avoid per-frame
 * copies and allocations — `decodeFrames(…).recycle`, `FilterPool.run(…, { transfer: true })` —
 * as the offline pipeline (src/pipeline/) can use them. The offline benchmark runs it beside
 * `deno task filter` to show what the pipeline gains by adopting them. Not a product command:
 * no progress, no signal handling, no checks beyond the APIs' own.
 */
import { decodeFrames, openEncoder, probe, resolveBackend } from "../../src/codec/mod.ts";
import type { CodecChoice } from "../../src/codec/types.ts";
import type { Frame } from "../../src/codec/frame.ts";
import { compileChain } from "../../src/filters/compile.ts";
import { FilterPool } from "../../src/filters/pool.ts";

/** Options of {@link zeroCopyFilter}. */
export interface ZeroCopyOptions {
  input: string;
  output: string;
  filter: string;
  codec?: CodecChoice;
  preset?: string;
  crf?: number;
  /** Filter threads (default: logical cores). */
  threads?: number;
}

/**
 * Runs the job; frames in flight are bounded to 2 × threads and written in order.
 * @returns the number of frames written.
 */
export async function zeroCopyFilter(options: ZeroCopyOptions): Promise<number> {
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  const chain = compileChain(options.filter);
  const backend = await resolveBackend(options.codec ?? "auto");
  // Independent start-up work runs at once: probing (ffprobe) and starting the filter threads.
  const [info, pool] = await Promise.all([
    probe(options.input, { backend }),
    FilterPool.create({ size: threads }),
  ]);
  try {
    const encoder = await openEncoder({
      output: options.output,
      width: info.width,
      height: info.height,
      fps: info.fps,
      audioFrom: options.input,
      crf: options.crf,
      preset: options.preset,
      backend,
    });
    const inFlight = 2 * threads;
    const frames = decodeFrames(options.input, { backend, maxBuffered: inFlight });
    const pending: Promise<Frame>[] = [];
    let written = 0;
    const writeOldest = async () => {
      const frame = await pending.shift()!;
      await encoder.write(frame);
      frames.recycle(frame.data);
      written++;
    };
    try {
      for await (const frame of frames) {
        pending.push(
          pool.run(chain, frame.width, frame.height, frame.data, { transfer: true })
            .then((r) => ({ ...frame, data: r.data })),
        );
        if (pending.length >= inFlight) await writeOldest();
      }
      while (pending.length > 0) await writeOldest();
      await encoder.close();
    } catch (error) {
      await Promise.allSettled(pending);
      await encoder.abort();
      throw error;
    }
    return written;
  } finally {
    await pool.close();
  }
}

/** Parses the command line and runs the job. */
export async function main(args: string[]): Promise<void> {
  const [input, output, ...rest] = args;
  const options: ZeroCopyOptions = { input, output, filter: "" };
  for (let i = 0; i < rest.length; i += 2) {
    const [name, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === "--filter") options.filter = value;
    else if (name === "--codec") options.codec = value as CodecChoice;
    else if (name === "--preset") options.preset = value;
    else if (name === "--crf") options.crf = Number(value);
    else if (name === "--threads") options.threads = Number(value);
    else throw new Error(`unknown option '${name}'`);
  }
  if (!input || !output || !options.filter) {
    throw new Error("usage: zero_copy_filter.ts IN OUT --filter CHAIN [--codec B] [--preset P]");
  }
  await zeroCopyFilter(options);
}

if (import.meta.main) await main(Deno.args);
