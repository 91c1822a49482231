/** The small JSON payload of a BullMQ frame job: keys and metadata, never frame bytes. */
import { QueueOptionError } from "../errors.ts";

/** Data of one frame job (one attempt of one frame), as stored by BullMQ. */
export interface FrameJobData {
  /** Server job id. */
  jobId: string;
  /** Frame index. */
  index: number;
  width: number;
  height: number;
  /** The filter chain, encoded (`encodeChain`, e.g. `v1:blur=sigma=3`). */
  chain: string;
  /** Redis key of the original frame. */
  inKey: string;
  /** Redis key the worker writes this attempt's record to (result_codec.ts). */
  outKey: string;
  /** Redis key whose existence means the server job was cancelled. */
  cancelKey: string;
  /** Which attempt this job is, 1-based (the server's scheduler counts them). */
  attempt: number;
  /** Time limit of the attempt, enforced by the worker (ms). */
  timeoutMs: number;
  /** TTL of the result key (ms). */
  ttlMs: number;
  /** The frame's time in seconds (fade); absent means 0. */
  time?: number;
}

const STRING_FIELDS = ["jobId", "chain", "inKey", "outKey", "cancelKey"] as const;
const INT_FIELDS = ["index", "width", "height", "attempt", "timeoutMs", "ttlMs"] as const;

/**
 * The checks every unit's job data shares: an object whose `strings` are non-empty strings and
 * whose `ints` are integers ≥ 1 (≥ 0 for those in `fromZero`). `unit` names it in messages.
 * @throws QueueOptionError naming the first bad field and its value.
 */
export function checkDataFields(
  unit: string,
  data: unknown,
  strings: readonly string[],
  ints: readonly string[],
  fromZero: readonly string[],
): Record<string, unknown> {
  if (data === null || typeof data !== "object") {
    throw new QueueOptionError(`${unit} job data must be an object, got ${JSON.stringify(data)}`);
  }
  const d = data as Record<string, unknown>;
  for (const f of strings) {
    if (typeof d[f] !== "string" || d[f] === "") {
      throw new QueueOptionError(`${unit} job data.${f} must be a non-empty string, got ${d[f]}`);
    }
  }
  for (const f of ints) {
    const v = d[f];
    const min = fromZero.includes(f) ? 0 : 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new QueueOptionError(`${unit} job data.${f} must be an integer >= ${min}, got ${v}`);
    }
  }
  return d;
}

/**
 * Checks job data read from Redis (it may come from another version of the server).
 * @throws QueueOptionError naming the first bad field and its value.
 */
export function checkJobData(data: unknown): FrameJobData {
  const d = checkDataFields("frame", data, STRING_FIELDS, INT_FIELDS, ["index"]);
  if (
    d.time !== undefined && !(typeof d.time === "number" && Number.isFinite(d.time) && d.time >= 0)
  ) {
    throw new QueueOptionError(`frame job data.time must be a number >= 0, got ${d.time}`);
  }
  return d as unknown as FrameJobData;
}
