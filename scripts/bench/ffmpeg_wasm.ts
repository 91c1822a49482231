/**
 * `deno run -A scripts/bench/ffmpeg_wasm.ts IN OUT [--vf FILTER] [--preset P] [--crf N]`: the
 * ffmpeg.wasm peer of the offline benchmark, as a whole process — one ffmpeg.wasm `exec` that
 * decodes IN, applies `-vf FILTER` (none: the wasm codec floor), encodes H.264 (libx264) with the
 * same preset and CRF as vframe, copies the audio and writes OUT with `+faststart`.
 */
import { execWasm } from "../../src/codec/wasm/exec.ts";

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
  const [input, output, ...rest] = args;
  if (!input || !output) {
    throw new Error("usage: ffmpeg_wasm.ts IN OUT [--vf FILTER] [--preset P] [--crf N]");
  }
  const options = { vf: undefined as string | undefined, preset: "ultrafast", crf: 23 };
  for (let i = 0; i < rest.length; i += 2) {
    const [name, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === "--vf") options.vf = value;
    else if (name === "--preset") options.preset = value;
    else if (name === "--crf") options.crf = Number(value);
    else throw new Error(`unknown option '${name}'`);
  }
  await execWasm(peerArgs(options), {
    files: [
      { path: "/in/input.mp4", host: input },
      { path: "/out/output.mp4", host: output, write: true },
    ],
  });
}

if (import.meta.main) await main(Deno.args);
