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

/**
 * Key holding the record (see result_codec.ts: the filtered frame, or why the attempt failed) of
 * attempt `attempt` of frame `index` of `jobId`. One key per attempt, so a late record of an
 * earlier attempt never passes for a later one.
 */
export function outputKey(jobId: string, index: number, attempt: number): string {
  return `${KEY_PREFIX}${jobId}:out:${index}:${attempt}`;
}

/** `<index>`, or `<index>.<copy>` for a second copy of a segment. */
function segmentName(index: number, copy = 0): string {
  return copy ? `${index}.${copy}` : String(index);
}

/**
 * Key holding the chunk (compressed packets) of segment `index` of server job `jobId` (of its
 * copy `copy`, when it is one: a copy has keys of its own).
 */
export function segmentInputKey(jobId: string, index: number, copy = 0): string {
  return `${KEY_PREFIX}${jobId}:seg:${segmentName(index, copy)}:in`;
}

/**
 * Key holding the record (the encoded chunk, or why the attempt failed) of attempt `attempt` of
 * segment `index` (copy `copy`) of `jobId`.
 */
export function segmentOutputKey(
  jobId: string,
  index: number,
  attempt: number,
  copy = 0,
): string {
  return `${KEY_PREFIX}${jobId}:seg:${segmentName(index, copy)}:out:${attempt}`;
}

/** BullMQ job id of one submission of one segment: `vs.<jobId>.<index>.<seq>` (see bullJobId). */
export function segmentBullJobId(jobId: string, index: number, seq: number): string {
  return `vs.${encodeURIComponent(jobId)}.${index}.${seq}`;
}

/** Marker key set by `cancelJob`: workers skip frames of a cancelled job and keep no result. */
export function cancelKey(jobId: string): string {
  return `${KEY_PREFIX}${jobId}:cancelled`;
}

/**
 * BullMQ job id for one submission of one frame: `vf.<jobId>.<index>.<seq>`, with `jobId`
 * URI-encoded because BullMQ rejects custom ids containing `:`. `seq` makes every attempt, and
 * every resubmission of lost work, a new job (BullMQ ignores an `add` whose id already exists).
 */
export function bullJobId(jobId: string, index: number, seq: number): string {
  return `vf.${encodeURIComponent(jobId)}.${index}.${seq}`;
}

/**
 * Prefix of the workers' heartbeat keys. Not `vframe:`, which is the frames' namespace (a job's
 * keys are found from its id; these are found from the queue name).
 */
export const WORKER_KEY_PREFIX = "vframe-workers:";

/**
 * Heartbeat key of worker `workerId` (`HOST:PID`) on BullMQ queue `queueName`: its JSON record
 * (`HeartbeatRecord`), refreshed every second with a 3 s TTL, deleted when it stops gracefully.
 */
export function workerKey(queueName: string, workerId: string): string {
  return `${WORKER_KEY_PREFIX}${queueName}:worker:${workerId}`;
}

/**
 * Sorted set of the workers of `queueName` that heartbeat (member: worker id, score: Redis time of
 * its last heartbeat, ms), so servers find them without scanning keys.
 */
export function workerIndexKey(queueName: string): string {
  return `${WORKER_KEY_PREFIX}${queueName}:index`;
}

/**
 * Key holding an image a chain names by content (overlay's `vframe-asset-<sha256>`): shared by
 * every job that uses it, kept {@link ASSET_TTL_MS} after a server last published it. Not under
 * `vframe:` (a job's own keys), like the heartbeats.
 */
export function assetKey(sha256: string): string {
  return `vframe-assets:${sha256}`;
}

/** How long an image stays in Redis after a server last published it for a job: 1 hour. */
export const ASSET_TTL_MS = 3_600_000;
