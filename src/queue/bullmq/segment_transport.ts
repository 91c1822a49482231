/**
 * Segments over BullMQ (server side): each attempt of a segment is a job on the queue
 * `<queue>-segments`; the chunk (compressed packets) is stored once under
 * `vframe:<job>:seg:<i>:in`, the worker writes the attempt's record (the encoded chunk, or why it
 * failed) to `vframe:<job>:seg:<i>:out:<attempt>`, both with a TTL, and the job carries keys and
 * the chunk spec only. The shared transport (transport.ts) does the storing, polling, lost-work
 * detection and cleanup; workers report frames done with `job.updateProgress`, which reaches the
 * task's `onProgress` through QueueEvents (best effort). Live workers are those whose segment
 * heartbeat is current (a segment worker beats under the segment queue's name, so a worker
 * started with `--no-segments` never counts).
 */
import { encodeChain } from "../../filters/chain_codec.ts";
import { QueueOptionError, RemoteAttemptError } from "../errors.ts";
import { resolvePolicy } from "../policy.ts";
import { Scheduler } from "../scheduler.ts";
import {
  type SegmentOutcome,
  type SegmentQueue,
  type SegmentResult,
  type SegmentTask,
  segmentUnit,
} from "../segment_task.ts";
import type { RetryPolicy } from "../types.ts";
import { segmentBullJobId, segmentInputKey, segmentOutputKey } from "./keys.ts";
import {
  DEFAULT_EVENTS_MAX_LEN,
  DEFAULT_POLL_MS,
  openBullmqParts,
  workerHintFor,
} from "./queue.ts";
import { redisOptionsFromUrl } from "./redis.ts";
import type { SegmentJobData } from "./segment_job_data.ts";
import { resolveQueueName, segmentQueueName } from "./settings.ts";
import { type BullmqUnit, UnitTransport } from "./transport.ts";

/** Default TTL of segment keys: 2 hours (longer than any segment's deadline; keys are deleted when the segment ends). */
export const DEFAULT_SEGMENT_TTL_MS = 7_200_000;

/** The segment as a BullMQ unit. */
export const SEGMENT_BULLMQ_UNIT: BullmqUnit<SegmentTask, SegmentResult, string> = {
  name: "segment",
  jobId: (task) => task.jobId,
  inputKey: (task) => segmentInputKey(task.jobId, task.index, task.copy),
  outputKey: (task, attempt) => segmentOutputKey(task.jobId, task.index, attempt, task.copy),
  bullJobId: (task, seq) => segmentBullJobId(task.jobId, task.index, seq),
  input: (task) => task.chunk,
  prepare: (task) => encodeChain(task.chain),
  jobData: (task, chain, keys): Record<string, unknown> & SegmentJobData => ({
    jobId: task.jobId,
    index: task.index,
    start: task.start,
    chain,
    spec: task.spec,
    ...keys,
  }),
  result(task, meta, data) {
    if (meta.frames !== task.spec.frames || data.length === 0) {
      return new RemoteAttemptError(
        `worker ${meta.worker} stored a chunk of ${meta.frames} frames (${data.length} bytes), ` +
          `expected ${task.spec.frames} frames`,
      );
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      frames: meta.frames,
      headerHash: meta.headerHash ?? "",
      ...(typeof meta.level === "number" ? { level: meta.level } : {}),
    };
  },
  progress(task, data) {
    if (typeof data === "number" && Number.isInteger(data) && data >= 0) task.onProgress?.(data);
  },
};

/** Options of {@link BullmqSegmentQueue.create}. */
export interface BullmqSegmentQueueOptions {
  /** `redis://[user:pass@]host:port[/db]`. Required. */
  redisUrl: string;
  /** The frame queue's name (default `vframe-frames`); segments go to `<name>-segments`. */
  queueName?: string;
  /** Retry policy (attempts, backoff, no-worker time); segment limits: `segmentLimits`. */
  policy?: Partial<RetryPolicy>;
  /** TTL of segment keys (default 2 h). */
  ttlMs?: number;
  /** Fallback poll interval of the record key and job state (default 1000 ms). */
  pollMs?: number;
  /** Listen to QueueEvents for completions and progress (default true). */
  events?: boolean;
}

/** SegmentQueue over BullMQ (the producer side; `vframe worker` processes take segments). */
export class BullmqSegmentQueue extends Scheduler<SegmentTask, SegmentResult, SegmentOutcome>
  implements SegmentQueue {
  declare readonly backend: "bullmq";
  /** The BullMQ queue of segments. */
  readonly queueName: string;

  private constructor(
    policy: RetryPolicy,
    transport: UnitTransport<SegmentTask, SegmentResult, string>,
    queueName: string,
  ) {
    super({ backend: "bullmq", unit: segmentUnit(policy.attempts), transport, policy });
    this.queueName = queueName;
  }

  /**
   * Connects to Redis, creates the segment queue and listens to its events.
   * @throws QueueOptionError on a bad option; RedisUnavailableError when Redis does not answer.
   */
  static async create(options: BullmqSegmentQueueOptions): Promise<BullmqSegmentQueue> {
    if (options === null || typeof options !== "object" || !options.redisUrl) {
      throw new QueueOptionError(`options must be an object with redisUrl, got ${options}`);
    }
    redisOptionsFromUrl(options.redisUrl); // a bad URL fails here, before anything connects
    const frameQueue = resolveQueueName(options.queueName);
    const queueName = segmentQueueName(frameQueue);
    const policy = resolvePolicy(options.policy);
    const ttlMs = options.ttlMs ?? DEFAULT_SEGMENT_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 1000) {
      throw new QueueOptionError(`ttlMs must be an integer >= 1000, got ${ttlMs}`);
    }
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isFinite(pollMs) || pollMs < 10) {
      throw new QueueOptionError(`pollMs must be a finite number >= 10, got ${pollMs}`);
    }
    const { redis, queue, events } = await openBullmqParts({
      redisUrl: options.redisUrl,
      queueName,
      eventsMaxLen: DEFAULT_EVENTS_MAX_LEN,
      events: options.events ?? true,
    });
    const transport = new UnitTransport({
      redis,
      queue,
      events,
      frameTtlMs: ttlMs,
      pollMs,
      queueName, // segment workers beat under the segment queue's name
      workerHint: workerHintFor(options.redisUrl, frameQueue),
    }, SEGMENT_BULLMQ_UNIT);
    return new BullmqSegmentQueue(policy, transport, queueName);
  }
}
