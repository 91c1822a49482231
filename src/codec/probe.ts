/**
 * `probe(input)`: what a video file is (size, rate, frame count, duration, rotation, pixel
 * format, audio), or an {@link InvalidInputError} saying why it is not a usable video.
 *
 * Checks run cheapest first: the file exists and is not empty; its first bytes are not an image
 * or text; an MP4's top-level boxes all fit in the file (a cut download is caught here, before
 * ffmpeg would half-read it); then ffprobe; then the {@link InputLimits}.
 */
import { resolveBackend } from "./backend.ts";
import { InvalidInputError } from "./errors.ts";
import { type FrameTimes, frameTimesArgs, isConstantRate, parseFrameTimes } from "./frame_times.ts";
import { probeArgs } from "./args.ts";
import { type Mp4Spacing, mp4Spacing } from "./mp4_timing.ts";
import { checkDimensions, checkFrameCount, resolveLimits } from "./limits.ts";
import { nativeProbe } from "./native/probe.ts";
import { parseProbeOutput, type ProbeResult } from "./probe_parse.ts";
import type { ProbeOutput } from "./raw_codec.ts";
import { isIsoBmff, sniffHead, walkTopLevelBoxes } from "./sniff.ts";
import type { CodecBackendName, CodecChoice, InputLimits, VideoInfo } from "./types.ts";
import { wasmProbe } from "./wasm/probe.ts";

/** Options for {@link probe}. */
export interface ProbeOptions {
  /** Default `auto`. */
  backend?: CodecChoice;
  /** Defaults in {@link DEFAULT_LIMITS}. */
  limits?: InputLimits;
}

/** What an ffprobe run lists: streams and format; that with packets counted; packet times. */
export type ProbeKind = "streams" | "count" | "times";

function argsFor(kind: ProbeKind): (input: string) => string[] {
  return kind === "times"
    ? frameTimesArgs
    : (input) => probeArgs(input, { countPackets: kind === "count" });
}

/** Recent ffprobe outputs, keyed by backend, kind, path, size and modification time. */
const recent = new Map<string, Promise<ProbeOutput>>();
const RECENT_MAX = 16;

/**
 * Runs ffprobe with the given backend. The output is remembered for an unchanged file (same
 * size and modification time), so probe → decode → encode of one file probes it once.
 */
export async function runProbe(
  backend: CodecBackendName,
  path: string,
  kind: ProbeKind,
): Promise<ProbeOutput> {
  let key: string | undefined;
  try {
    const stat = await Deno.stat(path);
    key = `${backend}|${kind}|${stat.size}|${stat.mtime?.getTime()}|${path}`;
  } catch {
    // let ffprobe report it
  }
  const cached = key ? recent.get(key) : undefined;
  if (cached) return cached;
  const output = backend === "native"
    ? nativeProbe(path, argsFor(kind))
    : wasmProbe(path, argsFor(kind));
  if (key) {
    recent.set(key, output);
    output.catch(() => recent.delete(key!));
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  }
  return await output;
}

async function readAt(file: Deno.FsFile, position: number, length: number): Promise<Uint8Array> {
  await file.seek(position, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(out.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return out.subarray(0, filled);
}

/** Checks the file itself before ffmpeg sees it. @throws InvalidInputError */
export async function precheckFile(input: string): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(input);
  } catch (error) {
    throw new InvalidInputError(
      "unreadable",
      input,
      `cannot be read: ${(error as Error).message}; check the path`,
      { cause: error },
    );
  }
  if (!stat.isFile) {
    throw new InvalidInputError("unreadable", input, "is not a regular file; give a video file");
  }
  if (stat.size === 0) {
    throw new InvalidInputError("empty", input, "is empty (0 bytes); give a video file");
  }
  using file = await Deno.open(input, { read: true });
  const head = await readAt(file, 0, 4096);
  const kind = sniffHead(head);
  if (kind.kind === "image") {
    throw new InvalidInputError(
      "image",
      input,
      `is a ${kind.format} image, not a video; give a video file`,
    );
  }
  if (kind.kind === "text") {
    throw new InvalidInputError(
      "not-video",
      input,
      "is a text file, not a video; give a video file",
    );
  }
  if (isIsoBmff(head)) {
    const walk = await walkTopLevelBoxes((at, length) => readAt(file, at, length), stat.size);
    if (walk.truncated) {
      const last = walk.boxes.at(-1);
      throw new InvalidInputError(
        "truncated",
        input,
        `the MP4 is truncated: ${
          last ? `box '${last.type}' at byte ${last.start} needs ${last.size} bytes but` : ""
        } the file ends at byte ${stat.size}; upload or export it again`,
      );
    }
    if (walk.moov === -1) {
      throw new InvalidInputError(
        "truncated",
        input,
        "the MP4 has no index (no moov box): it is truncated or unfinished; export it again",
      );
    }
  }
}

/** Recent {@link mp4Spacing} answers, keyed by path, size and modification time. */
const spacings = new Map<string, Promise<Mp4Spacing>>();

/** {@link mp4Spacing}, remembered for an unchanged file (probe → decode → encode read it once). */
async function spacingOf(path: string): Promise<Mp4Spacing> {
  let key: string;
  try {
    const stat = await Deno.stat(path);
    key = `${stat.size}|${stat.mtime?.getTime()}|${path}`;
  } catch {
    return "unknown";
  }
  let spacing = spacings.get(key);
  if (!spacing) {
    spacing = mp4Spacing(path);
    spacings.set(key, spacing);
    if (spacings.size > RECENT_MAX) spacings.delete(spacings.keys().next().value!);
  }
  return await spacing;
}

/** Parsed times by ffprobe output (the remembered outputs are parsed once). */
const parsedTimes = new WeakMap<ProbeOutput, FrameTimes | undefined>();

function timesOf(output: ProbeOutput): FrameTimes | undefined {
  if (!parsedTimes.has(output)) parsedTimes.set(output, parseFrameTimes(output.stdout));
  return parsedTimes.get(output);
}

/**
 * What ffprobe says of `input`, with the frame times read where the header leaves the rate or
 * the frame count open: the times pass lists every packet of the video stream (a demux, no
 * decoding), which counts the frames too, so a file without a listed count (Matroska, WebM,
 * MPEG-TS) costs no pass more than counting did. A file whose header vouches for a constant rate
 * (see `headerRate`) is not read further — for an MP4, once its index's sample durations agree
 * (mp4_timing.ts: a read of the `moov` box, no ffprobe).
 * @throws InvalidInputError for an input that is not a usable video.
 */
async function inspect(backend: CodecBackendName, input: string): Promise<ProbeResult> {
  const output = await runProbe(backend, input, "streams");
  const result = parseProbeOutput(output.stdout, output.stderr, input);
  const estimated = result.frameCountSource === "estimated";
  // The header vouches for a constant rate; an MP4's index (its sample durations) must agree.
  if (!estimated && result.headerRate === "constant") {
    const spacing = await spacingOf(input);
    if (spacing === "even" || spacing === "not-mp4") return result;
  }
  const times = timesOf(await runProbe(backend, input, "times"));
  const { info } = result;
  if (times) {
    if (estimated) {
      info.frameCount = times.pts.length;
      result.frameCountSource = "counted";
    }
    info.variableFrameRate = !isConstantRate(times, info.fps);
    if (info.variableFrameRate) result.times = { ...times, duration: info.duration };
    return result;
  }
  if (!estimated) return result;
  const counted = await runProbe(backend, input, "count");
  return parseProbeOutput(counted.stdout, counted.stderr, input);
}

/**
 * Probes and validates, returning the info plus where its frame count came from (the decoder
 * checks a listed count) and, for a variable frame rate, the frame times.
 * @throws InvalidInputError for an unusable input; CodecError when ffprobe fails otherwise.
 */
export async function probeDetailed(
  input: string,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const limits = resolveLimits(options.limits);
  const backend = await resolveBackend(options.backend);
  await precheckFile(input);
  const result = await inspect(backend, input);
  checkDimensions(result.info.width, result.info.height, limits, input);
  checkFrameCount(result.info.frameCount, limits, input);
  return result;
}

/**
 * The frame times of `input` when it has a variable frame rate (each frame's own time, seconds
 * from the first frame), or undefined when its frames are evenly spaced (frame i at i / fps, to
 * 1 ms). Costs nothing more after a {@link probe} of the same unchanged file (the ffprobe
 * outputs are remembered), and no pass over the packets for a file whose header vouches for a
 * constant rate.
 * @param options.backend `auto` (default), `wasm` or `native`.
 * @throws InvalidInputError when the input is not a usable video.
 */
export async function readFrameTimes(
  input: string,
  options: { backend?: CodecChoice } = {},
): Promise<FrameTimes | undefined> {
  const backend = await resolveBackend(options.backend);
  return (await inspect(backend, input)).times;
}

/**
 * Describes a video file: width and height (as decoded: upright, so swapped for a 90°/270°
 * rotation), frame rate as a rational, frame count, duration, rotation, pixel format, video
 * codec and audio streams.
 * @param options.backend `auto` (default), `wasm` or `native`.
 * @param options.limits refuse inputs past these (defaults: 7680 px per side, 1 000 000 frames).
 * @throws InvalidInputError when the input is missing, empty, not a video, an image, audio only,
 *   truncated, or past the limits.
 */
export async function probe(input: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  return (await probeDetailed(input, options)).info;
}
