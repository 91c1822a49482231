/**
 * Checks that segment mode kept every frame where it was: an encoded chunk's frame count and
 * header, and the joined output against the input — the same number of frames, each at the same
 * time, and the audio as long. All from the containers' packet lists (ffprobe), no decoding.
 */
import type { CodecBackendName, Rational } from "../types.ts";
import { ChunkMismatchError } from "./errors.ts";
import { orderFrames } from "./frame_order.ts";
import { readPacketIndex } from "./packet_index.ts";
import { checkExit, runTool } from "./tools.ts";

/** An encoded chunk: its frames and its stream header's hash and level. */
export interface EncodedChunkInfo {
  frames: number;
  /**
   * `sha256:…` of the stream's header: for H.264 the decoding-relevant fields of its SPS and PPS
   * (as ffmpeg's `trace_headers` reads them), without the level and the limits derived from it;
   * chunks join by stream copy only when theirs are equal.
   */
  headerHash: string;
  /** H.264 `level_idc` (e.g. 31 for 3.1): x264 derives it from the frame rate it was given. */
  level?: number;
}

/**
 * SPS fields that follow from the level alone (x264 sets them from it): they differ between
 * chunks encoded at different nominal rates and change no decoded picture.
 */
const LEVEL_FIELDS = new Set([
  "level_idc",
  "log2_max_mv_length_horizontal",
  "log2_max_mv_length_vertical",
  "max_bytes_per_pic_denom",
  "max_bits_per_mb_denom",
]);

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
 * Counts the packets of `path`'s video stream and hashes its header (see
 * {@link EncodedChunkInfo.headerHash}; for a stream ffmpeg cannot trace, its extradata's MD5),
 * reading the container only.
 * @throws CodecError when ffprobe fails; ChunkMismatchError when it finds no video stream.
 */
export async function probeEncodedChunk(
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
async function frameTimes(path: string, backend: CodecBackendName, signal?: AbortSignal) {
  const index = await readPacketIndex(path, { backend, signal });
  const order = orderFrames(index, path);
  const tick = index.timeBase.num / index.timeBase.den;
  const first = order.pts[0];
  return { times: Array.from(order.pts, (pts) => (pts - first) * tick), timeBase: index.timeBase };
}

/** Duration of the first audio stream, seconds, or undefined without audio. */
async function audioDuration(
  path: string,
  backend: CodecBackendName,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const result = await runTool({
    backend,
    tool: "ffprobe",
    files: { input: { host: path } },
    args: (p) => [
      ...["-v", "error", "-select_streams", "a:0"],
      ...["-show_entries", "stream=time_base:packet=pts,duration", "-of", "compact", p("input")],
    ],
    signal,
  });
  checkExit(result, `reading the audio of ${path}`, backend);
  const tb = /time_base=(\d+)\/(\d+)/.exec(result.stdout);
  if (!tb) return undefined;
  let start = Infinity;
  let end = -Infinity;
  for (const m of result.stdout.matchAll(/pts=(-?\d+)\|duration=(\d+)/g)) {
    start = Math.min(start, Number(m[1]));
    end = Math.max(end, Number(m[1]) + Number(m[2]));
  }
  if (!Number.isFinite(start)) return undefined;
  return ((end - start) * Number(tb[1])) / Number(tb[2]);
}

/**
 * Compares `output` with `input`: frame count, every frame's time (relative to the first frame),
 * and the first audio stream's duration (within one frame).
 */
export async function checkFrameExact(options: FrameExactOptions): Promise<FrameExactReport> {
  const { backend, signal, fps } = options;
  const tolerance = options.toleranceS ?? 0.001;
  const [input, output, audioIn, audioOut] = await Promise.all([
    frameTimes(options.input, backend, signal),
    frameTimes(options.output, backend, signal),
    audioDuration(options.input, backend, signal),
    audioDuration(options.output, backend, signal),
  ]);
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
