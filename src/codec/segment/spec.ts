/**
 * What a worker needs to turn a chunk into its segment's encoded frames: which decoded frames to
 * keep, the frame size and rate, and the job's encoder settings. Small and JSON-safe (it travels
 * in a BullMQ job's data). Pure.
 */
import type { Rational, VideoInfo } from "../types.ts";
import type { FrameOrder } from "./frame_order.ts";
import type { PacketIndex } from "./packet_index.ts";
import type { SegmentPlan } from "./plan.ts";

/** How to process one chunk. */
export interface ChunkSpec {
  /** Decoded frames before the range: dropped. */
  skip: number;
  /** Frames of the range: filtered and encoded, so the encoded chunk has exactly this many. */
  frames: number;
  /** Frames the chunk decodes to in all (`skip`, the range, frames after it): checked. */
  decoded: number;
  /** Decoded (upright) frame size. */
  width: number;
  height: number;
  /**
   * The filtered frames' size, when the chain changes it (scale, crop, pad, transpose): the
   * encoded chunk's. Default: the decoded size.
   */
  output?: { width: number; height: number };
  /** Frame rate of the encoded chunk (the input's). */
  fps: Rational;
  /** x264 CRF and preset: the job's, the same for every chunk so the chunks join. */
  crf?: number;
  preset?: string;
  /**
   * A variable frame rate: each frame's time, seconds from the range's first frame (so `times[0]`
   * is 0), kept by the encoder (`timing: "pts"`). Absent: frames at the constant `fps`.
   */
  times?: number[];
  /** With `times`: the chunk's duration, seconds (up to the next segment's first frame). */
  duration?: number;
  /** With `times`: the encoded chunk's timescale (the input's, so times stay on its ticks). */
  timescale?: number;
  /**
   * Time of the range's first frame in the input, seconds from the input's first frame: filters
   * that depend on the time (fade) see each frame at `startTime` + its time in the range.
   * Default 0.
   */
  startTime?: number;
}

/** The time of the range's `position`-th frame in the input, seconds (for time-aware filters). */
export function frameTimeInInput(spec: ChunkSpec, position: number): number {
  const inRange = spec.times ? spec.times[position] : (position * spec.fps.den) / spec.fps.num;
  return (spec.startTime ?? 0) + inRange;
}

/** Frame times of a variable-rate input, for {@link chunkSpec}. */
export interface ChunkTiming {
  /** Every frame's presentation timestamp, presentation order, in ticks of `timeBase`. */
  pts: Float64Array;
  timeBase: Rational;
  /** How long the video's last frame is shown, seconds. */
  lastFrameDuration: number;
}

/**
 * The frame times chunks keep when the rate is variable (the frame path keeps them too), or
 * undefined for a constant rate (frames at i / fps). The last frame lasts until the stream's end
 * when that is within four frames, else one frame (as the frame path's encoder decides).
 */
export function chunkTiming(
  info: Pick<VideoInfo, "variableFrameRate" | "fps" | "duration">,
  index: PacketIndex,
  order: FrameOrder,
): ChunkTiming | undefined {
  if (!info.variableFrameRate) return undefined;
  const tick = index.timeBase.num / index.timeBase.den;
  const frame = info.fps.den / info.fps.num;
  const last = (order.pts[order.frames - 1] - order.pts[0]) * tick;
  const left = info.duration - last;
  return {
    pts: order.pts,
    timeBase: index.timeBase,
    lastFrameDuration: left >= tick && left <= 4 * frame ? left : frame,
  };
}

/** Seconds rounded to the microsecond (what JSON and ffmpeg keep). */
function micro(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/** The spec of a planned segment, for frames of `width`×`height` at `fps`. */
export function chunkSpec(
  plan: SegmentPlan,
  video: {
    width: number;
    height: number;
    fps: Rational;
    crf?: number;
    preset?: string;
    output?: { width: number; height: number };
  },
  timing?: ChunkTiming,
): ChunkSpec {
  const spec: ChunkSpec = {
    skip: plan.skip,
    frames: plan.end - plan.start,
    decoded: plan.decoded,
    width: video.width,
    height: video.height,
    fps: { num: video.fps.num, den: video.fps.den },
  };
  const out = video.output;
  if (out && (out.width !== video.width || out.height !== video.height)) {
    spec.output = { width: out.width, height: out.height };
  }
  if (video.crf !== undefined) spec.crf = video.crf;
  if (video.preset !== undefined) spec.preset = video.preset;
  spec.startTime = timing
    ? micro((timing.pts[plan.start] - timing.pts[0]) * (timing.timeBase.num / timing.timeBase.den))
    : (plan.start * video.fps.den) / video.fps.num;
  if (timing) {
    const tick = timing.timeBase.num / timing.timeBase.den;
    const first = timing.pts[plan.start];
    const times: number[] = [];
    for (let f = plan.start; f < plan.end; f++) times.push(micro((timing.pts[f] - first) * tick));
    spec.times = times;
    spec.duration = plan.end < timing.pts.length
      ? micro((timing.pts[plan.end] - first) * tick)
      : micro(times[times.length - 1] + timing.lastFrameDuration);
    const { num, den } = timing.timeBase;
    if (num === 1 && den <= 10_000_000) spec.timescale = den;
  }
  return spec;
}

/** A chunk's duration, seconds: its own (`duration`) or its frames at the constant rate. */
export function chunkDuration(spec: ChunkSpec): number {
  return spec.duration ?? (spec.frames * spec.fps.den) / spec.fps.num;
}

function int(value: unknown, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new RangeError(`chunk spec ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * `value` as a ChunkSpec (e.g. read from job data written by another version).
 * @throws RangeError naming the first bad field and the value seen.
 */
export function checkChunkSpec(value: unknown): ChunkSpec {
  if (value === null || typeof value !== "object") {
    throw new RangeError(`chunk spec must be an object, got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const skip = int(v.skip, "skip", 0);
  const frames = int(v.frames, "frames", 1);
  const decoded = int(v.decoded, "decoded", skip + frames);
  int(v.width, "width", 1);
  int(v.height, "height", 1);
  if (v.output !== undefined) {
    const out = v.output as Record<string, unknown> | null;
    if (out === null || typeof out !== "object") {
      throw new RangeError(`chunk spec output must be {width, height}, got ${v.output}`);
    }
    int(out.width, "output.width", 1);
    int(out.height, "output.height", 1);
  }
  const fps = v.fps as Record<string, unknown> | null;
  if (fps === null || typeof fps !== "object") {
    throw new RangeError(`chunk spec fps must be {num, den}, got ${JSON.stringify(v.fps)}`);
  }
  int(fps.num, "fps.num", 1);
  int(fps.den, "fps.den", 1);
  if (v.crf !== undefined && (typeof v.crf !== "number" || !(v.crf >= 0 && v.crf <= 51))) {
    throw new RangeError(`chunk spec crf must be a number in 0..51, got ${v.crf}`);
  }
  if (v.preset !== undefined && typeof v.preset !== "string") {
    throw new RangeError(`chunk spec preset must be a string, got ${v.preset}`);
  }
  void decoded;
  if (
    v.startTime !== undefined &&
    (typeof v.startTime !== "number" || !Number.isFinite(v.startTime) || v.startTime < 0)
  ) {
    throw new RangeError(`chunk spec startTime must be seconds >= 0, got ${v.startTime}`);
  }
  if (v.times !== undefined) {
    const times = v.times as unknown[];
    const ok = Array.isArray(times) && times.length === frames && times[0] === 0 &&
      times.every((t, i) =>
        typeof t === "number" && Number.isFinite(t) && (i === 0 || t > (times[i - 1] as number))
      );
    if (!ok) {
      throw new RangeError(
        `chunk spec times must be ${frames} increasing seconds from 0, got ${
          JSON.stringify(times).slice(0, 80)
        }`,
      );
    }
    const last = times[times.length - 1] as number;
    if (typeof v.duration !== "number" || !(v.duration > last)) {
      throw new RangeError(`chunk spec duration must be seconds > ${last}, got ${v.duration}`);
    }
    if (v.timescale !== undefined) int(v.timescale, "timescale", 1);
  }
  return v as unknown as ChunkSpec;
}
