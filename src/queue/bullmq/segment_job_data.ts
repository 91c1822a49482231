/** The small JSON payload of a BullMQ segment job: keys, the chunk spec, never chunk bytes. */
import { checkChunkSpec, type ChunkSpec } from "../../codec/segment/spec.ts";
import { QueueOptionError } from "../errors.ts";
import { checkDataFields } from "./job_data.ts";

/** Data of one segment job (one attempt of one segment), as stored by BullMQ. */
export interface SegmentJobData {
  /** Server job id. */
  jobId: string;
  /** Segment index in the job. */
  index: number;
  /** The job's frame index of the segment's first frame. */
  start: number;
  /** The filter chain, encoded (`encodeChain`). */
  chain: string;
  /** How to process the chunk. */
  spec: ChunkSpec;
  /** Redis key of the chunk. */
  inKey: string;
  /** Redis key the worker writes this attempt's record to (result_codec.ts). */
  outKey: string;
  /** Redis key whose existence means the server job was cancelled. */
  cancelKey: string;
  /** Which attempt this job is, 1-based. */
  attempt: number;
  /** Time limit of the attempt, enforced by the worker (ms). */
  timeoutMs: number;
  /** TTL of the record key (ms). */
  ttlMs: number;
}

const STRING_FIELDS = ["jobId", "chain", "inKey", "outKey", "cancelKey"] as const;
const INT_FIELDS = ["index", "start", "attempt", "timeoutMs", "ttlMs"] as const;

/**
 * Checks segment job data read from Redis (it may come from another version of the server).
 * @throws QueueOptionError naming the first bad field and its value.
 */
export function checkSegmentJobData(data: unknown): SegmentJobData {
  const d = checkDataFields("segment", data, STRING_FIELDS, INT_FIELDS, ["index", "start"]);
  try {
    checkChunkSpec(d.spec);
  } catch (err) {
    throw new QueueOptionError(`segment job data.spec: ${(err as Error).message}`);
  }
  return d as unknown as SegmentJobData;
}
