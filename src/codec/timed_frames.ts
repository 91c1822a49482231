/**
 * Frames with their own times into an encoder whose ffmpeg reads Matroska (`encodeArgs` with
 * `timed`): {@link timedFrames} wraps a backend's {@link RawEncoder} so that each
 * `write(data, pts)` sends the frame as a Matroska block at `pts`, after the stream's header on
 * the first write. The frame's bytes are passed on as they are (no copy).
 */
import { mkvFrameHeader, mkvHeader, mkvTicks } from "./mkv_writer.ts";
import type { RawEncoder } from "./raw_codec.ts";

/** Options of {@link timedFrames}. */
export interface TimedFramesOptions {
  /** Frame size as encoded (each frame written has `frameBytes` bytes of it). */
  width: number;
  height: number;
  /** How long the last frame is shown, seconds. */
  lastFrameDuration: number;
  /** Subtracted from every `pts` (a segment's first frame time, so the segment starts at 0). */
  origin?: number;
}

/**
 * A RawEncoder whose `write(data, pts)` needs `pts` (seconds, ≥ `origin` to the µs, not before
 * the previous frame's). Two times within one Matroska unit (1 µs) are written a unit apart, so the frames'
 * times strictly increase as ffmpeg needs.
 * @throws RangeError from `write` for a missing, negative or decreasing time.
 */
export function timedFrames(raw: RawEncoder, options: TimedFramesOptions): RawEncoder {
  const origin = options.origin ?? 0;
  let started = false;
  let previous = -1;
  return {
    async write(data, pts) {
      const own = pts === undefined || !Number.isFinite(pts) ? NaN : mkvTicks(pts - origin);
      if (!(own >= 0)) {
        throw new RangeError(`a timed frame needs a time >= ${origin} s, got ${pts}`);
      }
      if (own < previous) {
        throw new RangeError(`frame times must increase: ${pts} s comes after a later frame`);
      }
      const ticks = Math.max(own, previous + 1);
      if (!started) {
        started = true;
        const { width, height, lastFrameDuration } = options;
        await raw.write(mkvHeader({ width, height, frameDuration: lastFrameDuration }));
      }
      previous = ticks;
      await raw.write(mkvFrameHeader(ticks, data.length));
      await raw.write(data);
    },
    finish: () => raw.finish(),
    abort: () => raw.abort(),
  };
}
