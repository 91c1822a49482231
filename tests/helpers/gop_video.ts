/**
 * Test clips with the GOP structures segment mode must survive, made with native ffmpeg (lavfi
 * `testsrc2`, and `sine` for audio; x264 with the given parameters). Each distinct request is
 * made once per test process, in the sample clips' temporary directory (removed when the process
 * ends).
 *
 * ```ts
 * const path = await makeGopVideo(GOP_CASES.openGop);
 * ```
 */

import { sampleDir } from "./video.ts";

/** What to make. */
export interface GopVideoOptions {
  /** Frame size (default 160x120); odd sizes are encoded 4:4:4 (x264 4:2:0 needs even). */
  width?: number;
  height?: number;
  /** Frame rate as ffmpeg takes it (default `30`). */
  fps?: string;
  /** Length, seconds (default 2). */
  seconds?: number;
  /** x264 preset (default `ultrafast`: no B-frames unless `x264` asks). */
  preset?: string;
  /** `-x264-params`, e.g. `keyint=30:min-keyint=30:scenecut=0`. */
  x264?: string;
  /** Add a 440 Hz AAC tone as long as the video (default false). */
  audio?: boolean;
  /** Container (default `mp4`). */
  container?: "mp4" | "mkv";
}

/** The awkward inputs of the segment tests: 2 s at 30 fps unless said. */
export const GOP_CASES = {
  /** A keyframe every second (closed GOPs, no B-frames). */
  keyframeEverySecond: { x264: "keyint=30:min-keyint=30:scenecut=0" },
  /** One keyframe, at the start. */
  oneKeyframe: { x264: "keyint=infinite:min-keyint=1000:scenecut=0" },
  /** A keyframe every 50 frames (1.67 s): longer than the tests' segments. */
  longGop: { seconds: 3, x264: "keyint=50:min-keyint=50:scenecut=0" },
  /** x264's defaults (`veryfast`: 3 B-frames, B-pyramid), a keyframe every 20 frames. */
  bFrames: { preset: "veryfast", x264: "keyint=20:min-keyint=20:scenecut=0" },
  /** Open GOPs with fixed B-frames: the keyframes' leading frames are decoded after them. */
  openGop: {
    preset: "veryfast",
    x264: "keyint=20:min-keyint=20:scenecut=0:open-gop=1:bframes=3:b-adapt=0",
  },
  /** A size no macroblock grid fits, with B-frames. */
  oddSize: { width: 318, height: 178, preset: "veryfast", x264: "keyint=25:scenecut=0" },
  /** Odd width and height (encoded padded to even). */
  oddWidthHeight: { width: 317, height: 177, x264: "keyint=25:scenecut=0" },
  /** AAC audio beside B-frame video. */
  withAudio: { audio: true, preset: "veryfast", x264: "keyint=30:min-keyint=30:scenecut=0" },
} satisfies Record<string, GopVideoOptions>;

const made = new Map<string, Promise<string>>();

/** Makes (or returns the cached) clip and resolves to its path. */
export function makeGopVideo(options: GopVideoOptions = {}): Promise<string> {
  const o = {
    width: 160,
    height: 120,
    fps: "30",
    seconds: 2,
    preset: "ultrafast",
    x264: "",
    audio: false,
    container: "mp4" as const,
    ...options,
  };
  const key = JSON.stringify(o);
  let result = made.get(key);
  if (!result) {
    result = make(o, made.size);
    made.set(key, result);
  }
  return result;
}

async function make(o: Required<GopVideoOptions>, n: number): Promise<string> {
  const path = `${sampleDir()}/gop-${n}-${o.width}x${o.height}.${o.container}`;
  const evenW = o.width + (o.width & 1);
  const evenH = o.height + (o.height & 1);
  const odd = evenW !== o.width || evenH !== o.height;
  const args = [
    ...["-nostdin", "-hide_banner", "-loglevel", "error", "-y"],
    ...["-f", "lavfi", "-i", `testsrc2=size=${evenW}x${evenH}:rate=${o.fps}:duration=${o.seconds}`],
    ...(o.audio ? ["-f", "lavfi", "-i", `sine=frequency=440:duration=${o.seconds}`] : []),
    ...(odd ? ["-vf", `format=yuv444p,crop=${o.width}:${o.height}:0:0`] : []),
    ...["-c:v", "libx264", "-preset", o.preset, "-pix_fmt", odd ? "yuv444p" : "yuv420p"],
    ...(o.x264 ? ["-x264-params", o.x264] : []),
    ...(o.audio ? ["-c:a", "aac"] : []),
    path,
  ];
  const out = await new Deno.Command("ffmpeg", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ffmpeg could not make ${path}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return path;
}

/**
 * Variants of the keyframe-every-second clip made by stream copy: `edit-list` (an MP4 copied from
 * 0.5 s: it starts at the keyframe before and its edit list hides the frames up to 0.5 s, which
 * ffprobe marks discarded) and `raw-h264` (the bare H.264 stream: no timestamps at all). Segment
 * mode cannot split either.
 */
export async function makeCopiedVideo(kind: "edit-list" | "raw-h264"): Promise<string> {
  const source = await makeGopVideo(GOP_CASES.keyframeEverySecond);
  const path = `${sampleDir()}/gop-${kind}.${kind === "edit-list" ? "mp4" : "h264"}`;
  const args = [
    ...["-nostdin", "-hide_banner", "-loglevel", "error", "-y"],
    ...(kind === "edit-list" ? ["-ss", "0.5", "-i", source, "-t", "1"] : ["-i", source]),
    ...["-c", "copy", path],
  ];
  const out = await new Deno.Command("ffmpeg", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return path;
}

/** Runs ffprobe with `args` and returns its stdout. @throws Error when it fails. */
export async function ffprobe(args: string[]): Promise<string> {
  const out = await new Deno.Command("ffprobe", { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`ffprobe failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/** The video frames' presentation times (`pts_time`, sorted), as ffprobe prints them. */
export async function videoPtsTimes(path: string): Promise<string[]> {
  const out = await ffprobe([
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time"],
    ...["-of", "csv=p=0", path],
  ]);
  return out.split("\n").map((l) => l.trim()).filter((l) => l !== "")
    .sort((a, b) => Number(a) - Number(b));
}

/** Duration of the first audio stream (`duration` of the stream), seconds. */
export async function audioSeconds(path: string): Promise<number> {
  const out = await ffprobe([
    ...["-v", "error", "-select_streams", "a:0", "-show_entries", "stream=duration"],
    ...["-of", "csv=p=0", path],
  ]);
  return Number(out.trim());
}

/** One MD5 per decoded frame (ffmpeg `framemd5`, yuv420p), optionally through `-vf filter`. */
export async function frameMd5s(path: string, vf?: string): Promise<string[]> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-nostdin", "-hide_banner", "-loglevel", "error", "-i", path],
      ...(vf ? ["-vf", vf] : []),
      ...["-map", "0:v:0", "-fps_mode", "passthrough", "-pix_fmt", "yuv420p", "-f", "framemd5"],
      "-",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`framemd5 failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(",").at(-1)!.trim());
}
