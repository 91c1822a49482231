/**
 * Joining encoded chunks into the job's output without re-encoding: the concat demuxer reads the
 * chunks in order, each given its exact duration, and the video is copied into one MP4; the
 * input's audio is added once, copied (or AAC where MP4 cannot hold it), with the video's start
 * offset kept as the frame path keeps it. Written to a temporary file beside the output and
 * renamed when complete.
 */
import { audioActionFor, type AudioPlan, concatArgs } from "../args.ts";
import { CodecError } from "../errors.ts";
import type { CodecBackendName, Rational } from "../types.ts";
import { ChunkMismatchError } from "./errors.ts";
import type { StreamListing } from "./packet_index.ts";
import { checkExit, runTool, type ToolFile, toolPath } from "./tools.ts";
import { type EncodedChunkInfo, readEncodedChunk, traceEncodedChunk } from "./verify.ts";

/** An encoded chunk to join. */
export interface JoinChunk {
  path: string;
  /** Its frames. */
  frames: number;
  /** Its duration, seconds (default: its frames at `fps`; a variable-rate chunk gives its own). */
  duration?: number;
  /** Its stream header's hash (`processChunk`'s `headerHash`), when known: must all be equal. */
  headerHash?: string;
  /** The H.264 level its header declares; the output declares the highest of them. */
  level?: number;
}

/** Options of {@link joinChunks}. */
export interface JoinOptions {
  /** The chunks, in order. */
  chunks: JoinChunk[];
  output: string;
  fps: Rational;
  /** The input whose audio streams are added (none: no audio). */
  audioFrom?: string;
  /**
   * How `audioFrom`'s audio is carried, when the caller knows it already ({@link audioPlanOf};
   * null: it has none); else ffprobe reads it here ({@link planAudio}).
   */
  audioPlan?: AudioPlan | null;
  /** MP4 timescale of the video track (default: `fps.num`, exact for a constant rate). */
  timescale?: number;
  backend: CodecBackendName;
  signal?: AbortSignal;
}

/**
 * The audio streams of `path` and how to carry each, and the video's start offset (as the frame
 * path's encoder plans it); undefined when it has no audio.
 */
export async function planAudio(
  path: string,
  backend: CodecBackendName,
  signal?: AbortSignal,
): Promise<AudioPlan | undefined> {
  const result = await runTool({
    backend,
    tool: "ffprobe",
    files: { input: { host: path } },
    args: (
      p,
    ) => ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", p("input")],
    signal,
  });
  checkExit(result, `reading the streams of ${path}`, backend);
  let json: {
    streams?: { codec_type?: string; codec_name?: string; start_time?: string }[];
    format?: { start_time?: string };
  };
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new CodecError(`cannot read the streams of ${path}: ffprobe printed no JSON`);
  }
  const streams = json.streams ?? [];
  const actions = streams.filter((s) => s.codec_type === "audio")
    .map((s) => audioActionFor(s.codec_name ?? ""));
  if (actions.length === 0) return undefined;
  const video = streams.find((s) => s.codec_type === "video");
  const offset = (Number(video?.start_time) || 0) - (Number(json.format?.start_time) || 0);
  return { input: path, actions, videoOffset: Math.max(0, offset) };
}

/**
 * {@link planAudio} from a listing of the file's streams (no ffprobe run): the same plan.
 */
export function audioPlanOf(path: string, listing: StreamListing): AudioPlan | undefined {
  const actions = listing.streams.filter((s) => s.codecType === "audio")
    .map((s) => audioActionFor(s.codecName));
  if (actions.length === 0) return undefined;
  const video = listing.streams.find((s) => s.codecType === "video");
  const offset = (video?.startTime || 0) - (listing.video.startTime || 0);
  return { input: path, actions, videoOffset: Math.max(0, offset) };
}

/**
 * Checks that the chunks' stream headers agree. The hashes the chunks came with are compared
 * first; when they differ (chunks hashed another way: a worker of an older version, or one whose
 * chunk did not read in JS), every chunk is hashed again here, one way — in JS when every chunk
 * reads so, else with ffmpeg's `trace_headers` for all.
 * @throws ChunkMismatchError when the headers differ: the chunks would not play as one stream.
 */
async function checkHeaders(
  chunks: JoinChunk[],
  backend: CodecBackendName,
  signal?: AbortSignal,
): Promise<void> {
  const given = new Set(chunks.map((c) => c.headerHash));
  if (given.size <= 1 && !given.has(undefined) && !given.has("")) return;
  const read = await Promise.all(chunks.map((c) => readEncodedChunk(c.path)));
  const here = read.every((r) => r !== undefined)
    ? read as EncodedChunkInfo[]
    : await Promise.all(chunks.map((c) => traceEncodedChunk(c.path, backend, signal)));
  const hashes = new Set(here.map((h) => h.headerHash));
  if (hashes.size > 1) {
    throw new ChunkMismatchError(
      `the encoded chunks have ${hashes.size} different stream headers: they were encoded with ` +
        "different encoder builds or settings and cannot be joined",
      { backend },
    );
  }
  here.forEach((h, i) => chunks[i].level ??= h.level);
}

/** `'path'` for an ffconcat list, single quotes escaped. */
function quote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/**
 * The ffconcat list: each chunk with its duration (seconds), each written as the difference of
 * two rounded start times, so rounding to microseconds never adds up along the list.
 */
export function concatList(paths: string[], durations: number[]): string {
  let at = 0;
  let line = "ffconcat version 1.0\n";
  paths.forEach((path, i) => {
    const start = Math.round(at * 1e6);
    at += durations[i];
    const end = Math.round(at * 1e6);
    line += `file ${quote(path)}\nduration ${((end - start) / 1e6).toFixed(6)}\n`;
  });
  return line;
}

/**
 * Joins `chunks` into `output`; see the module documentation.
 * @throws ChunkMismatchError when the chunks' headers differ (they would not play as one
 *   stream); CodecError when ffmpeg fails. No output is left behind on failure.
 */
export async function joinChunks(options: JoinOptions): Promise<void> {
  const { chunks, backend, fps } = options;
  if (chunks.length === 0) throw new CodecError("no chunks to join");
  await checkHeaders(chunks, backend, options.signal);
  const audio = !options.audioFrom
    ? undefined
    : options.audioPlan !== undefined
    ? options.audioPlan ?? undefined
    : await planAudio(options.audioFrom, backend, options.signal);
  const slash = options.output.lastIndexOf("/");
  const dir = slash < 0 ? "." : options.output.slice(0, slash) || "/";
  const base = options.output.slice(slash + 1);
  const temp = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.part.mp4`;
  const list = `${dir}/.${base}.${crypto.randomUUID().slice(0, 8)}.ffconcat`;
  const files: Record<string, ToolFile> = {
    list: { host: list },
    output: { host: temp, write: true },
  };
  chunks.forEach((chunk, i) => files[`chunk${i}`] = { host: chunk.path });
  if (audio) files.audio = { host: audio.input };
  const names = chunks.map((_, i) => toolPath(backend, `chunk${i}`, files[`chunk${i}`]));
  // Chunks at different rates (a variable frame rate) may declare different levels: the output's
  // header, the first chunk's, is raised to the highest.
  const levels = new Set(chunks.map((c) => c.level).filter((l) => l !== undefined));
  const raise = levels.size > 1 ? ["-bsf:v", `h264_metadata=level=${Math.max(...levels)}`] : [];
  try {
    const frame = fps.den / fps.num;
    const durations = chunks.map((c) => c.duration ?? c.frames * frame);
    await Deno.writeTextFile(list, concatList(names, durations));
    const result = await runTool({
      backend,
      tool: "ffmpeg",
      files,
      args: (p) => {
        const args = concatArgs({
          list: p("list"),
          output: p("output"),
          timescale: options.timescale ?? fps.num,
          audio: audio ? { ...audio, input: p("audio") } : undefined,
        });
        args.splice(args.length - 3, 0, ...raise); // before `-f mp4 <output>`
        return ["-y", ...args];
      },
      signal: options.signal,
    });
    checkExit(result, `joining ${chunks.length} chunks into ${options.output}`, backend);
    await Deno.rename(temp, options.output);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  } finally {
    await Deno.remove(list).catch(() => {});
  }
}
