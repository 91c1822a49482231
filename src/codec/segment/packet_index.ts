/**
 * The packet index of a video: every packet of its first video stream, in file (decode) order,
 * with its timestamps and key/discard flags — read by ffprobe from the container, without
 * decoding a frame. Everything segment mode plans comes from it.
 */
import type { CodecBackendName, Rational } from "../types.ts";
import { SegmentUnsupportedError } from "./errors.ts";
import { checkExit, runTool } from "./tools.ts";

/** The packets of a video stream, in decode order. */
export interface PacketIndex {
  /** Time base of `pts` and `dts` (e.g. 1/15360). */
  timeBase: Rational;
  /** The stream's average frame rate (`0/0` from ffprobe becomes undefined). */
  avgFrameRate?: Rational;
  /** The container's start time, seconds (ffmpeg shifts timestamps by it; 0 when unknown). */
  startTime: number;
  /** The container's format names as ffprobe gives them (e.g. `mov,mp4,m4a,3gp,3g2,mj2`). */
  formatName?: string;
  /** Presentation timestamp of each packet, in ticks of `timeBase`; NaN when missing. */
  pts: Float64Array;
  /** Decoding timestamp of each packet, in ticks; NaN when missing. */
  dts: Float64Array;
  /** Flags of each packet: {@link KEY} and {@link DISCARD} bits. */
  flags: Uint8Array;
}

/** Flag bit: the packet starts a keyframe (a point decoding can start from). */
export const KEY = 1;
/** Flag bit: the packet is decoded but not shown (before an edit list's start). */
export const DISCARD = 2;

/** ffprobe's arguments that list `input`'s first video stream's packets (no decoding). */
export function packetIndexArgs(input: string): string[] {
  return [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=time_base,avg_frame_rate:format=start_time,format_name:packet=pts,dts,flags",
    "-of",
    "compact",
    input,
  ];
}

function rational(text: string | undefined): Rational | undefined {
  const [num, den] = (text ?? "").split("/").map(Number);
  return Number.isSafeInteger(num) && Number.isSafeInteger(den) && num > 0 && den > 0
    ? { num, den }
    : undefined;
}

function fields(line: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of line.split("|").slice(1)) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

function ticks(text: string | undefined): number {
  const value = Number(text);
  return text === undefined || text === "N/A" || !Number.isSafeInteger(value) ? NaN : value;
}

/**
 * Reads {@link packetIndexArgs}' output (ffprobe's `compact` writer with keys).
 * @param name the input's name for messages.
 * @throws SegmentUnsupportedError when there is no video stream time base or no packet.
 */
export function parsePacketIndex(stdout: string, name = "the input"): PacketIndex {
  let timeBase: Rational | undefined;
  let avgFrameRate: Rational | undefined;
  let startTime = 0;
  let formatName: string | undefined;
  const pts: number[] = [];
  const dts: number[] = [];
  const flags: number[] = [];
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("packet|")) {
      const f = fields(line);
      pts.push(ticks(f.get("pts")));
      dts.push(ticks(f.get("dts")));
      const text = f.get("flags") ?? "";
      flags.push((text.includes("K") ? KEY : 0) | (text.includes("D") ? DISCARD : 0));
    } else if (line.startsWith("stream|") && !timeBase) {
      const f = fields(line);
      timeBase = rational(f.get("time_base"));
      avgFrameRate = rational(f.get("avg_frame_rate"));
    } else if (line.startsWith("format|")) {
      const f = fields(line);
      const value = Number(f.get("start_time"));
      if (Number.isFinite(value)) startTime = value;
      formatName = f.get("format_name") || undefined;
    }
  }
  if (!timeBase) {
    throw new SegmentUnsupportedError(`${name} has no video stream with a time base`);
  }
  if (pts.length === 0) throw new SegmentUnsupportedError(`${name} has no video packets`);
  return {
    timeBase,
    ...(avgFrameRate ? { avgFrameRate } : {}),
    startTime,
    ...(formatName ? { formatName } : {}),
    pts: Float64Array.from(pts),
    dts: Float64Array.from(dts),
    flags: Uint8Array.from(flags),
  };
}

/** Options of {@link readPacketIndex}. */
export interface ReadPacketIndexOptions {
  backend: CodecBackendName;
  signal?: AbortSignal;
}

/**
 * Lists the packets of `path`'s first video stream with ffprobe (reads the container, decodes
 * nothing).
 * @throws CodecError when ffprobe fails; SegmentUnsupportedError when it lists no packet.
 */
export async function readPacketIndex(
  path: string,
  options: ReadPacketIndexOptions,
): Promise<PacketIndex> {
  const result = await runTool({
    backend: options.backend,
    tool: "ffprobe",
    files: { input: { host: path } },
    args: (p) => packetIndexArgs(p("input")),
    signal: options.signal,
  });
  checkExit(result, `listing the packets of ${path}`, options.backend);
  return parsePacketIndex(result.stdout, path);
}

/** A stream of a {@link StreamListing}. */
export interface ListedStream {
  index: number;
  /** `video`, `audio`, … */
  codecType: string;
  /** `h264`, `aac`, … (empty when ffprobe gave none). */
  codecName: string;
  /** Its start time, seconds, when known. */
  startTime?: number;
}

/**
 * One ffprobe pass over a file's container (no decoding) giving everything segment mode reads
 * of it: the first video stream's packet index, the first audio stream's duration, and every
 * stream's type, codec and start time (for carrying the audio over).
 */
export interface StreamListing {
  video: PacketIndex;
  /**
   * The first audio stream's duration, seconds: from its first packet's time to its last packet's
   * end. Undefined without audio (or without audio packets).
   */
  audioDuration?: number;
  streams: ListedStream[];
}

/** ffprobe's arguments that list every packet of `input` and its streams (no decoding). */
export function streamListingArgs(input: string): string[] {
  return [
    "-v",
    "error",
    "-show_entries",
    "stream=index,codec_type,codec_name,time_base,avg_frame_rate,start_time:" +
    "format=start_time,format_name:packet=stream_index,pts,dts,duration,flags",
    "-of",
    "compact",
    input,
  ];
}

/**
 * Reads {@link streamListingArgs}' output.
 * @param name the input's name for messages.
 * @throws SegmentUnsupportedError when there is no video stream with a time base or no video
 *   packet.
 */
export function parseStreamListing(stdout: string, name = "the input"): StreamListing {
  const streams: (ListedStream & { timeBase?: Rational; avgFrameRate?: Rational })[] = [];
  let startTime = 0;
  let formatName: string | undefined;
  const lines = stdout.split("\n");
  // Streams and format first (ffprobe prints them last), then the packets, one line at a time.
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith("stream|")) {
      const f = fields(line);
      const start = Number(f.get("start_time"));
      streams.push({
        index: Number(f.get("index")),
        codecType: f.get("codec_type") ?? "",
        codecName: f.get("codec_name") ?? "",
        ...(Number.isFinite(start) && f.get("start_time") !== "N/A" ? { startTime: start } : {}),
        timeBase: rational(f.get("time_base")),
        avgFrameRate: rational(f.get("avg_frame_rate")),
      });
    } else if (line.startsWith("format|")) {
      const f = fields(line);
      const value = Number(f.get("start_time"));
      if (Number.isFinite(value)) startTime = value;
      formatName = f.get("format_name") || undefined;
    }
  }
  const video = streams.find((s) => s.codecType === "video");
  if (!video?.timeBase) {
    throw new SegmentUnsupportedError(`${name} has no video stream with a time base`);
  }
  const audio = streams.find((s) => s.codecType === "audio");
  const pts: number[] = [];
  const dts: number[] = [];
  const flags: number[] = [];
  let audioStart = Infinity;
  let audioEnd = -Infinity;
  const videoKey = String(video.index);
  const audioKey = audio ? String(audio.index) : undefined;
  for (const raw of lines) {
    if (!raw.startsWith("packet|")) continue;
    const f = fields(raw.trim());
    const stream = f.get("stream_index");
    if (stream === videoKey) {
      pts.push(ticks(f.get("pts")));
      dts.push(ticks(f.get("dts")));
      const text = f.get("flags") ?? "";
      flags.push((text.includes("K") ? KEY : 0) | (text.includes("D") ? DISCARD : 0));
    } else if (stream === audioKey) {
      const at = ticks(f.get("pts"));
      const duration = ticks(f.get("duration"));
      if (Number.isNaN(at) || Number.isNaN(duration)) continue;
      audioStart = Math.min(audioStart, at);
      audioEnd = Math.max(audioEnd, at + duration);
    }
  }
  if (pts.length === 0) throw new SegmentUnsupportedError(`${name} has no video packets`);
  const tb = audio?.timeBase;
  return {
    video: {
      timeBase: video.timeBase,
      ...(video.avgFrameRate ? { avgFrameRate: video.avgFrameRate } : {}),
      startTime,
      ...(formatName ? { formatName } : {}),
      pts: Float64Array.from(pts),
      dts: Float64Array.from(dts),
      flags: Uint8Array.from(flags),
    },
    ...(tb && Number.isFinite(audioStart)
      ? { audioDuration: ((audioEnd - audioStart) * tb.num) / tb.den }
      : {}),
    streams: streams.map(({ timeBase: _t, avgFrameRate: _a, ...s }) => s),
  };
}

/**
 * Lists `path`'s packets and streams with one ffprobe (reads the container, decodes nothing).
 * @throws CodecError when ffprobe fails; SegmentUnsupportedError when it lists no video packet.
 */
export async function readStreamListing(
  path: string,
  options: ReadPacketIndexOptions,
): Promise<StreamListing> {
  const result = await runTool({
    backend: options.backend,
    tool: "ffprobe",
    files: { input: { host: path } },
    args: (p) => streamListingArgs(p("input")),
    signal: options.signal,
  });
  checkExit(result, `listing the packets of ${path}`, options.backend);
  return parseStreamListing(result.stdout, path);
}
