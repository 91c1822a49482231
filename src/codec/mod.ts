/**
 * vframe's codec layer: probe a video, decode it into yuv420p frames, encode frames into an MP4,
 * with either the bundled ffmpeg.wasm (in worker threads) or a native `ffmpeg` on PATH.
 *
 * ```ts
 * const info = await probe("in.mp4");
 * const encoder = await openEncoder({ output: "out.mp4", width: info.width, height: info.height,
 *   fps: info.fps, audioFrom: "in.mp4" });
 * for await (const frame of decodeFrames("in.mp4")) await encoder.write(frame);
 * await encoder.close();
 * ```
 *
 * A variable frame rate is kept: the decoder gives each frame of such a file its own `pts`, and an
 * encoder opened with `timesFrom: "in.mp4"` (or `timing: "pts"`, for frames carrying their times)
 * shows each frame at that time. `conversionWarnings(info)` says what the 8-bit 4:2:0 frames lose
 * of the input (high bit depth, chroma, alpha).
 */
export { nativeAvailable, resolveBackend } from "./backend.ts";
export { probe, type ProbeOptions, readFrameTimes } from "./probe.ts";
export { frameTime, type FrameTimes, isConstantRate } from "./frame_times.ts";
export {
  conversionWarnings,
  type PixelFormatTraits,
  pixelFormatTraits,
} from "./conversion_warnings.ts";
export { type DecodedFrames, decodeFrames, DEFAULT_MAX_BUFFERED } from "./decode.ts";
export { DEFAULT_CRF, DEFAULT_PRESET, encodedSize, openEncoder } from "./encode.ts";
export { type Preset, PRESETS } from "./presets.ts";
export { DEFAULT_LIMITS } from "./limits.ts";
export {
  BackendUnavailableError,
  CodecError,
  InvalidInputError,
  type InvalidInputReason,
} from "./errors.ts";
export { FrameAssembler } from "./raw_frames.ts";
export type * from "./types.ts";
export type { Frame } from "./frame.ts";
/** Segment mode: packet index, planning, cutting, chunk processing, joining (segment/mod.ts). */
export * as segments from "./segment/mod.ts";
