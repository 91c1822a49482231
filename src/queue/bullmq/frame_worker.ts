/**
 * The worker side of the BullMQ backend: consumes frame jobs (one job = one attempt of one frame),
 * filters them on a FilterPool (the SIMD wasm loaded once per thread) and stores each attempt's
 * record in Redis: the filtered frame, or why the attempt failed. Used by `vframe worker`.
 *
 * A failed attempt is a record, not a failed BullMQ job: the job completes, and the server's
 * scheduler decides whether to try again. BullMQ's own failed state is left to what the worker
 * cannot report (a job that stalled too often, unreadable job data).
 *
 * Idempotent (delivery is at least once): an attempt whose record exists is not redone. A record
 * is stored only if the frame's input key still exists and its job is not cancelled, atomically
 * (a Lua script), so a frame the server gave up on leaves nothing behind. A job whose input is
 * gone (expired, or lost in a Redis restart) completes without a record; the server then stores
 * the input again and resubmits while the frame's deadline allows. While an attempt runs, the
 * worker checks every 500 ms that the server still wants the frame (input key there, job not
 * cancelled) and drops it at once otherwise, so a cancelled or timed-out frame frees its thread.
 *
 * `close()` is bounded in time even when Redis is unreachable (BullMQ alone would wait for Redis
 * for ever with `maxRetriesPerRequest: null`).
 *
 * While it runs, the worker publishes a heartbeat (heartbeat.ts: a key with a 3 s TTL refreshed
 * every second) so servers know it is alive; `close()` deletes it at once.
 */
import { UnrecoverableError, Worker } from "bullmq";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { frameSize } from "../../codec/frame.ts";
import { decodeChain } from "../../filters/chain_codec.ts";
import { FilterPool } from "../../filters/pool.ts";
import { QueueOptionError } from "../errors.ts";
import { faultFromEnv, type FaultPlan, parseFault } from "../fault.ts";
import { runAttempt } from "../filter_attempt.ts";
import { defaultThreads, processId } from "../task.ts";
import { sleep, withinMs } from "../../util/sleep.ts";
import { checkJobData, type FrameJobData } from "./job_data.ts";
import { connectRedis, redisOptionsFromUrl } from "./redis.ts";
import { type AttemptReturn, recordAttempt } from "./attempt_record.ts";
import { AttemptTally, type FailedListener } from "./attempt_tally.ts";
import { Heartbeat, HEARTBEAT_MS, HEARTBEAT_TTL_MS, type HeartbeatRecord } from "./heartbeat.ts";
import { KEEP_FAILED, resolveQueueName } from "./settings.ts";

/** Default lock duration of an active job: 5 s (BullMQ's is 30 s). */
export const DEFAULT_LOCK_DURATION_MS = 5000;
/** Default interval of the stalled-job check: 2 s (BullMQ's is 30 s). */
export const DEFAULT_STALLED_INTERVAL_MS = 2000;
/** Default number of times a job may be recovered from a stalled state before it fails: 2. */
export const DEFAULT_MAX_STALLED_COUNT = 2;
/** Default longest wait of {@link FrameWorker.close} for active frames: 8000 ms. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 8000;
/** How often a running attempt checks that the server still wants its frame: 500 ms. */
export { WATCH_MS } from "./attempt_record.ts";
/** Longest wait for BullMQ and Redis connections to close once no frame is active: 1500 ms. */
const DISCONNECT_WAIT_MS = 1500;

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
  /**
   * A running filter pool to use instead of starting one (`concurrency` defaults to its size). It
   * is shared: `close()` leaves it open, its owner closes it.
   */
  pool?: FilterPool;
  /** Interval of the heartbeat, ms (default 1000). */
  heartbeatMs?: number;
  /** TTL of the heartbeat key, ms (default 3000); must exceed `heartbeatMs`. */
  heartbeatTtlMs?: number;
}

/** Options of {@link FrameWorker.close}. */
export interface FrameWorkerCloseOptions {
  /**
   * Longest wait for active frames to finish (default 8000 ms). Past it their attempts are
   * aborted and the connections dropped: their jobs return to the queue through stalled-job
   * recovery. Closing the connections once no frame is active takes at most 1.5 s more, so
   * `close` resolves within `timeoutMs` + 1.5 s even when Redis is unreachable.
   */
  timeoutMs?: number;
}

/** How a {@link FrameWorker.close} went. */
export interface FrameWorkerCloseReport {
  /** Frames still active when the time limit ended the wait (0: every active frame finished). */
  abandoned: number;
  /** True when BullMQ and Redis closed cleanly (false: Redis did not answer, connections dropped). */
  clean: boolean;
}

/** Small return value of a frame job (it is copied into the events stream: no frame bytes). */
export type FrameJobReturn = AttemptReturn;

function checkPositiveInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new QueueOptionError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** A listener for failed attempts: BullMQ job id, reason, attempt number. */

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
  #ownsPool: boolean;
  #heartbeat: Heartbeat | undefined;
  readonly #startedAt = new Date().toISOString();
  readonly #tally = new AttemptTally();
  /** Aborted when a close runs out of time: active attempts end at once. */
  #stop = new AbortController();
  #closing: Promise<FrameWorkerCloseReport> | undefined;

  private constructor(
    id: string,
    concurrency: number,
    queueName: string,
    pool: FilterPool,
    redis: Redis,
    fault: FaultPlan,
    ownsPool: boolean,
    worker: (self: FrameWorker) => Worker<FrameJobData, FrameJobReturn>,
  ) {
    this.#ownsPool = ownsPool;
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
    const concurrency = options.concurrency ?? options.pool?.size ?? defaultThreads();
    checkPositiveInt("concurrency", concurrency, 1);
    const queueName = resolveQueueName(options.queueName);
    const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    checkPositiveInt("lockDurationMs", lockDuration, 100);
    const stalledInterval = options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS;
    checkPositiveInt("stalledIntervalMs", stalledInterval, 100);
    const maxStalledCount = options.maxStalledCount ?? DEFAULT_MAX_STALLED_COUNT;
    checkPositiveInt("maxStalledCount", maxStalledCount, 0);
    const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    checkPositiveInt("heartbeatMs", heartbeatMs, 10);
    const heartbeatTtlMs = options.heartbeatTtlMs ?? HEARTBEAT_TTL_MS;
    checkPositiveInt("heartbeatTtlMs", heartbeatTtlMs, heartbeatMs + 1);
    const fault = parseFault(options.fault ?? faultFromEnv());

    const redis = await connectRedis(options.redisUrl, {
      redis: { maxRetriesPerRequest: null },
    });
    redis.on("error", () => {}); // reconnects on its own; commands in flight reject
    let pool: FilterPool;
    try {
      pool = options.pool ?? await FilterPool.create({ size: concurrency });
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
      !options.pool,
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
    fw.#worker.on("failed", (job, err) => {
      fw.#tally.failed(job?.id ?? "?", err.message, job?.data?.attempt ?? 0);
    });
    fw.#worker.run().catch(() => {}); // settles on close
    try {
      await fw.#worker.waitUntilReady();
      // Alive for servers from the moment start() resolves (the ready line).
      fw.#heartbeat = new Heartbeat({
        redis,
        queueName,
        record: () => fw.#record(),
        intervalMs: heartbeatMs,
        ttlMs: heartbeatTtlMs,
      });
      await fw.#heartbeat.start();
    } catch (err) {
      await fw.close({ timeoutMs: 0 });
      throw err;
    }
    return fw;
  }

  /** What the heartbeat publishes. */
  #record(): HeartbeatRecord {
    const at = this.id.lastIndexOf(":");
    return {
      id: this.id,
      host: this.id.slice(0, at),
      pid: Deno.pid,
      concurrency: this.concurrency,
      busy: this.#tally.active,
      processed: this.#tally.processed,
      startedAt: this.#startedAt,
    };
  }

  /** Frames this worker has filtered and stored. */
  get processed(): number {
    return this.#tally.processed;
  }

  /** Frames being processed now. */
  get active(): number {
    return this.#tally.active;
  }

  /**
   * Adds a listener for attempts that failed here (the reason is what the server will report),
   * and for jobs BullMQ failed (stalled too often, unreadable data). For logging.
   */
  onFailed(listener: FailedListener): void {
    this.#tally.onFailed(listener);
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
    return await this.#tally.track(() => this.#attempt(job, d, signal));
  }

  async #attempt(
    job: Job<FrameJobData, FrameJobReturn>,
    d: FrameJobData,
    signal?: AbortSignal,
  ): Promise<FrameJobReturn> {
    return await recordAttempt({
      redis: this.#redis,
      worker: this.id,
      data: d,
      stopped: this.#stop.signal,
      signal,
      work: async (input, stop) => {
        const want = frameSize(d.width, d.height);
        if (input.length !== want) {
          throw new RangeError(`input frame ${d.inKey} has ${input.length} bytes, want ${want}`);
        }
        const result = await runAttempt(this.#pool, {
          chain: decodeChain(d.chain), // remembered: parsed once per job, not per frame
          width: d.width,
          height: d.height,
          data: input,
          index: d.index,
          time: d.time,
          attempt: d.attempt,
          timeoutMs: d.timeoutMs,
          signal: stop,
          fault: this.#fault,
        });
        return { data: result.data, meta: { ms: result.ms } };
      },
      onFailed: (reason) => this.#tally.failed(job.id ?? "?", reason, d.attempt),
      onStored: () => this.#tally.stored(),
    });
  }

  /**
   * Graceful stop, bounded in time: stops taking jobs, lets active frames finish (each is bounded
   * by its attempt's time limit) for at most `timeoutMs`, then aborts what is left, terminates the
   * filter threads and closes Redis, dropping the connections if Redis does not answer.
   * Idempotent (later calls return the first call's report).
   */
  close(options: FrameWorkerCloseOptions = {}): Promise<FrameWorkerCloseReport> {
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
    // Stops fetching jobs at once; resolves after active jobs end and the connections close.
    const closing = this.#worker.close().catch(() => {}).then(() => closed = true);
    // It takes no more work: servers no longer count it as alive (bounded when Redis is gone).
    const leaving = this.#heartbeat?.stop({ remove: true, waitMs: DISCONNECT_WAIT_MS });
    const timeUp = new AbortController();
    await Promise.race([this.#tally.whenIdle(), sleep(timeoutMs, timeUp.signal).catch(() => {})]);
    timeUp.abort();
    const abandoned = this.#tally.active;
    if (abandoned > 0) this.#stop.abort(new Error("worker stopped"));
    await withinMs(closing, DISCONNECT_WAIT_MS);
    await leaving;
    if (this.#ownsPool) await this.#pool.close().catch(() => {});
    if (closed) {
      await withinMs(this.#redis.quit(), DISCONNECT_WAIT_MS);
    } else {
      // Redis does not answer: BullMQ would wait for it for ever (maxRetriesPerRequest: null)
      this.#worker.disconnect().catch(() => {});
    }
    this.#redis.disconnect();
    return { abandoned, clean: closed };
  }
}
