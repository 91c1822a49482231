/**
 * Segment mode's codec layer, pure of queues: read a video's packet index (no decoding), plan
 * keyframe-aligned segments, cut each segment's chunk by stream copy, process a chunk (decode,
 * drop frames outside the range, filter, encode with the job's settings), join the encoded chunks
 * by stream copy with the input's audio, and check the result is frame-exact.
 *
 * ```ts
 * const index = await readPacketIndex("in.mp4", { backend: "native" });
 * const plans = planSegments(orderFrames(index), 60);
 * const chunks = await cutChunks({ input: "in.mp4", index, plans, dir, backend: "native" });
 * // each chunk: processChunk({ input: chunk.path, output, spec: chunkSpec(chunk.plan, video), filter })
 * await joinChunks({ chunks: encoded, output: "out.mp4", fps, audioFrom: "in.mp4", backend });
 * ```
 */
export { ChunkMismatchError, SegmentUnsupportedError } from "./errors.ts";
export {
  DISCARD,
  KEY,
  type ListedStream,
  type PacketIndex,
  packetIndexArgs,
  parsePacketIndex,
  parseStreamListing,
  readPacketIndex,
  readStreamListing,
  type StreamListing,
  streamListingArgs,
} from "./packet_index.ts";
export { type FrameOrder, orderFrames } from "./frame_order.ts";
export {
  balanceBoundaries,
  type BalanceOptions,
  finishTime,
  MIN_SEGMENT_SECONDS,
  planBoundaries,
  type PlanOptions,
  planSegments,
  SEGMENT_OVERHEAD,
  type SegmentPlan,
  SEGMENTS_PER_WORKER,
  targetSegmentFrames,
} from "./plan.ts";
export { type CutChunk, cutChunks, type CutOptions, cutTime } from "./cut.ts";
export {
  checkChunkSpec,
  chunkDuration,
  type ChunkSpec,
  chunkSpec,
  type ChunkTiming,
  chunkTiming,
} from "./spec.ts";
export {
  type FrameFilter,
  processChunk,
  type ProcessChunkOptions,
  type ProcessedChunk,
} from "./process_chunk.ts";
export {
  audioPlanOf,
  concatList,
  type JoinChunk,
  joinChunks,
  type JoinOptions,
  planAudio,
} from "./join.ts";
export {
  checkFrameExact,
  type EncodedChunkInfo,
  type FrameExactReport,
  probeEncodedChunk,
  readEncodedChunk,
  traceEncodedChunk,
} from "./verify.ts";
export { type AvcHeader, avcHeader, spsFields } from "./h264_header.ts";
