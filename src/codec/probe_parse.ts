/**
 * Turns ffprobe's JSON (`-print_format json -show_streams -show_format`) into a {@link VideoInfo},
 * refusing inputs that are not videos with an {@link InvalidInputError} that says why. Pure.
 *
 * Conventions: `width`/`height` are the size of the frames the decoder yields, which are upright
 * (ffmpeg applies the rotation metadata), so they are swapped for 90°/270°; `rotation` is the
 * source's display rotation, clockwise, in {0, 90, 180, 270}.
 */
import { InvalidInputError } from "./errors.ts";
import type { FrameTimes } from "./frame_times.ts";
import type { AudioStreamInfo, Rational, VideoInfo } from "./types.ts";

/** Formats ffmpeg uses for still images. */
const IMAGE_FORMATS = /^(image2|[a-z0-9]+_pipe)$/;

/** Where {@link ProbeResult.info}'s frame count came from. */
export type FrameCountSource = "container" | "counted" | "estimated";

/**
 * What the stream's header says about its rate: `constant` when it vouches for a constant rate
 * (see {@link headerRate}), `unchecked` when only the frame times can tell.
 */
export type HeaderRate = "constant" | "unchecked";

/** The info, plus what the codec layer needs internally. */
export interface ProbeResult {
  info: VideoInfo;
  frameCountSource: FrameCountSource;
  /** What the header says about the rate (probe.ts reads the frame times when `unchecked`). */
  headerRate: HeaderRate;
  /** A variable-rate stream's frame times (set by probe.ts when `info.variableFrameRate`). */
  times?: FrameTimes;
}

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Parses `"30000/1001"` (or `"25"`) into a reduced rational; undefined when not > 0. */
export function parseRational(text: string | undefined): Rational | undefined {
  if (!text) return undefined;
  const [numText, denText = "1"] = text.split("/");
  const num = Number(numText);
  const den = Number(denText);
  if (!Number.isFinite(num) || !Number.isFinite(den) || num <= 0 || den <= 0) return undefined;
  if (!Number.isInteger(num) || !Number.isInteger(den)) {
    const scaled = Math.round((num / den) * 1000);
    const g = gcd(scaled, 1000);
    return { num: scaled / g, den: 1000 / g };
  }
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

/** Normalises a rotation in degrees to one of 0, 90, 180, 270 (nearest quarter turn). */
export function normalizeRotation(degrees: number): number {
  const quarter = Math.round(degrees / 90);
  return ((quarter % 4) + 4) % 4 * 90;
}

/** The clockwise display rotation of a stream, from its display matrix or `rotate` tag. */
export function streamRotation(stream: ProbeStream): number {
  const matrix = stream.side_data_list?.find((side) => typeof side.rotation === "number");
  // ffprobe prints the display matrix angle counter-clockwise; the `rotate` tag is clockwise.
  if (matrix) return normalizeRotation(-(matrix.rotation as number));
  const tag = Number(stream.tags?.rotate);
  return Number.isFinite(tag) ? normalizeRotation(tag) : 0;
}

function positive(text: string | undefined): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function firstStderrLine(stderr: string): string {
  const line = stderr.split("\n").map((l) => l.trim()).find((l) => l && l !== "Aborted()");
  return line ? ` (ffprobe: ${line})` : "";
}

/**
 * Builds the info from ffprobe's output.
 * @param stdout ffprobe's JSON
 * @param stderr ffprobe's error output (used in messages)
 * @param input the input's name for messages
 * @throws InvalidInputError when the input has no video stream or cannot be read.
 */
export function parseProbeOutput(stdout: string, stderr: string, input: string): ProbeResult {
  let json: ProbeJson;
  try {
    json = JSON.parse(stdout || "{}");
  } catch {
    json = {};
  }
  const streams = json.streams ?? [];
  if (/moov atom not found/i.test(stderr)) {
    throw new InvalidInputError(
      "truncated",
      input,
      "the MP4 has no index (moov atom not found): the file is truncated or was not " +
        "finished; upload or export it again",
      { stderr },
    );
  }
  if (streams.length === 0) {
    throw new InvalidInputError(
      "not-video",
      input,
      `not a video ffmpeg can read${firstStderrLine(stderr)}; give an MP4, MOV, MKV or WebM file`,
      { stderr },
    );
  }
  const formatName = json.format?.format_name ?? "";
  const video = streams.filter((s) =>
    s.codec_type === "video" && s.disposition?.attached_pic !== 1
  );
  const audioStreams = streams.filter((s) => s.codec_type === "audio");
  if (video.length === 0 && audioStreams.length > 0) {
    throw new InvalidInputError(
      "audio-only",
      input,
      `has audio (${audioStreams.map((s) => s.codec_name).join(", ")}) but no video stream; ` +
        "give a file with a video track",
    );
  }
  if (video.length === 0) {
    throw new InvalidInputError(
      "not-video",
      input,
      `has no video stream (streams: ${streams.map((s) => s.codec_type).join(", ")})`,
    );
  }
  if (IMAGE_FORMATS.test(formatName)) {
    throw new InvalidInputError(
      "image",
      input,
      `is a still image (${video[0].codec_name ?? formatName}), not a video; give a video file`,
    );
  }
  const stream = video[0];
  const codedWidth = stream.width ?? 0;
  const codedHeight = stream.height ?? 0;
  if (codedWidth < 1 || codedHeight < 1) {
    throw new InvalidInputError(
      "not-video",
      input,
      `the video stream has no frame size (${codedWidth}x${codedHeight}); the file is damaged`,
    );
  }
  const rotation = streamRotation(stream);
  const swap = rotation === 90 || rotation === 270;
  const fps = parseRational(stream.avg_frame_rate) ?? parseRational(stream.r_frame_rate);
  if (!fps) {
    throw new InvalidInputError(
      "not-video",
      input,
      `the video stream has no frame rate (avg ${stream.avg_frame_rate}, r ${stream.r_frame_rate})`,
    );
  }
  const rate = fps.num / fps.den;
  let duration = positive(stream.duration) ?? positive(json.format?.duration) ?? 0;
  let frameCount = 0;
  let frameCountSource: FrameCountSource = "estimated";
  const containerFrames = positive(stream.nb_frames);
  const countedFrames = positive(stream.nb_read_packets);
  if (containerFrames) {
    frameCount = Math.round(containerFrames);
    frameCountSource = "container";
  } else if (countedFrames) {
    frameCount = Math.round(countedFrames);
    frameCountSource = "counted";
  } else {
    frameCount = Math.max(1, Math.round(duration * rate));
  }
  if (duration === 0) duration = frameCount / rate;
  const headerRate = headerRateOf(stream, fps, frameCountSource, frameCount, duration);
  const audio: AudioStreamInfo[] = audioStreams.map((s) => ({
    index: s.index ?? 0,
    codec: s.codec_name ?? "unknown",
    sampleRate: Number(s.sample_rate ?? 0),
    channels: s.channels ?? 0,
  }));
  return {
    info: {
      width: swap ? codedHeight : codedWidth,
      height: swap ? codedWidth : codedHeight,
      fps,
      frameCount,
      duration,
      rotation,
      pixelFormat: stream.pix_fmt ?? "unknown",
      videoCodec: stream.codec_name ?? "unknown",
      variableFrameRate: false,
      audio,
    },
    frameCountSource,
    headerRate,
  };
}

/**
 * Whether the header alone vouches for a constant rate: the container lists the frame count (an
 * index, as MP4's), the stream's nominal rate (`r_frame_rate`, the rate its first frames' times
 * keep) equals its average rate (frames ÷ duration), and the duration is the frame count at that
 * rate to half a frame. Otherwise (rates differ; no listed count, e.g. Matroska, whose average
 * rate is guessed from the first seconds) only the frame times tell. Equal rates alone are not
 * enough: a guessed average, or a listed duration that disagrees, says nothing of the middle.
 */
function headerRateOf(
  stream: ProbeStream,
  fps: Rational,
  frameCountSource: FrameCountSource,
  frameCount: number,
  duration: number,
): HeaderRate {
  if (frameCountSource !== "container") return "unchecked";
  const nominal = parseRational(stream.r_frame_rate);
  const average = parseRational(stream.avg_frame_rate);
  if (!nominal || !average) return "unchecked";
  if (nominal.num * average.den !== average.num * nominal.den) return "unchecked";
  const frame = fps.den / fps.num;
  return Math.abs(frameCount * frame - duration) <= frame / 2 ? "constant" : "unchecked";
}
