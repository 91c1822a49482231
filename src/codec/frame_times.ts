/**
 * Frame times: when each frame of a video is shown, read from its packets without decoding
 * (`ffprobe -select_streams v:0 -show_entries packet=pts,flags`: for the usual codecs the sorted
 * packet times are the presentation times of the decoded frames), and whether they keep a
 * constant rate. Pure: parsing and arithmetic; probe.ts runs ffprobe.
 *
 * A video has a variable frame rate (VFR) when timing frame i at i / fps — what raw frames at a
 * constant rate give — would put some frame more than {@link RATE_TOLERANCE_S} (1 ms) or one tick
 * of the stream's time base away from its own time. Then the encoder is given each frame's time
 * (`EncodeOptions.timing`), and the output keeps them.
 */
import type { Rational } from "./types.ts";

/** The presentation times of a video stream's frames. */
export interface FrameTimes {
  /**
   * Seconds from the first frame (so `pts[0]` is 0), one per frame in presentation order,
   * strictly increasing.
   */
  readonly pts: Float64Array;
  /** The stream's time base (e.g. 1/90000), whose ticks the times are whole multiples of. */
  readonly timeBase: Rational;
  /** Seconds from the first frame to the end of the last (the stream's duration), when known. */
  duration?: number;
}

/** Largest distance from the constant-rate grid still called constant: 1 ms. */
export const RATE_TOLERANCE_S = 0.001;

/**
 * ffprobe's arguments that list the first video stream's packet times (no decoding), in the
 * format {@link parseFrameTimes} reads.
 */
export function frameTimesArgs(input: string): string[] {
  return [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=time_base:packet=pts,flags",
    "-of",
    "compact=nk=1",
    input,
  ];
}

/**
 * Reads {@link frameTimesArgs}' output: `stream|1/90000` and one `packet|<pts>|<flags>` per
 * packet. Packets without a time (`N/A`) or marked discard (`D`: before an edit list's start) are
 * left out; the rest are sorted (decode order → presentation order), made relative to the first,
 * and nudged apart by a tick where two share a time, so they strictly increase.
 * @returns undefined when there is no time base or no packet with a time.
 */
export function parseFrameTimes(stdout: string): FrameTimes | undefined {
  let timeBase: Rational | undefined;
  const ticks: number[] = [];
  for (const line of stdout.split("\n")) {
    const fields = line.trim().split("|");
    if (fields[0] === "stream" && !timeBase) {
      const [num, den] = (fields[1] ?? "").split("/").map(Number);
      if (Number.isInteger(num) && Number.isInteger(den) && num > 0 && den > 0) {
        timeBase = { num, den };
      }
    } else if (fields[0] === "packet") {
      const pts = Number(fields[1]);
      if (fields[1] === "N/A" || !Number.isSafeInteger(pts)) continue;
      if ((fields[2] ?? "").includes("D")) continue;
      ticks.push(pts);
    }
  }
  if (!timeBase || ticks.length === 0) return undefined;
  ticks.sort((a, b) => a - b);
  const first = ticks[0];
  const seconds = timeBase.num / timeBase.den;
  const pts = new Float64Array(ticks.length);
  let previous = -1;
  for (let i = 0; i < ticks.length; i++) {
    const tick = Math.max(ticks[i] - first, previous + 1);
    pts[i] = tick * seconds;
    previous = tick;
  }
  return { pts, timeBase };
}

/** One tick of `timeBase`, seconds. */
function tickSeconds(timeBase: Rational): number {
  return timeBase.num / timeBase.den;
}

/**
 * The largest distance, seconds, between a frame's time and i / fps (where a constant-rate
 * encoder puts frame i).
 */
export function constantRateError(times: FrameTimes, fps: Rational): number {
  const frame = fps.den / fps.num;
  let worst = 0;
  for (let i = 0; i < times.pts.length; i++) {
    worst = Math.max(worst, Math.abs(times.pts[i] - i * frame));
  }
  return worst;
}

/**
 * True when timing the frames at a constant `fps` keeps every frame within 1 ms (or one tick of
 * the time base, when that is longer) of its own time.
 */
export function isConstantRate(times: FrameTimes, fps: Rational): boolean {
  const tolerance = Math.max(RATE_TOLERANCE_S, tickSeconds(times.timeBase)) + 1e-9;
  return constantRateError(times, fps) <= tolerance;
}

/**
 * Frame `index`'s time: from the list, or past its end (a decoder that yields more frames than
 * the packets listed) one frame at `fps` after the previous.
 */
export function frameTime(times: FrameTimes, index: number, fps: Rational): number {
  const { pts } = times;
  if (index < pts.length) return pts[index];
  return pts[pts.length - 1] + (index - pts.length + 1) * (fps.den / fps.num);
}

/**
 * How long the last frame is shown, seconds: until the stream's end (`times.duration`) when that
 * is after it and within four frames at `fps`, else one frame at `fps`.
 */
export function lastFrameDuration(times: FrameTimes, fps: Rational): number {
  const frame = fps.den / fps.num;
  const last = times.pts[times.pts.length - 1];
  const left = (times.duration ?? NaN) - last;
  const tick = tickSeconds(times.timeBase);
  return Number.isFinite(left) && left >= tick && left <= 4 * frame ? left : frame;
}

/**
 * The MP4 timescale that keeps the times on their ticks: the time base's denominator when it is
 * 1/N with N in 1..10 000 000 (e.g. 90000, 12288, 1000), else undefined (ffmpeg chooses).
 */
export function timescaleOf(times: FrameTimes): number | undefined {
  const { num, den } = times.timeBase;
  return num === 1 && den >= 1 && den <= 10_000_000 ? den : undefined;
}
