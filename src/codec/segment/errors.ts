/** Errors of segment mode's codec layer. */
import { CodecError } from "../errors.ts";

/**
 * The input cannot be split into segments without decoding it (packets without timestamps, an
 * edit list that drops frames, timestamps that repeat, …). The server then runs the job frame by
 * frame instead; the message says why.
 */
export class SegmentUnsupportedError extends CodecError {
  override readonly code: string = "segment-unsupported";
  override name = "SegmentUnsupportedError";
}

/**
 * A chunk did not hold what its plan promised (a different number of packets cut, frames decoded
 * or frames encoded): the output would not be frame-exact, so the chunk is refused.
 */
export class ChunkMismatchError extends CodecError {
  override readonly code: string = "chunk-mismatch";
  override name = "ChunkMismatchError";
}
