/**
 * The worker side of segment mode: consumes segment jobs (one job = one attempt of one segment)
 * from `<queue>-segments`, and for each decodes the chunk, filters its frames on the process's
 * FilterPool (shared with the frame worker), encodes them with the job's settings
 * (`runSegmentAttempt`) and stores the attempt's record in Redis: the encoded chunk, or why the
 * attempt failed. Frames done are reported as the job's progress (`job.updateProgress`, at most
 * every 250 ms), which servers show frame by frame.
 *
 * As for frames: a failed attempt is a record, not a failed BullMQ job; an attempt whose record
 * exists is not redone; the record is stored only while the server still wants the segment (input
 * key there, job not cancelled), and a running attempt is dropped within 500 ms when it no longer
 * does. A worker killed mid-segment loses nothing: BullMQ's stalled-job check gives the segment
 * to another worker. `close()` is bounded in time even when Redis is unreachable.
 *
 * It publishes a heartbeat of its own under the segment queue's name (heartbeat.ts), so servers
 * count the workers that take segments.
 */
import { UnrecoverableError, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { CodecChoice } from "../../codec/types.ts";
import { decodeChain } from "../../filters/chain_codec.ts";
import type { FilterPool } from "../../filters/pool.ts";
import { sleep, withinMs } from "../../util/sleep.ts";
import { QueueOptionError } from "../errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "../fault.ts";
import { runSegmentAttempt } from "../segment_attempt.ts";
import { processId } from "../task.ts";
import { recordAttempt } from "./attempt_record.ts";
import { AttemptTally, type FailedListener } from "./attempt_tally.ts";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  type FrameJobReturn,
  type FrameWorkerCloseReport,
} from "./frame_worker.ts";
import { connectRedis, redisOptionsFromUrl } from "./redis.ts";
import { Heartbeat } from "./heartbeat.ts";
import { checkSegmentJobData, type SegmentJobData } from "./segment_job_data.ts";
import { KEEP_FAILED, resolveQueueName, segmentQueueName } from "./settings.ts";

/** Default segments a worker process runs at once: 1 (a segment keeps the whole pool busy). */
export const DEFAULT_SEGMENT_CONCURRENCY = 1;
/** Least time between two progress reports of one segment: 250 ms. */
export const PROGRESS_MS = 250;
/** Longest wait for BullMQ and Redis connections to close once no segment is active: 1500 ms. */
const DISCONNECT_WAIT_MS = 1500;

/** Options of {@link SegmentWorker.start}. */
export interface SegmentWorkerOptions {
  /** `redis://host:port` of the shared Redis. Required. */
  redisUrl: string;
  /** The frame queue's name (default `vframe-frames`); segments come from `<name>-segments`. */
  queueName?: string;
  /** The process's filter pool (shared; the worker never closes it). */
  pool: FilterPool;
  /** Segments at once (default 1). */
  concurrency?: number;
  /** Codec backend of the decoders and encoders (default `auto`). */
  codec?: CodecChoice;
  /** Frames of a segment filtered at once (default: twice the pool's threads). */
  parallel?: number;
  /** Test-only fault switch (see fault.ts); default the `VFRAME_FAULT` environment variable. */
  fault?: string;
  /** Lock of an active job (default 5000 ms), renewed every half of it. */
  lockDurationMs?: number;
  /** How often this worker checks for stalled jobs (default 2000 ms). */
  stalledIntervalMs?: number;
  /** Recoveries from stalled state before a job fails (default 2). */
  maxStalledCount?: number;
  /** Where chunks are kept while they are processed (default: the system's temporary folder). */
  tempDir?: string;
}

/** A listener for failed attempts: BullMQ job id, reason, attempt number. */

function checkInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new QueueOptionError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** A BullMQ segment worker; see the module documentation. */
export class SegmentWorker {
  /** `HOST:PID` (the same as the process's frame worker). */
  readonly id: string;
  /** Segments at once. */
  readonly concurrency: number;
  /** The BullMQ queue of segments. */
  readonly queueName: string;
  readonly #o: SegmentWorkerOptions;
  readonly #redis: Redis;
  readonly #fault: FaultPlan;
  #worker!: Worker<SegmentJobData, FrameJobReturn>;
  readonly #tally = new AttemptTally();
  #stop = new AbortController();
  #closing: Promise<FrameWorkerCloseReport> | undefined;
  #heartbeat: Heartbeat | undefined;
  readonly #startedAt = new Date().toISOString();

  private constructor(
    options: SegmentWorkerOptions,
    redis: Redis,
    fault: FaultPlan,
    concurrency: number,
    queueName: string,
  ) {
    this.#o = options;
    this.#redis = redis;
    this.#fault = fault;
    this.id = processId();
    this.concurrency = concurrency;
    this.queueName = queueName;
  }

  /**
   * Connects to Redis and starts consuming segments. Resolves once the worker is connected.
   * @throws QueueOptionError on a bad option; FaultSpecError on a bad fault switch;
   *   RedisUnavailableError when Redis does not answer.
   */
  static async start(options: SegmentWorkerOptions): Promise<SegmentWorker> {
    if (options === null || typeof options !== "object" || !options.pool) {
      throw new QueueOptionError("options must be an object with redisUrl and pool");
    }
    const connection = redisOptionsFromUrl(options.redisUrl);
    const concurrency = options.concurrency ?? DEFAULT_SEGMENT_CONCURRENCY;
    checkInt("concurrency", concurrency, 1);
    if (options.parallel !== undefined) checkInt("parallel", options.parallel, 1);
    const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    checkInt("lockDurationMs", lockDuration, 100);
    const stalledInterval = options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS;
    checkInt("stalledIntervalMs", stalledInterval, 100);
    const maxStalledCount = options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT;
    checkInt("maxStalledCount", maxStalledCount, 0);
    const queueName = segmentQueueName(resolveQueueName(options.queueName));
    const fault = parseFault(options.fault ?? faultFromEnv());
    const redis = await connectRedis(options.redisUrl, { redis: { maxRetriesPerRequest: null } });
    redis.on("error", () => {});
    const sw = new SegmentWorker(options, redis, fault, concurrency, queueName);
    sw.#worker = new Worker<SegmentJobData, FrameJobReturn>(
      queueName,
      (job, _token, signal) => sw.#run(job, signal),
      {
        connection: { ...connection, maxRetriesPerRequest: null },
        name: sw.id,
        concurrency,
        lockDuration,
        stalledInterval,
        maxStalledCount,
        removeOnComplete: { count: 0 },
        removeOnFail: KEEP_FAILED,
        autorun: false,
      },
    );
    sw.#worker.on("error", () => {});
    sw.#worker.on("failed", (job, err) => {
      sw.#tally.failed(job?.id ?? "?", err.message, job?.data?.attempt ?? 0);
    });
    sw.#worker.run().catch(() => {});
    try {
      await sw.#worker.waitUntilReady();
      sw.#heartbeat = new Heartbeat({
        redis,
        queueName,
        record: () => ({
          id: sw.id,
          host: sw.id.slice(0, sw.id.lastIndexOf(":")),
          pid: Deno.pid,
          concurrency,
          busy: sw.#tally.active,
          processed: sw.#tally.processed,
          startedAt: sw.#startedAt,
        }),
      });
      await sw.#heartbeat.start();
    } catch (err) {
      await sw.close({ timeoutMs: 0 });
      throw err;
    }
    return sw;
  }

  /** Segments this worker has processed and stored. */
  get processed(): number {
    return this.#tally.processed;
  }

  /** Segments being processed now. */
  get active(): number {
    return this.#tally.active;
  }

  /** Adds a listener for attempts that failed here, and for jobs BullMQ failed. For logging. */
  onFailed(listener: FailedListener): void {
    this.#tally.onFailed(listener);
  }

  async #run(
    job: Job<SegmentJobData, FrameJobReturn>,
    signal?: AbortSignal,
  ): Promise<FrameJobReturn> {
    let d: SegmentJobData;
    try {
      d = checkSegmentJobData(job.data);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    return await this.#tally.track(() => this.#attempt(job, d, signal));
  }

  async #attempt(
    job: Job<SegmentJobData, FrameJobReturn>,
    d: SegmentJobData,
    signal?: AbortSignal,
  ): Promise<FrameJobReturn> {
    let lastReport = 0;
    return await recordAttempt({
      redis: this.#redis,
      worker: this.id,
      data: d,
      stopped: this.#stop.signal,
      signal,
      work: async (chunk, stop) => {
        const result = await runSegmentAttempt(this.#o.pool, {
          chunk,
          spec: d.spec,
          chain: decodeChain(d.chain),
          index: d.index,
          start: d.start,
          attempt: d.attempt,
          timeoutMs: d.timeoutMs,
          signal: stop,
          fault: this.#fault,
          codec: this.#o.codec,
          parallel: this.#o.parallel ?? Math.max(2, this.#o.pool.size * 2),
          tempDir: this.#o.tempDir,
          onProgress: (frames) => {
            const now = performance.now();
            if (now - lastReport < PROGRESS_MS && frames < d.spec.frames) return;
            lastReport = now;
            job.updateProgress(frames).catch(() => {});
          },
        });
        return {
          data: result.data,
          meta: {
            ms: result.ms,
            frames: result.frames,
            headerHash: result.headerHash,
            ...(result.level !== undefined ? { level: result.level } : {}),
          },
        };
      },
      onFailed: (reason) => this.#tally.failed(job.id ?? "?", reason, d.attempt),
      onStored: () => this.#tally.stored(),
    });
  }

  /**
   * Graceful stop, bounded in time: stops taking segments, lets active ones finish for at most
   * `timeoutMs` (default 8000), then aborts them (their jobs return to the queue through
   * stalled-job recovery) and closes Redis. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<FrameWorkerCloseReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        new QueueOptionError(`timeoutMs must be a finite number >= 0, got ${timeoutMs}`),
      );
    }
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<FrameWorkerCloseReport> {
    let closed = false;
    const closing = this.#worker.close().catch(() => {}).then(() => closed = true);
    const leaving = this.#heartbeat?.stop({ remove: true, waitMs: DISCONNECT_WAIT_MS });
    const timeUp = new AbortController();
    await Promise.race([this.#tally.whenIdle(), sleep(timeoutMs, timeUp.signal).catch(() => {})]);
    timeUp.abort();
    const abandoned = this.#tally.active;
    if (abandoned > 0) this.#stop.abort(new Error("worker stopped"));
    await withinMs(closing, DISCONNECT_WAIT_MS);
    await leaving;
    if (closed) await withinMs(this.#redis.quit(), DISCONNECT_WAIT_MS);
    else this.#worker.disconnect().catch(() => {});
    this.#redis.disconnect();
    return { abandoned, clean: closed };
  }
}
