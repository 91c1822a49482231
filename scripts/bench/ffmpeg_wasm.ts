/**
 * `deno run -A scripts/bench/ffmpeg_wasm.ts IN OUT [--vf FILTER] [--preset P] [--crf N]`: the
 * ffmpeg.wasm peer of the offline benchmark, as a whole process — one ffmpeg.wasm `exec` that
 * decodes IN, applies `-vf FILTER` (none: the wasm codec floor), encodes H.264 (libx264) with the
 * same preset and CRF as vframe, copies the audio and writes OUT with `+faststart`.
 */
import { execWasm } from "../../src/codec/wasm/exec.ts";
import { BenchUsageError, runDirectly } from "./args.ts";

/** `deno run -A scripts/bench/ffmpeg_wasm.ts --help`. */
export const USAGE = `usage: deno run -A scripts/bench/ffmpeg_wasm.ts IN OUT [options]

The ffmpeg.wasm peer of 'deno task bench offline', as a whole process: one ffmpeg.wasm exec that
decodes IN, applies -vf, encodes H.264 (libx264), copies the audio and writes OUT (+faststart).

Options:
  --vf FILTER    ffmpeg -vf filter (default none: the wasm codec floor)
  --preset P     x264 preset (default ultrafast)
  --crf N        x264 CRF (default 23)
  -h, --help     this help`;

/** The ffmpeg arguments of one peer run (inside the wasm file system). */
export function peerArgs(options: { vf?: string; preset: string; crf: number }): string[] {
  return [
    "-i",
    "/in/input.mp4",
    ...(options.vf ? ["-vf", options.vf] : []),
    "-c:v",
    "libx264",
    "-preset",
    options.preset,
    "-crf",
    String(options.crf),
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "copy",
    "-movflags",
    "+faststart",
    "/out/output.mp4",
  ];
}

/** Runs one exec from command-line arguments. */
export async function main(args: string[]): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) return console.log(USAGE);
  const [input, output, ...rest] = args;
  if (!input || !output || input.startsWith("-") || output.startsWith("-")) {
    throw new BenchUsageError(`IN and OUT come first (--help for the usage)`);
  }
  const options = { vf: undefined as string | undefined, preset: "ultrafast", crf: 23 };
  for (let i = 0; i < rest.length; i += 2) {
    const [name, value] = [rest[i], rest[i + 1]];
    if (!["--vf", "--preset", "--crf"].includes(name)) {
      throw new BenchUsageError(`unknown option '${name}' (--help lists the options)`);
    }
    if (value === undefined) throw new BenchUsageError(`${name} needs a value`);
    if (name === "--vf") options.vf = value;
    else if (name === "--preset") options.preset = value;
    else {
      options.crf = Number(value);
      if (!/^\d+$/.test(value) || options.crf > 51) {
        throw new BenchUsageError(`--crf must be an integer in 0..51, got '${value}'`);
      }
    }
  }
  await execWasm(peerArgs(options), {
    files: [
      { path: "/in/input.mp4", host: input },
      { path: "/out/output.mp4", host: output, write: true },
    ],
  });
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
