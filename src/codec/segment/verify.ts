/**
 * Checks that segment mode kept every frame where it was: an encoded chunk's frame count and
 * header, and the joined output against the input — the same number of frames, each at the same
 * time, and the audio as long. No decoding: an encoded chunk (an MP4 our encoder wrote) is read
 * in JS — its video track's sample count and its `avcC` header (h264_header.ts), no process to
 * start — with ffprobe and ffmpeg's `trace_headers` as the fallback for anything else; the input
 * and the joined output are listed by one ffprobe each (the input's listing may come from the
 * split, which read it already).
 */
import { readMp4VideoTrack } from "../mp4_timing.ts";
import type { CodecBackendName, Rational } from "../types.ts";
import { ChunkMismatchError } from "./errors.ts";
import { avcHeader, LEVEL_FIELDS } from "./h264_header.ts";
import { orderFrames } from "./frame_order.ts";
import { readStreamListing, type StreamListing } from "./packet_index.ts";
import { checkExit, runTool } from "./tools.ts";

/** An encoded chunk: its frames and its stream header's hash and level. */
export interface EncodedChunkInfo {
  frames: number;
  /**
   * `sha256:…` of the stream's header: for H.264 the decoding-relevant fields of its SPS and PPS,
   * without the level and the limits derived from it; chunks join by stream copy only when theirs
   * are equal. Read in JS (see {@link readEncodedChunk}) or, for a file that does not read so,
   * from ffmpeg's `trace_headers` or ffprobe's extradata MD5: hashes read different ways differ
   * for the same header (the join then reads every chunk again one way).
   */
  headerHash: string;
  /** H.264 `level_idc` (e.g. 31 for 3.1): x264 derives it from the frame rate it was given. */
  level?: number;
}

/**
 * The header fields of ffmpeg's `trace_headers` output for the stream's extradata (SPS, PPS),
 * as `section.name=value` lines, without level-derived fields and bit padding, and the level;
 * undefined when there is no traced extradata.
 */
export function traceHeaderFields(
  stderr: string,
): { fields: string[]; level?: number } | undefined {
  const fields: string[] = [];
  let level: number | undefined;
  let section = "";
  let inside = false;
  for (const raw of stderr.split("\n")) {
    const line = raw.replace(/^\[trace_headers @ [^\]]*\] /, "").trimEnd();
    if (line === "Extradata") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.startsWith("Packet:")) break;
    const field = /^\d+\s+(\S+)\s+[01]+ = (-?\d+)$/.exec(line);
    if (!field) {
      section = line.trim();
      continue;
    }
    const [, name, value] = field;
    if (name === "level_idc") level = Math.max(level ?? 0, Number(value));
    if (LEVEL_FIELDS.has(name) || name.startsWith("rbsp_")) continue;
    fields.push(`${section}.${name}=${value}`);
  }
  return inside && fields.length > 0 ? { fields, level } : undefined;
}

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Reads an encoded chunk's frame count and header in JS, from its `moov` box (a millisecond; the
 * same on every codec backend): the video track's sample count, and the hash of the fields of
 * its `avcC` box (NAL length size, SPS fields but the level-derived ones, PPS bytes) and the
 * sample entry's type. Undefined when the file is not an unfragmented MP4 with an H.264 video
 * track whose header parses: ask {@link probeEncodedChunk}, which then runs ffprobe and ffmpeg.
 */
export async function readEncodedChunk(path: string): Promise<EncodedChunkInfo | undefined> {
  const track = await readMp4VideoTrack(path);
  if (!track || track.config?.type !== "avcC") return undefined;
  let header;
  try {
    header = avcHeader(track.config.data);
  } catch {
    return undefined;
  }
  return {
    frames: track.samples,
    headerHash: await sha256([`entry=${track.entry}`, ...header.fields].join("\n")),
    ...(header.level !== undefined ? { level: header.level } : {}),
  };
}

/**
 * Counts the frames of `path`'s video stream and hashes its header (see
 * {@link EncodedChunkInfo.headerHash}), reading the container only: in JS when it reads so
 * ({@link readEncodedChunk}), else with ffprobe and ffmpeg ({@link traceEncodedChunk}).
 * @throws CodecError when ffprobe fails; ChunkMismatchError when it finds no video stream.
 */
export async function probeEncodedChunk(
  path: string,
  backend: CodecBackendName,
  signal?: AbortSignal,
): Promise<EncodedChunkInfo> {
  signal?.throwIfAborted();
  return await readEncodedChunk(path) ?? await traceEncodedChunk(path, backend, signal);
}

/**
 * {@link probeEncodedChunk} with ffmpeg's tools only: ffprobe counts the packets, ffmpeg's
 * `trace_headers` lists the header's fields (for a stream it cannot trace, ffprobe's MD5 of the
 * extradata). Two processes.
 * @throws CodecError when ffprobe fails; ChunkMismatchError when it finds no video stream.
 */
export async function traceEncodedChunk(
  path: string,
  backend: CodecBackendName,
  signal?: AbortSignal,
): Promise<EncodedChunkInfo> {
  const [counted, traced] = await Promise.all([
    runTool({
      backend,
      tool: "ffprobe",
      files: { chunk: { host: path } },
      args: (p) => [
        ...["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_data_hash", "md5"],
        ...["-show_entries", "stream=nb_read_packets,extradata_hash", "-of", "compact"],
        p("chunk"),
      ],
      signal,
    }),
    runTool({
      backend,
      tool: "ffmpeg",
      files: { chunk: { host: path } },
      args: (p) => [
        ...["-hide_banner", "-nostats", "-loglevel", "info", "-i", p("chunk"), "-map", "0:v:0"],
        ...["-c", "copy", "-bsf:v", "trace_headers", "-frames:v", "1", "-f", "null", "-"],
      ],
      signal,
    }),
  ]);
  checkExit(counted, `reading the encoded chunk ${path}`, backend);
  const frames = Number(/nb_read_packets=(\d+)/.exec(counted.stdout)?.[1]);
  if (!Number.isInteger(frames)) {
    throw new ChunkMismatchError(`${path}: no video stream in the encoded chunk`, { backend });
  }
  const header = traced.exitCode === 0 ? traceHeaderFields(traced.stderr) : undefined;
  if (!header) {
    const md5 = /extradata_hash=([^|\s]*)/.exec(counted.stdout)?.[1] ?? "";
    return { frames, headerHash: md5 };
  }
  return {
    frames,
    headerHash: await sha256(header.fields.join("\n")),
    ...(header.level !== undefined ? { level: header.level } : {}),
  };
}

/** Options of {@link checkFrameExact}. */
export interface FrameExactOptions {
  input: string;
  output: string;
  /** The video's (average) frame rate: the audio may be off by one frame of it. */
  fps: Rational;
  backend: CodecBackendName;
  signal?: AbortSignal;
  /** Largest accepted distance between a frame's time in the input and in the output (1 ms). */
  toleranceS?: number;
  /** The input's listing, when the caller has read it already (else it is read here). */
  inputListing?: StreamListing;
}

/** What {@link checkFrameExact} found. */
export interface FrameExactReport {
  /** True when nothing below is wrong. */
  ok: boolean;
  inputFrames: number;
  outputFrames: number;
  /**
   * Largest distance, seconds, between a frame's time (from the first frame) in the output and
   * its time in the input.
   */
  worstTimeErrorS: number;
  /** Audio durations (first audio stream), seconds, when the input has audio. */
  audio?: { input: number; output: number };
  /** What is wrong, one sentence each (empty when `ok`). */
  problems: string[];
}

/** Frame times, seconds from the first frame, in presentation order. */
function frameTimes(listing: StreamListing, path: string): number[] {
  const index = listing.video;
  const order = orderFrames(index, path);
  const tick = index.timeBase.num / index.timeBase.den;
  const first = order.pts[0];
  return Array.from(order.pts, (pts) => (pts - first) * tick);
}

/**
 * Compares `output` with `input`: frame count, every frame's time (relative to the first frame),
 * and the first audio stream's duration (within one frame). One ffprobe per file (none for the
 * input when `inputListing` is given).
 */
export async function checkFrameExact(options: FrameExactOptions): Promise<FrameExactReport> {
  const { backend, signal, fps } = options;
  const tolerance = options.toleranceS ?? 0.001;
  const [inListing, outListing] = await Promise.all([
    options.inputListing ?? readStreamListing(options.input, { backend, signal }),
    readStreamListing(options.output, { backend, signal }),
  ]);
  const input = { times: frameTimes(inListing, options.input) };
  const output = { times: frameTimes(outListing, options.output) };
  const audioIn = inListing.audioDuration;
  const audioOut = outListing.audioDuration;
  const frame = fps.den / fps.num;
  const problems: string[] = [];
  const inputFrames = input.times.length;
  const outputFrames = output.times.length;
  if (inputFrames !== outputFrames) {
    problems.push(`the output has ${outputFrames} frames, the input ${inputFrames}`);
  }
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < Math.min(inputFrames, outputFrames); i++) {
    const error = Math.abs(output.times[i] - input.times[i]);
    if (error > worst) {
      worst = error;
      worstAt = i;
    }
  }
  if (worst > tolerance) {
    problems.push(
      `frame ${worstAt} is at ${output.times[worstAt].toFixed(6)} s in the output, ` +
        `${input.times[worstAt].toFixed(6)} s in the input`,
    );
  }
  const report: FrameExactReport = {
    ok: false,
    inputFrames,
    outputFrames,
    worstTimeErrorS: worst,
    problems,
  };
  if (audioIn !== undefined) {
    report.audio = { input: audioIn, output: audioOut ?? 0 };
    if (audioOut === undefined) problems.push("the output has no audio, the input has");
    else if (Math.abs(audioOut - audioIn) > frame) {
      problems.push(
        `the output's audio lasts ${audioOut.toFixed(3)} s, the input's ${audioIn.toFixed(3)} s`,
      );
    }
  }
  report.ok = problems.length === 0;
  return report;
}
