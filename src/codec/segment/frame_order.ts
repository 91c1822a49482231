/**
 * From a {@link PacketIndex} (decode order) to the frames a decoder shows, in presentation order:
 * which packet each frame comes from, each packet's frame, the keyframes. Pure.
 *
 * Presentation order is the order of the packets' presentation timestamps (what a decoder's
 * reordering gives for the usual codecs). Inputs whose edit list discards packets are not split
 * (a chunk cut from them would lose which packets to hide).
 */
import { DISCARD, KEY, type PacketIndex } from "./packet_index.ts";
import { SegmentUnsupportedError } from "./errors.ts";

/** The frames of a video stream. */
export interface FrameOrder {
  /** Frames shown (= packets). */
  frames: number;
  /** For each frame (presentation order): the decode position of its packet. */
  decodeOf: Int32Array;
  /** For each packet (decode order): the frame it shows. */
  frameOf: Int32Array;
  /** Presentation timestamp of each frame (presentation order), in ticks of the time base. */
  pts: Float64Array;
  /** Decode positions of the keyframes, ascending. */
  keyframes: Int32Array;
}

/**
 * Orders the frames of `index`.
 * @param name the input's name for messages.
 * @throws SegmentUnsupportedError when a packet has no presentation timestamp or is discarded
 *   (an edit list hides it), two frames share a timestamp, or the first packet is not a keyframe.
 */
export function orderFrames(index: PacketIndex, name = "the input"): FrameOrder {
  const n = index.pts.length;
  const shown: number[] = [];
  for (let i = 0; i < n; i++) {
    if (index.flags[i] & DISCARD) {
      throw new SegmentUnsupportedError(
        `${name}: packet ${i} is hidden by the container's edit list`,
      );
    }
    if (Number.isNaN(index.pts[i])) {
      throw new SegmentUnsupportedError(`${name}: packet ${i} has no presentation timestamp`);
    }
    shown.push(i);
  }
  if (shown.length === 0) throw new SegmentUnsupportedError(`${name} shows no frame`);
  if (!(index.flags[0] & KEY)) {
    throw new SegmentUnsupportedError(`${name}: the video does not start with a keyframe`);
  }
  shown.sort((a, b) => index.pts[a] - index.pts[b]);
  const frames = shown.length;
  const decodeOf = Int32Array.from(shown);
  const frameOf = new Int32Array(n).fill(-1);
  const pts = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    frameOf[decodeOf[f]] = f;
    pts[f] = index.pts[decodeOf[f]];
    if (f > 0 && pts[f] === pts[f - 1]) {
      throw new SegmentUnsupportedError(
        `${name}: frames ${f - 1} and ${f} share the timestamp ${pts[f]}`,
      );
    }
  }
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    if (index.flags[i] & KEY) keys.push(i);
  }
  return { frames, decodeOf, frameOf, pts, keyframes: Int32Array.from(keys) };
}
