/**
 * The worker side of the BullMQ backend: consumes frame jobs, filters them on a FilterPool (the
 * SIMD wasm loaded once per thread) and stores results in Redis. Used by `vframe worker`.
 *
 * Idempotent (delivery is at least once): a frame whose result key exists is not redone. A result
 * is stored only if the frame's input key still exists and its job is not cancelled, atomically
 * (a Lua script), so a frame the server gave up on leaves nothing behind.
 */
import { UnrecoverableError, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { frameSize } from "../codec/frame.ts";
import { FilterPool } from "../filters/pool.ts";
import { QueueOptionError } from "./errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "./fault.ts";
import { isPermanent, runAttempt } from "./filter_attempt.ts";
import { checkJobData, type FrameJobData } from "./job_data.ts";
import { connectRedis, redisOptionsFromUrl, toBuffer } from "./redis.ts";
import { KEEP_FAILED, resolveQueueName } from "./settings.ts";
import { encodeResult } from "./result_codec.ts";
import { defaultThreads, describeError, processId } from "./task.ts";

/** Default lock duration of an active job: 5 s (BullMQ's is 30 s). */
export const DEFAULT_LOCK_DURATION_MS = 5000;
/** Default interval of the stalled-job check: 2 s (BullMQ's is 30 s). */
export const DEFAULT_STALLED_INTERVAL_MS = 2000;
/** Default number of times a job may be recovered from a stalled state before it fails: 2. */
export const DEFAULT_MAX_STALLED_COUNT = 2;

/** Options of {@link FrameWorker.start}. */
export interface FrameWorkerOptions {
  /** `redis://host:port` of the shared Redis. Required. */
  redisUrl: string;
  /** Frames filtered at once = filter threads (default: 2/3 of the logical cores, ≥ 1). */
  concurrency?: number;
  /** BullMQ queue name (default `vframe-frames`). */
  queueName?: string;
  /** Test-only fault switch (see fault.ts); default the `VFRAME_FAULT` environment variable. */
  fault?: string;
  /**
   * Lock of an active job (default 5000 ms), renewed every half of it while the job runs. The
   * filter runs on a worker thread, so the event loop that renews locks is never blocked.
   */
  lockDurationMs?: number;
  /** How often this worker checks for stalled jobs (default 2000 ms). */
  stalledIntervalMs?: number;
  /** Recoveries from stalled state before a job fails (default 2). Stalls do not use attempts. */
  maxStalledCount?: number;
}

/** Small return value of a frame job (it is copied into the events stream: no frame bytes). */
export interface FrameJobReturn {
  worker: string;
  attempts: number;
  ms: number;
  /** Why nothing was stored: `exists` (result already there) or `abandoned` (input gone). */
  skipped?: "exists" | "abandoned";
}

/** Stores ARGV[1] at KEYS[2] with PX ARGV[2] iff input KEYS[1] exists and KEYS[3] does not. */
const STORE_RESULT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1`;

function checkPositiveInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new QueueOptionError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** A BullMQ frame worker process's engine. */
export class FrameWorker {
  /** `HOST:PID`; also the BullMQ worker name, so `queue.getWorkers()` lists it. */
  readonly id: string;
  /** Frames filtered at once. */
  readonly concurrency: number;
  readonly queueName: string;
  #worker: Worker<FrameJobData, FrameJobReturn>;
  #pool: FilterPool;
  #redis: Redis;
  #fault: FaultPlan;
  #processed = 0;
  #closing: Promise<void> | undefined;

  private constructor(
    id: string,
    concurrency: number,
    queueName: string,
    pool: FilterPool,
    redis: Redis,
    fault: FaultPlan,
    worker: (self: FrameWorker) => Worker<FrameJobData, FrameJobReturn>,
  ) {
    this.id = id;
    this.concurrency = concurrency;
    this.queueName = queueName;
    this.#pool = pool;
    this.#redis = redis;
    this.#fault = fault;
    this.#worker = worker(this);
  }

  /**
   * Connects to Redis, starts `concurrency` filter threads and a BullMQ Worker with
   * `maxRetriesPerRequest: null` and the stalled-job settings above. Resolves once the worker
   * is connected and consuming.
   * @throws QueueOptionError on a bad option; FaultSpecError on a bad fault switch;
   * RedisUnavailableError when Redis does not answer.
   */
  static async start(options: FrameWorkerOptions): Promise<FrameWorker> {
    if (options === null || typeof options !== "object") {
      throw new QueueOptionError(`options must be an object with redisUrl, got ${options}`);
    }
    const connection = redisOptionsFromUrl(options.redisUrl);
    const concurrency = options.concurrency ?? defaultThreads();
    checkPositiveInt("concurrency", concurrency, 1);
    const queueName = resolveQueueName(options.queueName);
    const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    checkPositiveInt("lockDurationMs", lockDuration, 100);
    const stalledInterval = options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS;
    checkPositiveInt("stalledIntervalMs", stalledInterval, 100);
    const maxStalledCount = options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT;
    checkPositiveInt("maxStalledCount", maxStalledCount, 0);
    const fault = parseFault(options.fault ?? faultFromEnv());

    const redis = await connectRedis(options.redisUrl, {
      redis: { maxRetriesPerRequest: null },
    });
    redis.on("error", () => {}); // reconnects on its own; commands in flight reject
    let pool: FilterPool;
    try {
      pool = await FilterPool.create({ size: concurrency });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    const id = processId();
    const fw = new FrameWorker(
      id,
      concurrency,
      queueName,
      pool,
      redis,
      fault,
      (self) =>
        new Worker<FrameJobData, FrameJobReturn>(
          queueName,
          (job, _token, signal) => self.#run(job, signal),
          {
            connection: { ...connection, maxRetriesPerRequest: null },
            name: id,
            concurrency,
            lockDuration,
            stalledInterval,
            maxStalledCount,
            removeOnComplete: { count: 0 },
            removeOnFail: KEEP_FAILED,
            autorun: false,
          },
        ),
    );
    fw.#worker.on("error", () => {}); // connection errors: BullMQ reconnects and retries
    fw.#worker.run().catch(() => {}); // settles on close
    try {
      await fw.#worker.waitUntilReady();
    } catch (err) {
      await fw.close();
      throw err;
    }
    return fw;
  }

  /** Frames this worker has filtered and stored. */
  get processed(): number {
    return this.#processed;
  }

  /** Adds a listener for jobs that failed an attempt (for logging). */
  onFailed(listener: (jobId: string, reason: string, attemptsMade: number) => void): void {
    this.#worker.on("failed", (job, err) => {
      listener(job?.id ?? "?", err.message, job?.attemptsMade ?? 0);
    });
  }

  async #run(
    job: Job<FrameJobData, FrameJobReturn>,
    signal?: AbortSignal,
  ): Promise<FrameJobReturn> {
    let d: FrameJobData;
    try {
      d = checkJobData(job.data);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const attempt = job.attemptsMade + 1;
    const [[, cancelled], [, exists]] = (await this.#redis.multi()
      .exists(d.cancelKey)
      .exists(d.outKey)
      .exec()) as [[unknown, number], [unknown, number]];
    if (cancelled) throw new UnrecoverableError(`job ${d.jobId} was cancelled`);
    if (exists) return { worker: this.id, attempts: attempt, ms: 0, skipped: "exists" };
    const input = await this.#redis.getBuffer(d.inKey);
    if (!input) {
      throw new UnrecoverableError(
        `input frame ${d.inKey} is gone (expired, cancelled, or the server gave up)`,
      );
    }
    const want = frameSize(d.width, d.height);
    if (input.length !== want) {
      throw new UnrecoverableError(
        `input frame ${d.inKey} has ${input.length} bytes, want ${want}`,
      );
    }
    let result;
    try {
      result = await runAttempt(this.#pool, {
        chain: d.chain,
        width: d.width,
        height: d.height,
        data: input,
        index: d.index,
        attempt,
        timeoutMs: d.timeoutMs,
        signal,
        fault: this.#fault,
      });
    } catch (err) {
      const reason = describeError(err, d.timeoutMs);
      throw isPermanent(err) ? new UnrecoverableError(reason) : new Error(reason);
    }
    const value = encodeResult({ worker: this.id, attempts: attempt, ms: result.ms }, result.data);
    const stored = await this.#redis.eval(
      STORE_RESULT,
      3,
      d.inKey,
      d.outKey,
      d.cancelKey,
      toBuffer(value),
      d.ttlMs,
    );
    if (stored === 1) this.#processed++;
    return {
      worker: this.id,
      attempts: attempt,
      ms: result.ms,
      ...(stored === 1 ? {} : { skipped: "abandoned" as const }),
    };
  }

  /**
   * Graceful stop: stops taking jobs, lets active jobs finish (each is bounded by its time
   * limit), then terminates the filter threads and closes Redis. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#worker.close().catch(() => {});
      await this.#pool.close().catch(() => {});
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    })();
    return this.#closing;
  }
}
