/**
 * The segment as a unit of work: a job's chunk of compressed packets that one worker decodes,
 * filters on its own pool and encodes with the job's settings (segment mode). Its task and
 * outcome types, up-front checks, its time limits, and the {@link SEGMENT_UNIT} the shared
 * scheduler uses — attempts, backoff, deadline, lost work and cancel work as for frames.
 */
import { checkChunkSpec, type ChunkSpec } from "../codec/segment/spec.ts";
import { QueueOptionError } from "./errors.ts";
import type { TaskLimits, UnitKind } from "./scheduler.ts";
import type { TaskChain, WorkQueue } from "./types.ts";

/** One segment of one job, handed to a queue backend. */
export interface SegmentTask {
  /** The server job's id; the segments of one job share it. */
  jobId: string;
  /** Position of the segment in the job, from 0. */
  index: number;
  /**
   * Which copy of the segment this is: 0 (default), or 1 for a second copy run beside a straggler
   * (the two are separate tasks: keys and jobs of their own; the first to succeed is kept).
   */
  copy?: number;
  /** The job's frame index of the segment's first frame (faults and messages key on frames). */
  start: number;
  /** The chunk: the segment's packets as an MP4 (`cutChunks`). Not modified by the queue. */
  chunk: Uint8Array;
  /** How to turn the chunk into the segment's encoded frames. */
  spec: ChunkSpec;
  /** The filter chain, parsed once per job (as for frames). */
  chain: TaskChain;
  /**
   * Time limit of one attempt, ms (default {@link segmentLimits}: 30 s plus 1 s per frame). A
   * segment is many frames: it needs more than the policy's per-frame limit.
   */
  attemptTimeoutMs?: number;
  /** Overall limit of the segment, ms (default {@link segmentLimits}). */
  deadlineMs?: number;
  /**
   * Called with the segment's frames done so far, as workers report them (best effort: late,
   * skipped or repeated values are possible; the outcome is what counts).
   */
  onProgress?: (frames: number) => void;
}

/** What a successful attempt delivers. */
export interface SegmentResult {
  /** The encoded chunk: an MP4 of exactly `spec.frames` frames. */
  data: Uint8Array;
  frames: number;
  /** Hash of its stream header (level aside); chunks join only when theirs are equal. */
  headerHash: string;
  /** The H.264 level its header declares. */
  level?: number;
}

/** How a segment ended. A queue never rejects for a segment's failure: it reports it here. */
export type SegmentOutcome =
  | {
    ok: true;
    index: number;
    /** The encoded chunk (an MP4 of `frames` frames). */
    data: Uint8Array;
    frames: number;
    headerHash: string;
    level?: number;
    /** Which worker produced it. */
    worker: string;
    attempts: number;
    latencyMs: number;
  }
  | {
    ok: false;
    index: number;
    /** Why, worded as for frames (`timeout after N ms`, `deadline of N ms exceeded`, …). */
    reason: string;
    attempts: number;
    latencyMs: number;
    /** The whole job's failure (no live worker in time), not the segment's. */
    fatal?: true;
  };

/** The segment queue a server uses. */
export type SegmentQueue = WorkQueue<SegmentTask, SegmentOutcome>;

/** Base of a segment's per-attempt limit: 30 s. */
export const SEGMENT_BASE_MS = 30_000;
/** Per-frame part of a segment's per-attempt limit: 1 s per frame. */
export const SEGMENT_MS_PER_FRAME = 1_000;

/**
 * A segment's time limits: per attempt 30 s plus 1 s per frame (unless the task says), and a
 * deadline that leaves room for `attempts` attempts and their backoff plus a minute.
 */
export function segmentLimits(
  task: Pick<SegmentTask, "spec" | "attemptTimeoutMs" | "deadlineMs">,
  attempts = 3,
): Required<TaskLimits> {
  const attemptTimeoutMs = task.attemptTimeoutMs ??
    SEGMENT_BASE_MS + SEGMENT_MS_PER_FRAME * task.spec.frames;
  const deadlineMs = task.deadlineMs ?? attempts * attemptTimeoutMs + 60_000;
  return { attemptTimeoutMs, deadlineMs };
}

/**
 * Checks a segment task before it is queued.
 * @throws QueueOptionError naming the bad field and the value seen.
 */
export function checkSegmentTask(task: SegmentTask): void {
  if (task === null || typeof task !== "object") {
    throw new QueueOptionError(`segment task must be an object, got ${String(task)}`);
  }
  if (typeof task.jobId !== "string" || task.jobId === "") {
    throw new QueueOptionError(`task.jobId must be a non-empty string, got ${task.jobId}`);
  }
  for (const key of ["index", "start"] as const) {
    if (!Number.isInteger(task[key]) || task[key] < 0) {
      throw new QueueOptionError(`task.${key} must be an integer >= 0, got ${task[key]}`);
    }
  }
  if (task.copy !== undefined && (!Number.isInteger(task.copy) || task.copy < 0)) {
    throw new QueueOptionError(`task.copy must be an integer >= 0, got ${task.copy}`);
  }
  if (!(task.chunk instanceof Uint8Array) || task.chunk.length === 0) {
    throw new QueueOptionError(`task.chunk must be a non-empty Uint8Array`);
  }
  if (!Array.isArray(task.chain)) {
    throw new QueueOptionError(`task.chain must be a parsed filter chain (an array)`);
  }
  try {
    checkChunkSpec(task.spec);
  } catch (err) {
    throw new QueueOptionError(`task.spec: ${(err as Error).message}`);
  }
  for (const key of ["attemptTimeoutMs", "deadlineMs"] as const) {
    const v = task[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      throw new QueueOptionError(`task.${key} must be a finite number > 0, got ${v}`);
    }
  }
}

/** The segment unit of the scheduler (limits from {@link segmentLimits}). */
export function segmentUnit(
  attempts: number,
): UnitKind<SegmentTask, SegmentResult, SegmentOutcome> {
  return Object.freeze({
    name: "segment",
    check: checkSegmentTask,
    jobId: (task: SegmentTask) => task.jobId,
    limits: (task: SegmentTask) => segmentLimits(task, attempts),
    succeeded: (
      task: SegmentTask,
      delivery: { result: SegmentResult; worker: string },
      attemptsUsed: number,
      latencyMs: number,
    ): SegmentOutcome => ({
      ok: true,
      index: task.index,
      data: delivery.result.data,
      frames: delivery.result.frames,
      headerHash: delivery.result.headerHash,
      ...(delivery.result.level !== undefined ? { level: delivery.result.level } : {}),
      worker: delivery.worker,
      attempts: attemptsUsed,
      latencyMs,
    }),
    failed: (
      task: SegmentTask,
      reason: string,
      attemptsUsed: number,
      latencyMs: number,
      fatal?: boolean,
    ): SegmentOutcome => ({
      ok: false,
      index: task.index,
      reason,
      attempts: attemptsUsed,
      latencyMs,
      ...(fatal ? { fatal: true as const } : {}),
    }),
  });
}
