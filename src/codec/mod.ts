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
 */
export { nativeAvailable, resolveBackend } from "./backend.ts";
export { probe, type ProbeOptions } from "./probe.ts";
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
