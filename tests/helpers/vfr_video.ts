/**
 * Test clips for frame timing and pixel formats, made with the project's ffmpeg.wasm (like
 * video.ts, so they need no native ffmpeg), plus an independent reader of a file's frame times
 * and streams with the native `ffprobe` (the tests' referee).
 *
 * A clip is pieces played one after another, each some frames at its own rate: the default is 24
 * frames at 24 fps, 24 at 12 fps and 24 at 48 fps — 72 frames over 3.5 s, a variable frame rate
 * whose average (20.6 fps) puts frame 60 at 2.9 s instead of 3.25 s. One piece is a constant
 * rate. Times are whole ticks of 1/90000 s (as phones and cameras write), audio a 440 Hz tone as
 * long as the video.
 *
 * ```ts
 * const clip = await makeVfrVideo({ audio: true });
 * clip.path; // the file; clip.pts: each frame's time in seconds, as the generator set it
 * ```
 */
import { execWasm } from "../../src/codec/wasm/exec.ts";
import { sampleDir } from "./video.ts";

/** Frames at one rate. */
export interface VfrPiece {
  frames: number;
  /** Frames per second; 90000 / fps must be a whole number of ticks (24, 25, 30, 48, 60 …). */
  fps: number;
}

/** What to make. */
export interface VfrVideoOptions {
  /** Frame size (even; default 160x120). */
  width?: number;
  height?: number;
  /** Default {@link DEFAULT_PIECES}. */
  pieces?: VfrPiece[];
  /**
   * Instead of pieces: each frame's time in seconds (whole ticks of 1/90000 s, increasing), the
   * last frame lasting as long as the one before it.
   */
  times?: number[];
  /** Add a 440 Hz tone as long as the video (default true). */
  audio?: boolean;
  /** Container (default `mp4`, timescale 90000; `mkv` stores times in ms). */
  container?: "mp4" | "mkv";
  /** Pixel format of the H.264 stream (default `yuv420p`; e.g. `yuv420p10le`, `yuv422p`). */
  pixelFormat?: string;
}

/** A made clip. */
export interface VfrVideo {
  path: string;
  /** Each frame's time as generated, seconds from the first frame (container rounding aside). */
  pts: number[];
  /** When the last frame ends, seconds. */
  duration: number;
}

/** 24 frames at 24 fps, 24 at 12, 24 at 48: 72 frames, 3.5 s. */
export const DEFAULT_PIECES: VfrPiece[] = [
  { frames: 24, fps: 24 },
  { frames: 24, fps: 12 },
  { frames: 24, fps: 48 },
];

const TICKS = 90000;
const made = new Map<string, Promise<VfrVideo>>();

/** Each frame's time in ticks of 1/90000 s, and the end of the last frame. */
function ticksOf(pieces: VfrPiece[], times?: number[]): { ticks: number[]; end: number } {
  if (times) {
    const ticks = times.map((t) => Math.round(t * TICKS));
    if (ticks.length < 2 || ticks.some((t, i) => i > 0 && t <= ticks[i - 1])) {
      throw new RangeError("times must be at least two increasing times");
    }
    const last = ticks[ticks.length - 1];
    return { ticks, end: last + last - ticks[ticks.length - 2] };
  }
  const ticks: number[] = [];
  let at = 0;
  for (const piece of pieces) {
    const step = TICKS / piece.fps;
    if (!Number.isInteger(step) || !Number.isInteger(piece.frames) || piece.frames < 1) {
      throw new RangeError(`bad piece ${JSON.stringify(piece)}: 90000 / fps must be whole`);
    }
    for (let i = 0; i < piece.frames; i++) ticks.push(at + i * step);
    at += piece.frames * step;
  }
  return { ticks, end: at };
}

/** Makes (or returns the cached) clip. */
export function makeVfrVideo(options: VfrVideoOptions = {}): Promise<VfrVideo> {
  const o = {
    width: 160,
    height: 120,
    pieces: DEFAULT_PIECES,
    audio: true,
    container: "mp4" as const,
    pixelFormat: "yuv420p",
    times: undefined as number[] | undefined,
    ...options,
  };
  const key = JSON.stringify(o);
  let result = made.get(key);
  if (!result) {
    result = make(o);
    made.set(key, result);
  }
  return result;
}

async function make(
  o: Omit<Required<VfrVideoOptions>, "times"> & { times?: number[] },
): Promise<VfrVideo> {
  const { ticks, end } = ticksOf(o.pieces, o.times);
  // setpts: frame N's time in ticks (a nested if over the pieces, or over every frame).
  const expr = o.times ? listed(ticks) : nest(o.pieces);
  const seconds = (end / TICKS).toFixed(6);
  const lastStep = end - ticks[ticks.length - 1];
  const name = `vfr-${made.size}-${crypto.randomUUID().slice(0, 8)}.${o.container}`;
  const host = `${sampleDir()}/${name}`;
  const out = `/out/${name}`;
  const args = [
    ...["-hide_banner", "-nostats", "-loglevel", "error"],
    // The source's rate sets each frame's duration: the last frame lasts one step of its piece.
    ...["-f", "lavfi", "-i", `testsrc2=size=${o.width}x${o.height}:rate=${TICKS}/${lastStep}`],
  ];
  if (o.audio) {
    args.push("-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  }
  args.push(
    "-filter_complex",
    `[0:v]trim=end_frame=${ticks.length},settb=1/${TICKS},setpts='${expr}'[v]`,
    ...["-map", "[v]"],
    ...(o.audio ? ["-map", "1:a", "-c:a", "aac"] : []),
    ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", o.pixelFormat],
    // Every frame at its own time, counted in 1/90000 s (not rounded to a guessed frame rate).
    ...["-fps_mode", "passthrough", "-enc_time_base:v", `1/${TICKS}`],
    ...(o.container === "mp4" ? ["-video_track_timescale", String(TICKS)] : []),
    out,
  );
  await execWasm(args, { files: [{ path: out, host, write: true }] });
  return { path: host, pts: ticks.map((t) => t / TICKS), duration: end / TICKS };
}

/**
 * The setpts expression of listed times: frame N's time in ticks, as N × the first step plus the
 * deviations of the frames off that grid (so a long clip with a few late frames stays short).
 */
function listed(ticks: number[]): string {
  const step = ticks[1] - ticks[0];
  let deviations = "0";
  for (let i = ticks.length - 1; i >= 0; i--) {
    const off = ticks[i] - ticks[0] - i * step;
    if (off !== 0) deviations = `if(eq(N,${i}),${off},${deviations})`;
  }
  return `${ticks[0]}+N*${step}+${deviations}`;
}

/** The setpts expression of pieces: frame N's time in ticks. */
function nest(pieces: VfrPiece[]): string {
  const starts: { first: number; base: number; step: number }[] = [];
  let first = 0;
  let base = 0;
  for (const piece of pieces) {
    const step = TICKS / piece.fps;
    starts.push({ first, base, step });
    first += piece.frames;
    base += piece.frames * step;
  }
  const term = (s: { first: number; base: number; step: number }) =>
    `(${s.base}+(N-${s.first})*${s.step})`;
  let expr = term(starts[starts.length - 1]);
  for (let i = starts.length - 2; i >= 0; i--) {
    expr = `if(lt(N,${starts[i + 1].first}),${term(starts[i])},${expr})`;
  }
  return expr;
}

/** What the native ffprobe says of one file's first video stream and its first audio stream. */
export interface ProbedTimes {
  /** Each video frame's presentation time, seconds, in presentation order (decoded frames). */
  videoPts: number[];
  /** The video stream's time base, seconds per tick. */
  videoTick: number;
  videoStart: number;
  /** The video stream's duration (for an MP4, its track's: counted from decode times). */
  videoDuration: number;
  /** The file's duration (for an MP4, its edit lists': until the last frame or sound ends). */
  duration: number;
  pixelFormat: string;
  profile?: string;
  /** The first audio stream's start and duration (seconds), when there is one. */
  audio?: { start: number; duration: number; codec: string };
}

/**
 * The frame times of `path` as decoded by the native ffprobe (`-show_frames`: what a player
 * shows), and its streams' starts and durations.
 * @throws Error when ffprobe fails.
 */
export async function probeTimes(path: string): Promise<ProbedTimes> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("ffprobe", { args: ["-v", "error", ...args, path] })
      .output();
    if (!out.success) {
      throw new Error(`ffprobe failed on ${path}: ${new TextDecoder().decode(out.stderr)}`);
    }
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  const frames = await run([
    ...["-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time"],
    ...["-of", "json"],
  ]);
  const streams = await run(["-show_streams", "-show_format", "-of", "json"]);
  type Stream = Record<string, string | undefined> & { tags?: Record<string, string> };
  const all: Stream[] = streams.streams ?? [];
  const video = all.find((s) => s.codec_type === "video");
  const audio = all.find((s) => s.codec_type === "audio");
  if (!video) throw new Error(`${path} has no video stream`);
  const [num, den] = (video.time_base ?? "1/1").split("/").map(Number);
  // Matroska keeps a stream's duration in a tag (HH:MM:SS.nnnnnnnnn).
  const durationOf = (s: Stream & { tags?: Record<string, string> }) => {
    if (s.duration !== undefined) return Number(s.duration);
    const tag = /^(\d+):(\d+):([\d.]+)$/.exec(s.tags?.DURATION ?? "");
    return tag ? Number(tag[1]) * 3600 + Number(tag[2]) * 60 + Number(tag[3]) : NaN;
  };
  const videoPts = (frames.frames ?? [])
    .map((f: Record<string, string>) => Number(f.best_effort_timestamp_time))
    .sort((a: number, b: number) => a - b);
  return {
    videoPts,
    videoTick: num / den,
    videoStart: Number(video.start_time ?? 0),
    videoDuration: durationOf(video),
    duration: Number(streams.format?.duration ?? NaN),
    pixelFormat: video.pix_fmt ?? "",
    profile: video.profile,
    audio: audio
      ? {
        start: Number(audio.start_time ?? 0),
        duration: durationOf(audio),
        codec: audio.codec_name ?? "",
      }
      : undefined,
  };
}
