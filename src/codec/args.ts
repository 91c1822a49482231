/**
 * ffmpeg/ffprobe command lines, shared by both backends (only the input/output names differ:
 * host paths or `pipe:` for native, wasm file-system paths and devices for ffmpeg.wasm). Pure.
 */
import type { Rational } from "./types.ts";

/** Audio codecs an MP4 holds and browsers/players accept, copied as they are. */
export const MP4_COPY_AUDIO = new Set(["aac", "mp3", "ac3", "eac3", "alac", "opus"]);

/** What happens to an input audio stream: copied unchanged, or re-encoded to AAC. */
export type AudioAction = "copy" | "aac";

/** `copy` when MP4 can hold `codec`, else `aac` (e.g. pcm_s16le, vorbis, flac). */
export function audioActionFor(codec: string): AudioAction {
  return MP4_COPY_AUDIO.has(codec) ? "copy" : "aac";
}

/** Audio to carry over: the file, one action per audio stream, and the video's start offset. */
export interface AudioPlan {
  input: string;
  actions: AudioAction[];
  /** Seconds the video starts after the file's start (kept with `-itsoffset`). */
  videoOffset: number;
}

/** `-itsoffset` for the video input (placed before its `-i`) when it starts after the audio. */
function videoOffsetArgs(audio: AudioPlan | undefined): string[] {
  return audio && Math.abs(audio.videoOffset) >= 0.0005
    ? ["-itsoffset", audio.videoOffset.toFixed(6)]
    : [];
}

/** The audio file as input 1, then the maps: input 0's video, each audio stream of input 1. */
function inputMapArgs(audio: AudioPlan | undefined): string[] {
  const args = audio && audio.actions.length > 0 ? ["-i", audio.input] : [];
  args.push("-map", "0:v:0");
  audio?.actions.forEach((_, i) => args.push("-map", `1:a:${i}`));
  return args;
}

/** Per audio stream: copied, or AAC at 192 kb/s. */
function audioCodecArgs(audio: AudioPlan | undefined): string[] {
  const args: string[] = [];
  audio?.actions.forEach((action, i) => {
    args.push(`-c:a:${i}`, action);
    if (action === "aac") args.push(`-b:a:${i}`, "192k");
  });
  return args;
}

const QUIET = ["-hide_banner", "-nostats", "-loglevel", "error"];

/** ffprobe: streams and format as JSON; `countPackets` also counts packets (reads the file). */
export function probeArgs(input: string, options: { countPackets?: boolean } = {}): string[] {
  return [
    "-v",
    "error",
    "-print_format",
    "json",
    "-show_streams",
    "-show_format",
    ...(options.countPackets ? ["-count_packets"] : []),
    input,
  ];
}

/** Options for {@link decodeArgs}. */
export interface DecodeArgsOptions {
  input: string;
  output: string;
  /** The input cannot seek (a pipe or a streaming device). */
  unseekableInput?: boolean;
  /** Decoder threads (default: ffmpeg's choice). */
  threads?: number;
}

/**
 * Decode the first video stream to YUV4MPEG2, yuv420p, one output frame per decoded frame
 * (`-fps_mode passthrough`: no frames dropped or duplicated), upright (ffmpeg's autorotate).
 */
export function decodeArgs(options: DecodeArgsOptions): string[] {
  return [
    ...QUIET,
    ...(options.threads ? ["-threads", String(options.threads)] : []),
    ...(options.unseekableInput ? ["-seekable", "0"] : []),
    "-i",
    options.input,
    "-map",
    "0:v:0",
    "-an",
    "-sn",
    "-dn",
    "-fps_mode",
    "passthrough",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "yuv4mpegpipe",
    options.output,
  ];
}

/** Options for {@link encodeArgs}. */
export interface EncodeArgsOptions {
  /**
   * Raw yuv420p frames, back to back (timed at `fps`); with `timed`, a Matroska stream of them
   * (mkv_writer.ts), each frame at its own time.
   */
  input: string;
  /** The input is Matroska with a time per frame: the output keeps the times (default false). */
  timed?: boolean;
  /**
   * With `timed`: how long the last frame is shown, seconds (given to ffmpeg as the output's
   * nominal rate, `-r 1/duration`, which sets each packet's duration: the MP4's edit list ends one
   * such duration after the last frame; the frames keep their own times).
   */
  lastFrameDuration?: number;
  output: string;
  /** Encoded frame size (even). */
  width: number;
  height: number;
  fps: Rational;
  crf: number;
  preset: string;
  /** Audio to carry over. */
  audio?: AudioPlan;
  /** Encoder threads (default: ffmpeg's choice). */
  threads?: number;
  /** MP4 video track timescale (default: ffmpeg's choice); `fps.num` makes frame times exact. */
  timescale?: number;
  /**
   * Raw frames ffmpeg's input thread may queue ahead of the encoder (`-thread_queue_size`;
   * default: ffmpeg's, 8). Each is a whole frame, so fewer keep memory down.
   */
  inputQueue?: number;
}

/** `-r 1000000/<µs>`: the last frame's duration as the output's nominal rate (timed input). */
function lastFrameArgs(options: EncodeArgsOptions): string[] {
  const d = options.lastFrameDuration;
  if (d === undefined || !(d > 0)) return [];
  return ["-r", `1000000/${Math.max(1, Math.round(d * 1e6))}`];
}

/**
 * Encode raw frames to H.264 (libx264, yuv420p) in an MP4 with `+faststart`, frames timed at a
 * constant `fps` (or, `timed`, at their own times); audio streams of `audio.input` copied (or AAC where MP4 cannot hold them).
 */
export function encodeArgs(options: EncodeArgsOptions): string[] {
  const { audio } = options;
  const input = options.timed ? ["-f", "matroska"] : [
    "-f",
    "rawvideo",
    "-pix_fmt",
    "yuv420p",
    "-video_size",
    `${options.width}x${options.height}`,
    "-framerate",
    `${options.fps.num}/${options.fps.den}`,
  ];
  const args = [
    ...QUIET,
    ...input,
    ...(options.inputQueue ? ["-thread_queue_size", String(options.inputQueue)] : []),
    ...videoOffsetArgs(audio),
    "-i",
    options.input,
    ...inputMapArgs(audio),
    "-c:v",
    "libx264",
    "-preset",
    options.preset,
    "-crf",
    String(options.crf),
    "-pix_fmt",
    "yuv420p",
    // One output frame per input frame: MP4's default constant-rate sync would duplicate a frame
    // to fill a start offset (video starting after the audio).
    "-fps_mode",
    "passthrough",
    // Timed input: the encoder counts in the input's time base (1 µs) instead of 1/frame rate,
    // which would round each frame's time to a multiple of a frame at the rate ffmpeg guesses.
    ...(options.timed ? ["-enc_time_base:v", "-1", ...lastFrameArgs(options)] : []),
    ...(options.threads ? ["-threads", String(options.threads)] : []),
    ...audioCodecArgs(audio),
  ];
  if (options.timescale) args.push("-video_track_timescale", String(options.timescale));
  args.push("-movflags", "+faststart", "-f", "mp4", options.output);
  return args;
}

/** Options for {@link concatArgs}. */
export interface ConcatArgsOptions {
  /** An ffconcat list of MP4 segments (same codec settings, each starting with a keyframe). */
  list: string;
  output: string;
  /** Video track timescale (use the segments' one). */
  timescale: number;
  audio?: AudioPlan;
  /**
   * Segments of timed frames: every packet's duration is set to this (seconds), as a timed
   * encoder sets it (`-r`; see {@link EncodeArgsOptions.lastFrameDuration}), so the result ends
   * this long after its last frame (a copied packet's duration is its decode-time step).
   */
  lastFrameDuration?: number;
}

/**
 * Joins encoded segments without re-encoding (concat demuxer, stream copy) into the final MP4,
 * adding the audio (copied, or AAC) and `+faststart`.
 */
export function concatArgs(options: ConcatArgsOptions): string[] {
  const { audio } = options;
  return [
    ...QUIET,
    "-f",
    "concat",
    "-safe",
    "0",
    ...videoOffsetArgs(audio),
    "-i",
    options.list,
    ...inputMapArgs(audio),
    "-c:v",
    "copy",
    ...(options.lastFrameDuration && options.lastFrameDuration > 0
      ? [
        "-bsf:v",
        `setts=pts=PTS:dts=DTS:duration=round(${options.lastFrameDuration.toFixed(9)}/TB)`,
      ]
      : []),
    ...audioCodecArgs(audio),
    "-video_track_timescale",
    String(options.timescale),
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    options.output,
  ];
}
