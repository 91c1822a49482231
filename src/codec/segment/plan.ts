/**
 * Segment planning: where to cut a video into segments of about `targetFrames` frames, and which
 * packets each segment's chunk must hold so that decoding it gives the segment's frames. Pure.
 *
 * - Boundaries snap to a keyframe within half a segment of the ideal place, so chunks usually
 *   start where their range starts. Where keyframes are further apart (long GOPs, a single
 *   keyframe), a boundary falls between keyframes: that chunk then starts at the keyframe before
 *   its range, and the worker decodes and drops the frames in between.
 * - A chunk is the packets `[from, to)` in decode order: `from` a keyframe at or before the range,
 *   `to` just past the last packet any frame up to the range's end needs. So B-frames shown
 *   before a later packet, and the leading frames of the next keyframe in an open GOP (decoded
 *   after it, shown before it), are in the chunk. The chunk then goes on until it leaves no gap:
 *   every frame shown before the last frame it holds is in it (a decoder left with a hole in its
 *   reordering at the end of a stream may not show the frames around it), and at least two
 *   reordering groups past its keyframe (see `reorderTail`; near the video's end a chunk starts a
 *   keyframe earlier instead).
 * - The leading frames of the chunk's first keyframe (in an open GOP: decoded after it, shown
 *   before it, referring to frames before the chunk) cannot be decoded from the chunk and belong
 *   to the segment before: they are left out of the chunk (`drop`), so that the decoder starts
 *   clean (a decoder that met them may then hide frames at the chunk's end).
 * - With several live workers the last round is balanced ({@link balanceBoundaries}): workers take
 *   segments in order as they become free, so the last segments are split in two (at a keyframe
 *   near their middle) when that lets the workers finish sooner — short segments at the end fill
 *   the gaps the long ones leave, instead of most machines waiting on the last few.
 * - What a chunk decodes to is known in advance: every packet it holds shows its frame. `skip`
 *   frames come before the range, then the range, then frames after it that were needed only for
 *   reordering.
 */
import type { Rational } from "../types.ts";
import type { FrameOrder } from "./frame_order.ts";
import { SegmentUnsupportedError } from "./errors.ts";

/** One segment of a job and the chunk of packets it needs. */
export interface SegmentPlan {
  /** Position of the segment in the job, from 0. */
  index: number;
  /** Its frames, `[start, end)` in presentation order. */
  start: number;
  end: number;
  /** The chunk's packets, `[from, to)` in decode order; `from` is a keyframe. */
  from: number;
  to: number;
  /**
   * Packets of `[from, to)` left out of the chunk, as offsets from `from`: the leading frames of
   * the keyframe at `from` (an open GOP's). The chunk holds `to - from - drop.length` packets.
   */
  drop: number[];
  /** Frames the chunk decodes to before the range's first one (dropped). */
  skip: number;
  /** Frames the whole chunk decodes to (`skip` + range + frames after it): its packets. */
  decoded: number;
}

/** Segments given to every live worker, at least, where the video is long enough: 3. */
export const SEGMENTS_PER_WORKER = 3;
/** Shortest segment chosen to spread work over workers: half a second. */
export const MIN_SEGMENT_SECONDS = 0.5;

/** Options of {@link targetSegmentFrames}. */
export interface TargetOptions {
  /** Frames of the video. */
  frames: number;
  fps: Rational;
  /** The wanted segment length, seconds (`--segment-seconds`). */
  segmentSeconds: number;
  /** Live workers (at least 1 is assumed). */
  workers: number;
  /** Segments per worker wanted at least (default {@link SEGMENTS_PER_WORKER}). */
  perWorker?: number;
}

/**
 * Frames per segment: `segmentSeconds` of video, shortened so that every live worker gets
 * `perWorker` segments (so the last round does not leave most workers idle), but not below
 * {@link MIN_SEGMENT_SECONDS} (or `segmentSeconds`, when that is shorter). At least 1.
 * @throws RangeError for a bad option.
 */
export function targetSegmentFrames(options: TargetOptions): number {
  const { frames, fps, segmentSeconds } = options;
  if (!Number.isInteger(frames) || frames < 1) {
    throw new RangeError(`frames must be an integer >= 1, got ${frames}`);
  }
  if (!(segmentSeconds > 0) || !Number.isFinite(segmentSeconds)) {
    throw new RangeError(`segmentSeconds must be a number > 0, got ${segmentSeconds}`);
  }
  const rate = fps.num / fps.den;
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(`fps must be positive, got ${fps.num}/${fps.den}`);
  }
  const workers = Math.max(1, Math.floor(options.workers) || 1);
  const perWorker = options.perWorker ?? SEGMENTS_PER_WORKER;
  const byTime = Math.max(1, Math.round(segmentSeconds * rate));
  const spread = Math.ceil(frames / (perWorker * workers));
  const floor = Math.min(byTime, Math.max(1, Math.round(MIN_SEGMENT_SECONDS * rate)));
  return Math.max(floor, Math.min(byTime, spread));
}

/**
 * Where segments start: frame indices from 0, plus `frames` at the end. Each segment but the
 * last is within half a target of `targetFrames` long; the last is at most 1.5 targets.
 *
 * `reach` (frames, for one worker: see {@link PlanOptions.keyframeReach}): where no keyframe lies
 * within half a target of the ideal place, the segment grows to the next keyframe — or to the end
 * of the video — when that is at most `reach` frames from its start, instead of ending between
 * keyframes (which makes the next chunk decode and drop the frames from its keyframe on).
 */
export function planBoundaries(
  order: FrameOrder,
  targetFrames: number,
  reach = 0,
): number[] {
  if (!Number.isInteger(targetFrames) || targetFrames < 1) {
    throw new RangeError(`targetFrames must be an integer >= 1, got ${targetFrames}`);
  }
  const n = order.frames;
  const keyFrames = Array.from(order.keyframes, (d) => order.frameOf[d]).sort((a, b) => a - b);
  const bounds = [0];
  let pos = 0;
  let k = 0; // first keyframe index not yet behind pos
  while (n - pos > targetFrames * 1.5) {
    const ideal = pos + targetFrames;
    const low = pos + Math.ceil(targetFrames / 2);
    const high = Math.min(n - 1, pos + Math.floor(targetFrames * 1.5));
    while (k < keyFrames.length && keyFrames[k] < low) k++;
    let best = -1;
    let j = k;
    for (; j < keyFrames.length && keyFrames[j] <= high; j++) {
      if (best < 0 || Math.abs(keyFrames[j] - ideal) < Math.abs(best - ideal)) best = keyFrames[j];
    }
    if (best < 0 && reach > 0) {
      const next = j < keyFrames.length ? keyFrames[j] : n;
      if (next - pos <= reach) {
        if (next >= n) break; // the rest is one segment
        best = next;
      }
    }
    pos = best >= 0 ? best : ideal;
    bounds.push(pos);
  }
  bounds.push(n);
  return bounds;
}

/**
 * A segment's fixed cost (process starts, the chunk's trip through the queue) in frames of work,
 * as a share of the target segment's frames: 0.1 (measured: ~0.6 s of a 0.3-core worker per
 * segment, against ~6 s for a 2 s segment of 720p).
 */
export const SEGMENT_OVERHEAD = 0.1;
/** Segments at the end {@link balanceBoundaries} considers splitting, per worker: 4. */
const SPLIT_ROUNDS = 4;

/**
 * Workers taking segments of `lengths` frames in order, each as soon as it is free (the one free
 * first, from `free`, their busy times so far): their busy times after (a new array).
 */
function schedule(free: readonly number[], lengths: readonly number[], overhead: number): number[] {
  const out = free.slice();
  for (const length of lengths) {
    let first = 0;
    for (let w = 1; w < out.length; w++) if (out[w] < out[first]) first = w;
    out[first] += length + overhead;
  }
  return out;
}

/**
 * When `workers` workers, each taking the next segment in order as soon as it is free, finish
 * segments of `lengths` frames, each costing `overhead` frames more (pure).
 */
export function finishTime(lengths: number[], workers: number, overhead: number): number {
  const free = new Array<number>(Math.max(1, Math.floor(workers) || 1)).fill(0);
  return Math.max(...schedule(free, lengths, overhead));
}

/** Options of {@link balanceBoundaries}. */
export interface BalanceOptions {
  /** Live workers: with 1 (or fewer), nothing is split. */
  workers: number;
  /** The target segment length, frames (its {@link SEGMENT_OVERHEAD} is a segment's cost). */
  targetFrames: number;
  /** Shortest segment a split may make (default: a quarter of the target, at least 1). */
  minFrames?: number;
}

/**
 * Balances the last round: splits each of the last `s` segments in two, at the keyframe nearest
 * its middle (keyframes permitting: none where no keyframe leaves both halves `minFrames` long),
 * choosing the `s` with which `workers` finish soonest ({@link finishTime}; each segment costs
 * {@link SEGMENT_OVERHEAD} of the target more), the fewest splits among equals. With a keyframe
 * every second, 20 s and 4 workers: 2 s segments give 10 (three rounds, the last half idle);
 * splitting the last two gives 8 of 2 s and 4 of 1 s, which 4 workers finish in 2.5 rounds.
 * @returns boundaries as {@link planBoundaries} gives them (frame indices, then the frame count).
 */
export function balanceBoundaries(
  order: FrameOrder,
  bounds: number[],
  options: BalanceOptions,
): number[] {
  const workers = Math.floor(options.workers) || 1;
  const segments = bounds.length - 1;
  if (workers <= 1 || segments < 1) return bounds;
  const min = Math.max(1, options.minFrames ?? Math.ceil(options.targetFrames / 4));
  const keyFrames = Array.from(order.keyframes, (d) => order.frameOf[d]).sort((a, b) => a - b);
  /** The keyframe splitting `[a, b)` nearest its middle, or -1. */
  const splitAt = (a: number, b: number): number => {
    const low = a + Math.max(min, Math.ceil((b - a) / 4));
    const high = b - Math.max(min, Math.ceil((b - a) / 4));
    const middle = (a + b) / 2;
    let best = -1;
    let lo = 0;
    let hi = keyFrames.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keyFrames[mid] < low) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < keyFrames.length && keyFrames[j] <= high; j++) {
      if (best < 0 || Math.abs(keyFrames[j] - middle) < Math.abs(best - middle)) {
        best = keyFrames[j];
      }
    }
    return best;
  };
  const overhead = SEGMENT_OVERHEAD * options.targetFrames;
  const lengths = bounds.slice(1).map((end, i) => end - bounds[i]);
  // Only the last segments may split: the workers' state before them is computed once.
  const first = Math.max(0, segments - SPLIT_ROUNDS * workers);
  const before = schedule(new Array<number>(workers).fill(0), lengths.slice(0, first), overhead);
  const finish = (rest: number[]) => Math.max(...schedule(before, rest, overhead));
  let best = bounds;
  let bestTime = finish(lengths.slice(first));
  const tail: number[] = []; // the split segments' lengths, in order
  const inner: number[] = []; // their boundaries, in order
  for (let i = segments - 1; i >= first; i--) {
    const [a, b] = [bounds[i], bounds[i + 1]];
    const at = splitAt(a, b);
    if (at < 0) break; // keyframes do not permit: the segments before stay whole too
    tail.unshift(at - a, b - at);
    inner.unshift(a, at);
    const time = finish([...lengths.slice(first, i), ...tail]);
    if (time < bestTime - 1e-9) {
      bestTime = time;
      best = [...bounds.slice(0, i), ...inner, bounds[segments]];
    }
  }
  return best;
}

/** Per-frame and per-keyframe facts the chunk computation needs, computed once: O(frames). */
interface Prepared {
  /** Keyframes as frame indices, ascending, with their decode positions. */
  keyFrame: number[];
  keyDecode: number[];
  /** Decode positions of each keyframe's leading frames (decoded after it, shown before it). */
  leading: number[][];
  /** max(decodeOf[0..f]) */
  prefixMax: Int32Array;
  /** min(decodeOf[f..]) */
  suffixMin: Int32Array;
  /** max(frameOf[0..d)): the latest frame shown by the first `d` packets (-1 for none). */
  shownBefore: Int32Array;
  /** For each packet (decode order): the frame it shows. */
  frameOf: Int32Array;
}

function prepare(order: FrameOrder): Prepared {
  const { frames, decodeOf, frameOf } = order;
  const prefixMax = new Int32Array(frames);
  const suffixMin = new Int32Array(frames);
  for (let f = 0, max = -1; f < frames; f++) prefixMax[f] = max = Math.max(max, decodeOf[f]);
  for (let f = frames - 1, min = Infinity; f >= 0; f--) {
    suffixMin[f] = min = Math.min(min, decodeOf[f]);
  }
  const shownBefore = new Int32Array(frameOf.length + 1);
  shownBefore[0] = -1;
  for (let d = 0; d < frameOf.length; d++) {
    shownBefore[d + 1] = Math.max(shownBefore[d], frameOf[d]);
  }
  const keys = Array.from(order.keyframes).sort((a, b) => frameOf[a] - frameOf[b]);
  const keyFrame = keys.map((d) => frameOf[d]);
  const leading = keys.map((d, i) => {
    const stop = i + 1 < keys.length ? Math.max(d + 1, keys[i + 1]) : frameOf.length;
    const found: number[] = [];
    for (let p = d + 1; p < stop && p < frameOf.length; p++) {
      if (frameOf[p] < frameOf[d]) found.push(p);
    }
    return found;
  });
  return { keyFrame, keyDecode: keys, leading, prefixMax, suffixMin, shownBefore, frameOf };
}

/** Frames after a chunk's keyframe that set a new latest frame, that a chunk must reach: 2. */
const TAIL_ANCHORS = 2;

/**
 * Where the packets after keyframe `k` have gone past {@link TAIL_ANCHORS} frames each shown after
 * every frame before it (P-frames, typically): a chunk reaches at least that far, or
 * undefined when the video ends first. A decoder that starts at a keyframe that is not an IDR
 * (an open GOP's) may otherwise hide frames of the chunk's first reordering group (seen with
 * ffmpeg 5.1's H.264 decoder: a chunk of the keyframe, one P-frame and its B-frames shows the
 * keyframe and the B-frames only).
 */
function reorderTail(p: Prepared, k: number): number | undefined {
  const frameOf = p.frameOf;
  let latest = frameOf[p.keyDecode[k]];
  let anchors = 0;
  for (let d = p.keyDecode[k] + 1; d < frameOf.length; d++) {
    if (frameOf[d] <= latest) continue;
    latest = frameOf[d];
    if (++anchors === TAIL_ANCHORS) return d + 1;
  }
  return undefined;
}

/** The chunk of frames `[start, end)`. */
function chunkFor(
  p: Prepared,
  start: number,
  end: number,
  name: string,
): Omit<SegmentPlan, "index" | "start" | "end"> {
  // The last keyframe shown at or before `start` from which every later frame decodes.
  let lo = 0;
  let hi = p.keyFrame.length - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p.keyFrame[mid] <= start) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (k >= 0 && p.suffixMin[p.keyFrame[k]] < p.keyDecode[k]) k--;
  if (k < 0) {
    throw new SegmentUnsupportedError(
      `${name}: no keyframe to decode frame ${start} from (frames shown after a keyframe are ` +
        "decoded before it)",
    );
  }
  let tail = reorderTail(p, k);
  // Near the end of the video a chunk may not reach its tail: it starts a keyframe earlier.
  while (tail === undefined && k > 0 && p.suffixMin[p.keyFrame[k - 1]] >= p.keyDecode[k - 1]) {
    k--;
    tail = reorderTail(p, k);
  }
  const from = p.keyDecode[k];
  let to = Math.max(p.prefixMax[end - 1] + 1, tail ?? 0);
  // No gap: every frame up to the latest one the chunk shows is in it.
  for (let need = p.prefixMax[p.shownBefore[to]] + 1; need > to;) {
    to = need;
    need = p.prefixMax[p.shownBefore[to]] + 1;
  }
  const drop = p.leading[k].filter((d) => d < to).map((d) => d - from);
  return {
    from,
    to,
    drop,
    skip: start - p.keyFrame[k],
    decoded: to - from - drop.length,
  };
}

/** Options of {@link planSegments}. */
export interface PlanOptions {
  /** Live workers: with more than 1, the last round is balanced ({@link balanceBoundaries}). */
  workers?: number;
  /** Shortest segment balancing may make (see {@link BalanceOptions.minFrames}). */
  minFrames?: number;
  /**
   * For one worker: the longest a segment may grow to end on a keyframe, frames (default 0:
   * never). Cutting between keyframes spreads a long GOP over several workers; with one worker
   * it only makes the chunk after the cut decode and drop the frames from its keyframe on — with
   * x264's default GOP of 250 frames and 2 s segments, over twice the decoding of the video.
   * Ignored with more than one worker.
   */
  keyframeReach?: number;
}

/**
 * Plans the segments of a video.
 * @param name the input's name for messages.
 * @throws RangeError for a bad target; SegmentUnsupportedError when a range has no keyframe to
 *   decode from.
 */
export function planSegments(
  order: FrameOrder,
  targetFrames: number,
  name = "the input",
  options: PlanOptions = {},
): SegmentPlan[] {
  const workers = options.workers ?? 1;
  let bounds = planBoundaries(order, targetFrames, workers > 1 ? 0 : options.keyframeReach ?? 0);
  if (workers > 1) {
    bounds = balanceBoundaries(order, bounds, {
      workers: options.workers!,
      targetFrames,
      minFrames: options.minFrames,
    });
  }
  const p = prepare(order);
  const plans: SegmentPlan[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i];
    const end = bounds[i + 1];
    const chunk = chunkFor(p, start, end, name);
    if (chunk.decoded < chunk.skip + (end - start)) {
      throw new SegmentUnsupportedError(
        `${name}: frames ${start}..${end - 1} are not all in their chunk (packets ` +
          `${chunk.from}..${chunk.to - 1})`,
      );
    }
    plans.push({ index: i, start, end, ...chunk });
  }
  return plans;
}
