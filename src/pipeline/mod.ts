/**
 * The offline frame pipeline, shared by `vframe filter` (frames through the local FilterPool) and
 * the server's jobs (frames through the queue): decode → process each frame → write in order,
 * with a bounded number of frames in flight, back-pressure, cancellation, and nothing
 * half-written left behind on failure.
 *
 * ```ts
 * const { frames } = await runPipeline({
 *   frames: (signal) => decodeFrames("in.mp4", { signal }),
 *   process: (frame, signal) => filter(frame, signal),
 *   sink: { write: (frame, data) => encoder.write({ ...frame, data }),
 *     close: () => encoder.close(), abort: () => encoder.abort() },
 *   inFlight: 8,
 * });
 * ```
 */
export { DEFAULT_IN_FLIGHT, type PipelineOptions, type PipelineStats, runPipeline } from "./run.ts";
export type { FrameProcessor, FrameSink, FrameSource } from "./types.ts";
export { type DeadlineOptions, withDeadline } from "./deadline.ts";
export { raceAbort } from "./abort.ts";
export { FrameOrderError } from "./errors.ts";
export { uploadFrames, type UploadFramesOptions } from "./upload_source.ts";
