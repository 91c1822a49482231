import { makeBlack8k as makeBlack8kVideo } from "../../tests/helpers/video.ts";
/**
 * The suite's inputs and checks on outputs, with the native `ffmpeg`: small test videos, the 8K
 * "memory bomb", and per-frame MD5s of a file's video stream (`-f framemd5`), which count its
 * frames and compare outputs frame by frame.
 */

async function ffmpeg(args: string[]): Promise<string> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-nostdin", "-hide_banner", "-loglevel", "error", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ffmpeg ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Whether `name -version` runs. */
export async function hasCommand(name: string, flag = "-version"): Promise<boolean> {
  try {
    const out = await new Deno.Command(name, { args: [flag], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/** A faststart H.264 MP4 of `testsrc2` (moving content: every frame differs), no audio. */
export async function makeVideo(
  path: string,
  o: { width: number; height: number; seconds: number; fps?: number },
): Promise<{ path: string; frames: number }> {
  const fps = o.fps ?? 30;
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${o.width}x${o.height}:rate=${fps}:duration=${o.seconds}`,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "18",
    "-pix_fmt",
    "yuv420p",
    "-movflags",
    "+faststart",
    "-y",
    path,
  ]);
  return { path, frames: Math.round(fps * o.seconds) };
}

/** The 8K memory bomb (tests/helpers/video.ts): ten black 7680×4320 frames, about 100 KB. */
export async function makeBlack8k(path: string): Promise<{ path: string; frames: number }> {
  return { path: await makeBlack8kVideo(path), frames: 10 };
}

/** The MD5 of every decoded frame of the first video stream, in order. */
export async function frameHashes(path: string): Promise<string[]> {
  const text = await ffmpeg(["-i", path, "-map", "0:v:0", "-f", "framemd5", "-"]);
  return text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) =>
    l.split(",").at(-1)!.trim()
  );
}

/** Indices where two hash lists differ (and a length difference), at most `max` of them. */
export function diffHashes(a: string[], b: string[], max = 5): string {
  const bad: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && bad.length < max; i++) {
    if (a[i] !== b[i]) bad.push(i);
  }
  if (bad.length === 0) return "identical";
  return `${a.length} vs ${b.length} frames, first differing frames ${bad.join(", ")}`;
}
