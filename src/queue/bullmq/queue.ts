/**
 * The distributed backend (server side, producer): frames go to `vframe worker` processes through
 * BullMQ on Redis. The shared scheduler (scheduler.ts) owns attempts, backoff, the deadline,
 * cancel and close; {@link BullmqTransport} (transport.ts) moves each attempt through Redis.
 * BullMQ has no job timeout: the worker enforces the attempt's limit, and the scheduler's deadline
 * ends a frame whatever the workers do.
 */
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { QueueOptionError } from "../errors.ts";
import { resolvePolicy } from "../policy.ts";
import { rateWindow } from "../rate.ts";
import { Scheduler } from "../scheduler.ts";
import { FRAME_UNIT } from "../task.ts";
import type { FrameOutcome, FrameQueue, FrameTask, RetryPolicy } from "../types.ts";
import { connectRedis, redactUrl, redisOptionsFromUrl } from "./redis.ts";
import { DEFAULT_QUEUE_NAME, KEEP_FAILED, resolveQueueName } from "./settings.ts";
import { BullmqTransport } from "./transport.ts";

export { DEFAULT_QUEUE_NAME };

/** Default TTL of frame keys: 10 minutes. */
export const DEFAULT_FRAME_TTL_MS = 600_000;
/** Default interval of the fallback poll: 1000 ms. */
export const DEFAULT_POLL_MS = 1000;
/** Default approximate bound of the BullMQ events stream: 1000 entries. */
export const DEFAULT_EVENTS_MAX_LEN = 1000;

/** Options of {@link BullmqQueue.create}. */
export interface BullmqQueueOptions {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). Required. */
  redisUrl: string;
  /** BullMQ queue name (default `vframe-frames`); workers must use the same. */
  queueName?: string;
  /** Retry policy; missing fields take `DEFAULT_POLICY` (3 attempts, 100 ms, 10 s, 60 s). */
  policy?: Partial<RetryPolicy>;
  /**
   * Frames per second across all workers of the queue, with BullMQ's global rate limiter
   * (`queue.setGlobalRateLimit`, stored in Redis: it applies to every worker and persists until a
   * server starts without a rate, which removes it). Default: unlimited.
   */
  ratePerSecond?: number;
  /** TTL of frame keys in Redis (default 10 min); must exceed `policy.deadlineMs`. */
  frameTtlMs?: number;
  /** Fallback poll interval of the record key and job state (default 1000 ms). */
  pollMs?: number;
  /** Listen to QueueEvents (default true). With false only the poll reports completion. */
  events?: boolean;
  /** Approximate max length of BullMQ's events stream (default 1000). */
  eventsMaxLen?: number;
  /**
   * How long a worker whose heartbeat stopped is still listed by `workers({ includeOffline })`,
   * ms (default 60_000).
   */
  keepOfflineMs?: number;
}

/** The connections and BullMQ objects of a producer. */
export interface BullmqParts {
  redis: Redis;
  queue: Queue;
  events?: QueueEvents;
}

/**
 * Connects to Redis, creates queue `queueName` (with `streams.events.maxLen`), sets or removes
 * its global rate limit, and starts QueueEvents when asked. Closes what it opened on failure.
 * @throws RedisUnavailableError when Redis does not answer.
 */
export async function openBullmqParts(options: {
  redisUrl: string;
  queueName: string;
  eventsMaxLen: number;
  events: boolean;
  rate?: { max: number; duration: number };
}): Promise<BullmqParts> {
  const connection = redisOptionsFromUrl(options.redisUrl);
  const redis = await connectRedis(options.redisUrl);
  redis.on("error", () => {}); // failures surface as rejected commands, handled per task
  let queue: Queue | undefined;
  let events: QueueEvents | undefined;
  try {
    queue = new Queue(options.queueName, {
      connection: { ...connection },
      streams: { events: { maxLen: options.eventsMaxLen } },
      defaultJobOptions: {
        attempts: 1, // one job per attempt: the scheduler retries, with the shared policy
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
      },
    });
    queue.on("error", () => {});
    await queue.waitUntilReady();
    if (options.rate) await queue.setGlobalRateLimit(options.rate.max, options.rate.duration);
    else await queue.removeGlobalRateLimit();
    if (options.events) {
      events = new QueueEvents(options.queueName, { connection: { ...connection } });
      events.on("error", () => {});
      await events.waitUntilReady();
    }
  } catch (err) {
    await events?.close().catch(() => {});
    await queue?.close().catch(() => {});
    redis.disconnect();
    throw err;
  }
  return { redis, queue, events };
}

/** What to do when no worker is alive: start one on this Redis and queue. */
export function workerHintFor(redisUrl: string, queueName: string): string {
  return `start \`deno task worker --redis ${redactUrl(redisUrl)}${
    queueName === DEFAULT_QUEUE_NAME ? "" : ` --queue ${queueName}`
  }\``;
}

/** FrameQueue over BullMQ on Redis (the producer side; workers run `vframe worker`). */
export class BullmqQueue extends Scheduler<FrameTask, Uint8Array, FrameOutcome>
  implements FrameQueue {
  declare readonly backend: "bullmq";
  /** BullMQ queue name. */
  readonly queueName: string;
  /** TTL of frame keys, ms. */
  readonly frameTtlMs: number;

  private constructor(
    policy: RetryPolicy,
    transport: BullmqTransport,
    queueName: string,
    frameTtlMs: number,
  ) {
    super({ backend: "bullmq", unit: FRAME_UNIT, transport, policy });
    this.queueName = queueName;
    this.frameTtlMs = frameTtlMs;
  }

  /**
   * Connects to Redis, creates the queue (with `streams.events.maxLen`), sets or removes the
   * global rate limit, and starts listening to QueueEvents.
   * @throws QueueOptionError on a bad option; RedisUnavailableError when Redis does not answer.
   */
  static async create(options: BullmqQueueOptions): Promise<BullmqQueue> {
    if (options === null || typeof options !== "object") {
      throw new QueueOptionError(`options must be an object with redisUrl, got ${options}`);
    }
    const { redisUrl } = options;
    if (typeof redisUrl !== "string" || redisUrl === "") {
      throw new QueueOptionError(`redisUrl must be a non-empty string, got ${redisUrl}`);
    }
    redisOptionsFromUrl(redisUrl); // a bad URL fails here, before anything connects
    const queueName = resolveQueueName(options.queueName);
    const policy = resolvePolicy(options.policy);
    const frameTtlMs = options.frameTtlMs ?? DEFAULT_FRAME_TTL_MS;
    if (!Number.isInteger(frameTtlMs) || frameTtlMs <= policy.deadlineMs) {
      throw new QueueOptionError(
        `frameTtlMs must be an integer > policy.deadlineMs (${policy.deadlineMs}), got ${frameTtlMs}`,
      );
    }
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isFinite(pollMs) || pollMs < 10) {
      throw new QueueOptionError(`pollMs must be a finite number >= 10, got ${pollMs}`);
    }
    const maxLen = options.eventsMaxLen ?? DEFAULT_EVENTS_MAX_LEN;
    if (!Number.isInteger(maxLen) || maxLen < 1) {
      throw new QueueOptionError(`eventsMaxLen must be an integer >= 1, got ${maxLen}`);
    }
    const rate = options.ratePerSecond;
    const window = rate === undefined ? undefined : rateWindow(rate);

    const { redis, queue, events } = await openBullmqParts({
      redisUrl,
      queueName,
      eventsMaxLen: maxLen,
      events: options.events ?? true,
      rate: window,
    });
    const workerHint = workerHintFor(redisUrl, queueName);
    const transport = new BullmqTransport({
      redis,
      queue,
      events,
      frameTtlMs,
      pollMs,
      queueName,
      workerHint,
      keepOfflineMs: options.keepOfflineMs,
    });
    return new BullmqQueue(policy, transport, queueName, frameTtlMs);
  }
}
