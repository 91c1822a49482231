/**
 * The distributed backend (server side, producer): frames go to BullMQ workers through Redis.
 *
 * Frame bytes never enter job data or return values: the original is stored under
 * `vframe:<job>:in:<index>` and the worker writes the result to `vframe:<job>:out:<index>`, both
 * with a TTL; the job carries keys and metadata only. Completion is learned from QueueEvents AND
 * a fallback poll of the result key and job state (QueueEvents is best effort), and the server owns
 * a per-frame deadline (BullMQ has no job timeout).
 */
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { frameSize } from "../codec/frame.ts";
import { QueueOptionError } from "./errors.ts";
import type { FrameJobData } from "./job_data.ts";
import { bullJobId, cancelKey, inputKey, outputKey } from "./keys.ts";
import { resolvePolicy } from "./policy.ts";
import { rateWindow } from "./rate.ts";
import { connectRedis, redisOptionsFromUrl, toBuffer } from "./redis.ts";
import { decodeResult } from "./result_codec.ts";
import { DEFAULT_QUEUE_NAME, KEEP_FAILED, resolveQueueName } from "./settings.ts";
import { withinMs } from "../util/sleep.ts";
import { CancelledJobs, checkTask, failure, StopReason, stopReason } from "./task.ts";
import type { FrameOutcome, FrameQueue, FrameTask, RetryPolicy, WorkerInfo } from "./types.ts";

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
  /** Fallback poll interval of the result key and job state (default 1000 ms). */
  pollMs?: number;
  /** Listen to QueueEvents (default true). With false only the poll reports completion. */
  events?: boolean;
  /** Approximate max length of BullMQ's events stream (default 1000). */
  eventsMaxLen?: number;
}

interface Pending {
  jobId: string;
  index: number;
  bullId: string;
  inKey: string;
  outKey: string;
  width: number;
  height: number;
  /** Aborted by cancelJob for this frame's job. */
  cancel: AbortController;
  woken: boolean;
  wake: () => void;
}

/** Longest wait for Redis when deleting keys after a frame or a cancel: 1000 ms. */
const CLEANUP_WAIT_MS = 1000;
/** Longest wait for Redis when looking up the attempts of a frame that was stopped: 500 ms. */
const LOOKUP_WAIT_MS = 500;
/** Longest wait for a graceful close before connections are dropped: 3000 ms. */
const CLOSE_WAIT_MS = 3000;

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}); // may settle after we stopped waiting
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** FrameQueue over BullMQ on Redis (the producer side; workers run src/worker.ts). */
export class BullmqQueue implements FrameQueue {
  readonly backend = "bullmq" as const;
  /** The resolved retry policy. */
  readonly policy: RetryPolicy;
  /** BullMQ queue name. */
  readonly queueName: string;
  /** TTL of frame keys, ms. */
  readonly frameTtlMs: number;
  #redis: Redis;
  #queue: Queue;
  #events: QueueEvents | undefined;
  #pollMs: number;
  #pending = new Map<string, Pending>();
  #byJob = new Map<string, Set<Pending>>();
  #cancelled = new CancelledJobs();
  #inflight = new Set<Promise<unknown>>();
  #processed = new Map<string, number>();
  #closing = new AbortController();
  #closed = false;
  #seq = 0;

  private constructor(
    redis: Redis,
    queue: Queue,
    events: QueueEvents | undefined,
    policy: RetryPolicy,
    queueName: string,
    frameTtlMs: number,
    pollMs: number,
  ) {
    this.#redis = redis;
    this.#queue = queue;
    this.#events = events;
    this.policy = policy;
    this.queueName = queueName;
    this.frameTtlMs = frameTtlMs;
    this.#pollMs = pollMs;
    const wake = ({ jobId }: { jobId: string }) => this.#pending.get(jobId)?.wake();
    events?.on("completed", wake);
    events?.on("failed", wake);
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
    const connection = redisOptionsFromUrl(redisUrl);
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

    const redis = await connectRedis(redisUrl);
    redis.on("error", () => {}); // failures surface as rejected commands, handled per frame
    let queue: Queue | undefined;
    let events: QueueEvents | undefined;
    try {
      queue = new Queue(queueName, {
        connection: { ...connection },
        streams: { events: { maxLen } },
        defaultJobOptions: {
          attempts: policy.attempts,
          backoff: { type: "exponential", delay: policy.backoffMs },
          removeOnComplete: true,
          removeOnFail: KEEP_FAILED,
        },
      });
      queue.on("error", () => {});
      await queue.waitUntilReady();
      if (window) await queue.setGlobalRateLimit(window.max, window.duration);
      else await queue.removeGlobalRateLimit();
      if (options.events ?? true) {
        events = new QueueEvents(queueName, { connection: { ...connection } });
        events.on("error", () => {});
        await events.waitUntilReady();
      }
    } catch (err) {
      await events?.close().catch(() => {});
      await queue?.close().catch(() => {});
      redis.disconnect();
      throw err;
    }
    return new BullmqQueue(redis, queue, events, policy, queueName, frameTtlMs, pollMs);
  }

  /**
   * Stores the frame, adds its job, and waits for the result (QueueEvents or the fallback poll),
   * the job's final failure, the deadline, `cancelJob`, `signal` or `close()`. Keys of the frame
   * are deleted before it resolves (waiting at most 1 s for Redis; the TTL covers the rest). A
   * Redis error while submitting resolves `{ok:false, reason:"redis error: …"}`; while waiting,
   * polling goes on until the deadline, which bounds every Redis call.
   * @throws QueueOptionError (rejected) when the task is malformed.
   */
  process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome> {
    try {
      checkTask(task);
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = this.#process(task, signal);
    this.#inflight.add(promise);
    promise.finally(() => this.#inflight.delete(promise));
    return promise;
  }

  async #process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome> {
    const startedAt = performance.now();
    const { jobId, index } = task;
    if (this.#closed) return failure(index, "queue closed", 0, startedAt);
    if (this.#cancelled.has(jobId) || signal?.aborted) {
      return failure(index, "cancelled", 0, startedAt);
    }
    const p: Pending = {
      jobId,
      index,
      bullId: bullJobId(jobId, index, ++this.#seq),
      inKey: inputKey(jobId, index),
      outKey: outputKey(jobId, index),
      width: task.width,
      height: task.height,
      cancel: new AbortController(),
      woken: false,
      wake: () => {},
    };
    p.wake = () => {
      p.woken = true;
    };
    this.#register(p);

    const frame = new AbortController();
    const stop = (reason: string) => frame.abort(new StopReason(reason));
    const onCancel = () => stop("cancelled");
    const onClose = () => stop("queue closed");
    p.cancel.signal.addEventListener("abort", onCancel);
    this.#closing.signal.addEventListener("abort", onClose);
    signal?.addEventListener("abort", onCancel);
    const deadline = setTimeout(
      () => stop(`deadline of ${this.policy.deadlineMs} ms exceeded`),
      this.policy.deadlineMs,
    );
    let outcome: FrameOutcome | undefined;
    try {
      await untilAborted(
        this.#redis.set(p.inKey, toBuffer(task.data), "PX", this.frameTtlMs),
        frame.signal,
      );
      const data: FrameJobData = {
        jobId,
        index,
        width: task.width,
        height: task.height,
        chain: task.chain,
        inKey: p.inKey,
        outKey: p.outKey,
        cancelKey: cancelKey(jobId),
        timeoutMs: this.policy.attemptTimeoutMs,
        ttlMs: this.frameTtlMs,
      };
      await untilAborted(this.#queue.add("frame", data, { jobId: p.bullId }), frame.signal);
      while (!outcome) {
        await this.#nap(p, frame.signal);
        try {
          outcome = await untilAborted(this.#check(p, startedAt), frame.signal);
        } catch {
          if (frame.signal.aborted) throw frame.signal.reason;
          // Redis unreachable for a moment: keep polling; the deadline bounds the wait
        }
      }
      return outcome;
    } catch (err) {
      if (frame.signal.aborted) {
        outcome = failure(index, stopReason(frame.signal), await this.#attempts(p), startedAt);
      } else {
        outcome = failure(index, `redis error: ${(err as Error).message}`, 0, startedAt);
      }
      return outcome;
    } finally {
      clearTimeout(deadline);
      p.cancel.signal.removeEventListener("abort", onCancel);
      this.#closing.signal.removeEventListener("abort", onClose);
      signal?.removeEventListener("abort", onCancel);
      this.#unregister(p);
      await this.#cleanup([p], !outcome?.ok);
    }
  }

  /** Waits for a QueueEvents wake-up or one poll interval; rejects when `signal` aborts. */
  #nap(p: Pending, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (p.woken) {
      p.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        p.woken = false;
        p.wake = () => {
          p.woken = true;
        };
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, this.#pollMs);
      p.wake = () => {
        done();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The frame's outcome if it is finished (result stored, or job failed/lost), else undefined. */
  async #check(p: Pending, startedAt: number): Promise<FrameOutcome | undefined> {
    const result = await this.#result(p, startedAt);
    if (result) return result;
    const state = await this.#queue.getJobState(p.bullId);
    if (state === "failed") {
      const job = await this.#queue.getJob(p.bullId);
      return failure(
        p.index,
        job?.failedReason || "failed",
        job?.attemptsMade ?? this.policy.attempts,
        startedAt,
      );
    }
    if (state === "completed" || state === "unknown") {
      // The worker stores the result before completing: read it once more (race with the check).
      const again = await this.#result(p, startedAt);
      if (again) return again;
      return failure(
        p.index,
        state === "completed"
          ? "worker completed the frame without storing a result"
          : "frame job disappeared from the queue",
        0,
        startedAt,
      );
    }
    return undefined;
  }

  async #result(p: Pending, startedAt: number): Promise<FrameOutcome | undefined> {
    const buf = await this.#redis.getBuffer(p.outKey);
    if (!buf) return undefined;
    let decoded;
    try {
      decoded = decodeResult(buf);
    } catch (err) {
      return failure(p.index, (err as Error).message, 0, startedAt);
    }
    const { meta, data } = decoded;
    const want = frameSize(p.width, p.height);
    if (data.length !== want) {
      return failure(
        p.index,
        `worker ${meta.worker} stored ${data.length} bytes, expected ${want}`,
        meta.attempts,
        startedAt,
      );
    }
    this.#processed.set(meta.worker, (this.#processed.get(meta.worker) ?? 0) + 1);
    return {
      ok: true,
      index: p.index,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      worker: meta.worker,
      attempts: meta.attempts,
      latencyMs: performance.now() - startedAt,
    };
  }

  /** Attempts started for a frame, as far as BullMQ knows (0 when the job or Redis is gone). */
  async #attempts(p: Pending): Promise<number> {
    let attempts = 0;
    await withinMs(
      this.#queue.getJob(p.bullId).then((job) => {
        if (job) attempts = Math.max(job.attemptsMade, job.attemptsStarted ?? 0);
      }),
      LOOKUP_WAIT_MS,
    );
    return attempts;
  }

  #register(p: Pending): void {
    this.#pending.set(p.bullId, p);
    let set = this.#byJob.get(p.jobId);
    if (!set) this.#byJob.set(p.jobId, set = new Set());
    set.add(p);
  }

  #unregister(p: Pending): void {
    this.#pending.delete(p.bullId);
    const set = this.#byJob.get(p.jobId);
    if (set) {
      set.delete(p);
      if (set.size === 0) this.#byJob.delete(p.jobId);
    }
  }

  /**
   * Deletes the frames' keys and, when `removeJobs`, their jobs (best effort: active jobs stay).
   * Gives up after {@link CLEANUP_WAIT_MS} when Redis does not answer: the keys' TTL covers it.
   */
  #cleanup(frames: Pending[], removeJobs: boolean): Promise<void> {
    if (frames.length === 0) return Promise.resolve();
    const work = (async () => {
      await this.#redis.del(...frames.flatMap((p) => [p.inKey, p.outKey]));
      if (removeJobs) {
        await Promise.all(frames.map((p) => this.#queue.remove(p.bullId).catch(() => 0)));
      }
    })();
    return withinMs(work, CLEANUP_WAIT_MS);
  }

  /**
   * Cancels a server job: sets `vframe:<job>:cancelled` (with the frame TTL, so a worker that
   * already holds one of its frames stores nothing and a leftover job fails fast), resolves the
   * job's frames in flight with reason `cancelled`, removes their waiting/delayed jobs and deletes
   * their frame keys. Frames submitted later for that id resolve `cancelled` at once.
   */
  async cancelJob(jobId: string): Promise<void> {
    if (typeof jobId !== "string" || jobId === "") {
      throw new QueueOptionError(`jobId must be a non-empty string, got ${jobId}`);
    }
    this.#cancelled.add(jobId);
    const frames = [...(this.#byJob.get(jobId) ?? [])];
    for (const p of frames) p.cancel.abort(new StopReason("cancelled"));
    await withinMs(
      this.#redis.set(cancelKey(jobId), "1", "PX", this.frameTtlMs),
      CLEANUP_WAIT_MS,
    );
    await this.#cleanup(frames, true);
  }

  /**
   * Workers connected to the queue (BullMQ `getWorkers`, i.e. Redis CLIENT LIST) plus any that
   * produced results for this server; `processed` counts results this server received from each,
   * `busy` its active jobs now.
   */
  async workers(): Promise<WorkerInfo[]> {
    const ids = new Set(this.#processed.keys());
    try {
      for (const client of await this.#queue.getWorkers()) {
        const raw = client.rawname ?? "";
        const at = raw.indexOf(":w:");
        if (at >= 0) ids.add(raw.slice(at + 3));
      }
    } catch {
      // CLIENT LIST not allowed (some hosted Redis): fall back to workers seen in results
    }
    const busy = new Map<string, number>();
    try {
      for (const job of await this.#queue.getActive(0, 999)) {
        if (job.processedBy) busy.set(job.processedBy, (busy.get(job.processedBy) ?? 0) + 1);
      }
    } catch {
      // leave busy at 0
    }
    return [...ids].sort().map((id) => ({
      id,
      processed: this.#processed.get(id) ?? 0,
      busy: busy.get(id) ?? 0,
    }));
  }

  /** Jobs waiting to run in the whole queue: wait + prioritized + delayed (in backoff). */
  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts("wait", "prioritized", "delayed");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /**
   * Resolves every pending frame with `queue closed` (deleting its keys and jobs), then closes
   * QueueEvents, the queue and the Redis connection; if Redis does not answer within 3 s, drops
   * the connections instead. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort(new StopReason("queue closed"));
    await Promise.allSettled([...this.#inflight]);
    let closed = false;
    await withinMs(
      (async () => {
        await this.#events?.close();
        await this.#queue.close();
        await this.#redis.quit();
        closed = true;
      })(),
      CLOSE_WAIT_MS,
    );
    if (!closed) {
      this.#redis.disconnect();
      await withinMs(this.#events?.disconnect() ?? Promise.resolve(), CLEANUP_WAIT_MS);
      await withinMs(this.#queue.disconnect(), CLEANUP_WAIT_MS);
    }
  }
}
