/**
 * Redis key and BullMQ job id naming. Every key starts with `vframe:` and the server job id,
 * so a job's keys can be found from the frames it submitted (no `KEYS` scans).
 */

/** Prefix of every key vframe writes besides BullMQ's own (`bull:`). */
export const KEY_PREFIX = "vframe:";

/** Key holding the original frame bytes of frame `index` of server job `jobId`. */
export function inputKey(jobId: string, index: number): string {
  return `${KEY_PREFIX}${jobId}:in:${index}`;
}

/** Key holding the encoded result (see result_codec.ts) of frame `index` of `jobId`. */
export function outputKey(jobId: string, index: number): string {
  return `${KEY_PREFIX}${jobId}:out:${index}`;
}

/** Marker key set by `cancelJob`: workers skip frames of a cancelled job and keep no result. */
export function cancelKey(jobId: string): string {
  return `${KEY_PREFIX}${jobId}:cancelled`;
}

/**
 * BullMQ job id for one submission of one frame: `vf.<jobId>.<index>.<seq>`, with `jobId`
 * URI-encoded because BullMQ rejects custom ids containing `:`. `seq` makes a resubmitted frame
 * a new job (BullMQ ignores an `add` whose id already exists, e.g. a kept failed job).
 */
export function bullJobId(jobId: string, index: number, seq: number): string {
  return `vf.${encodeURIComponent(jobId)}.${index}.${seq}`;
}
