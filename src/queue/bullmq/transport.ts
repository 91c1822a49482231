/**
 * The BullMQ transport (server side): moves one attempt of one unit of work (a frame, a segment)
 * to the workers through Redis and brings its record back. The shared scheduler decides when to
 * try, retry or give up; a {@link BullmqUnit} says what a unit's keys, input, job data and result
 * are (the frame's is here; the segment's is in segment_transport.ts).
 *
 * One attempt = one BullMQ job (`attempts: 1`; the scheduler owns retries). Frame bytes never
 * enter job data or return values: the original is stored once per frame under
 * `vframe:<job>:in:<index>` and the worker writes the attempt's record (the filtered frame, or why
 * it failed) to `vframe:<job>:out:<index>:<attempt>`, both with a TTL; the job carries keys and
 * metadata only. Completion is learned from QueueEvents AND a poll of the record key and job state
 * (QueueEvents is best effort). A job that vanished (a Redis restart) is reported as lost work.
 * Which workers are alive comes from their heartbeats (heartbeat.ts).
 */
import type { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { frameSize } from "../../codec/frame.ts";
import { encodeChain } from "../../filters/chain_codec.ts";
import { chainOutputSize } from "../../filters/compile.ts";
import { untilAborted } from "../abort.ts";
import { RemoteAttemptError, WorkLostError } from "../errors.ts";
import { isPermanent } from "../policy.ts";
import type { AttemptContext, Delivery, TaskRun, Transport } from "../transport.ts";
import type { FrameTask, WorkerInfo, WorkersOptions } from "../types.ts";
import { withinMs } from "../../util/sleep.ts";
import { AssetPublisher } from "./assets.ts";
import { OFFLINE_KEEP_MS, readHeartbeats } from "./heartbeat.ts";
import type { FrameJobData } from "./job_data.ts";
import { bullJobId, cancelKey, inputKey, outputKey } from "./keys.ts";
import { getBytes, toBuffer } from "./redis.ts";
import { decodeResult, ResultFormatError, type ResultMeta } from "./result_codec.ts";

/** Longest wait for Redis when deleting a frame's keys and jobs or setting a cancel marker. */
export const CLEANUP_WAIT_MS = 1000;
/** Longest wait for a graceful close before connections are dropped: 3000 ms. */
export const CLOSE_WAIT_MS = 3000;

/** What {@link BullmqTransport} is built from (connections made by `BullmqQueue.create`). */
export interface BullmqTransportOptions {
  redis: Redis;
  queue: Queue;
  /** QueueEvents, to wake a frame's poll early; without it only the poll reports. */
  events?: QueueEvents;
  /** TTL of frame keys, ms. */
  frameTtlMs: number;
  /** Poll interval of the record key and job state, ms. */
  pollMs: number;
  /** The BullMQ queue name, whose workers' heartbeats are read. */
  queueName: string;
  /** What to do when no worker is alive (see `WorkQueue.workerHint`). */
  workerHint?: string;
  /** How long a worker that stopped heartbeating is listed offline, ms (default 60 s). */
  keepOfflineMs?: number;
}

/** The keys and limits of one attempt, for {@link BullmqUnit.jobData}. */
export interface AttemptKeys {
  inKey: string;
  outKey: string;
  cancelKey: string;
  attempt: number;
  timeoutMs: number;
  ttlMs: number;
}

/** What the transport needs to know about a kind of unit. */
export interface BullmqUnit<Task, Result, Prepared = unknown> {
  /** BullMQ job name (`frame`, `segment`), and the unit's name in messages. */
  readonly name: string;
  /** The server job the task belongs to. */
  jobId(task: Task): string;
  inputKey(task: Task): string;
  /** Record key of attempt `attempt` (one per attempt, so late records never mix). */
  outputKey(task: Task, attempt: number): string;
  /** BullMQ job id of the `seq`-th submission (unique per submission). */
  bullJobId(task: Task, seq: number): string;
  /** The bytes stored once per task under its input key. */
  input(task: Task): Uint8Array;
  /** Work done once per task before its first job (e.g. encoding the chain); may throw. */
  prepare(task: Task): Prepared;
  /** The small JSON data of one attempt's job. */
  jobData(task: Task, prepared: Prepared, keys: AttemptKeys): Record<string, unknown>;
  /** The result in a worker's record, or an Error when the record does not fit the task. */
  result(task: Task, meta: ResultMeta, data: Uint8Array): Result | Error;
  /** A progress report of a running attempt (`job.updateProgress`), when the unit has them. */
  progress?(task: Task, data: unknown): void;
}

/** The frame as a BullMQ unit: the frame's bytes in, the filtered frame's bytes out. */
export const FRAME_BULLMQ_UNIT: BullmqUnit<FrameTask, Uint8Array, string> = {
  name: "frame",
  jobId: (task) => task.jobId,
  inputKey: (task) => inputKey(task.jobId, task.index),
  outputKey: (task, attempt) => outputKey(task.jobId, task.index, attempt),
  bullJobId: (task, seq) => bullJobId(task.jobId, task.index, seq),
  input: (task) => task.data,
  prepare: (task) => encodeChain(task.chain), // FilterChainError: permanent, no job is added
  jobData: (task, chain, keys): Record<string, unknown> & FrameJobData => ({
    jobId: task.jobId,
    index: task.index,
    width: task.width,
    height: task.height,
    chain,
    ...(task.time ? { time: task.time } : {}),
    ...keys,
  }),
  result(task, meta, data) {
    // The chain may change the size (scale, crop, pad, transpose): the filtered frame has its own.
    const out = chainOutputSize(task.chain, task.width, task.height);
    const want = frameSize(out.width, out.height);
    if (data.length !== want) {
      return new RemoteAttemptError(
        `worker ${meta.worker} stored ${data.length} bytes, expected ${want}`,
      );
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  },
};

/** A task's state across its attempts. */
interface TaskState<Task, Prepared> {
  task: Task;
  inKey: string;
  /** What `prepare` gave, once per task. */
  prepared?: { value: Prepared };
  /** The input key was written (and, as far as we know, Redis still has it). */
  stored: boolean;
  /** Record keys of every attempt submitted. */
  outKeys: Set<string>;
  /** BullMQ jobs whose end was not read from a record: removed by `finish`. */
  unsettled: Set<string>;
}

/** How a check of a job ended. */
type Check<Result> =
  | { done: Delivery<Result> }
  | { error: Error }
  | undefined;

/** A wake-up from QueueEvents, or a poll interval, whichever comes first. */
class Waker {
  #woken = false;
  #wake: (() => void) | undefined;

  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }

  /** Resolves on a wake-up (also one that came before) or after `ms`; rejects on abort. */
  nap(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#wake = undefined;
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.#wake = () => {
        done();
        resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** See the module documentation. */
export class UnitTransport<Task, Result, Prepared = unknown> implements Transport<Task, Result> {
  readonly #unit: BullmqUnit<Task, Result, Prepared>;
  readonly #redis: Redis;
  readonly #queue: Queue;
  readonly #events: QueueEvents | undefined;
  readonly #ttl: number;
  readonly #pollMs: number;
  readonly #wakers = new Map<string, { waker: Waker; task: Task }>();
  readonly #processed = new Map<string, number>();
  readonly #queueName: string;
  readonly #keepOfflineMs: number;
  readonly workerHint: string | undefined;
  readonly #assets: AssetPublisher;
  #seq = 0;

  constructor(options: BullmqTransportOptions, unit: BullmqUnit<Task, Result, Prepared>) {
    this.#unit = unit;
    this.#queueName = options.queueName;
    this.#keepOfflineMs = options.keepOfflineMs ?? OFFLINE_KEEP_MS;
    this.workerHint = options.workerHint;
    this.#redis = options.redis;
    this.#assets = new AssetPublisher(options.redis);
    this.#queue = options.queue;
    this.#events = options.events;
    this.#ttl = options.frameTtlMs;
    this.#pollMs = options.pollMs;
    const wake = ({ jobId }: { jobId: string }) => this.#wakers.get(jobId)?.waker.wake();
    this.#events?.on("completed", wake);
    this.#events?.on("failed", wake);
    if (unit.progress) {
      this.#events?.on("progress", ({ jobId, data }: { jobId: string; data: unknown }) => {
        const entry = this.#wakers.get(jobId);
        if (!entry) return;
        try {
          unit.progress!(entry.task, data);
        } catch {
          // a progress listener must not break the transport
        }
      });
    }
  }

  open(task: Task): TaskRun<Result> {
    const run: TaskState<Task, Prepared> = {
      task,
      inKey: this.#unit.inputKey(task),
      stored: false,
      outKeys: new Set(),
      unsettled: new Set(),
    };
    return {
      attempt: (ctx) => this.#attempt(run, ctx),
      finish: () => this.#finish(run),
    };
  }

  /**
   * Stores the input (first attempt, or again after lost work), adds the attempt's job, and
   * waits for its record. Redis errors while submitting are lost work; while waiting, polling
   * goes on (the scheduler's deadline bounds it).
   */
  async #attempt(
    run: TaskState<Task, Prepared>,
    ctx: AttemptContext,
  ): Promise<Delivery<Result>> {
    const { task } = run;
    const unit = this.#unit;
    const { attempt, timeoutMs, signal } = ctx;
    run.prepared ??= { value: unit.prepare(task) }; // a permanent error: no job is added
    const bullId = unit.bullJobId(task, ++this.#seq);
    const outKey = unit.outputKey(task, attempt);
    const waker = new Waker();
    this.#wakers.set(bullId, { waker, task });
    try {
      try {
        if (!run.stored) {
          await untilAborted(
            this.#redis.set(run.inKey, toBuffer(unit.input(task)), "PX", this.#ttl),
            signal,
          );
          run.stored = true;
        }
        const data = unit.jobData(task, run.prepared.value, {
          inKey: run.inKey,
          outKey,
          cancelKey: cancelKey(unit.jobId(task)),
          attempt,
          timeoutMs,
          ttlMs: this.#ttl,
        });
        // The images the chain names (overlay), in Redis before any job that needs them.
        if (typeof data.chain === "string") {
          await untilAborted(this.#assets.publish(data.chain), signal);
        }
        run.outKeys.add(outKey);
        run.unsettled.add(bullId);
        await untilAborted(this.#queue.add(unit.name, data, { jobId: bullId }), signal);
      } catch (err) {
        if (signal.aborted || isPermanent(err)) throw err;
        run.stored = false;
        throw new WorkLostError(`redis error: ${(err as Error).message}`);
      }
      while (true) {
        await waker.nap(this.#pollMs, signal);
        let check: Check<Result>;
        try {
          check = await untilAborted(this.#check(run, bullId, outKey), signal);
        } catch (err) {
          if (signal.aborted) throw err;
          continue; // Redis unreachable for a moment: keep polling
        }
        if (!check) continue;
        if ("done" in check) return check.done;
        if (check.error instanceof WorkLostError) run.stored = false;
        throw check.error;
      }
    } finally {
      this.#wakers.delete(bullId);
    }
  }

  /** The attempt's end if it is over (record stored, job failed or lost), else undefined. */
  async #check(
    run: TaskState<Task, Prepared>,
    bullId: string,
    outKey: string,
  ): Promise<Check<Result>> {
    const record = await this.#record(run, bullId, outKey);
    if (record) return record;
    const state = await this.#queue.getJobState(bullId);
    if (state === "failed") {
      // Not a filter failure (those come as records): e.g. stalled too often, bad job data.
      const job = await this.#queue.getJob(bullId);
      return {
        error: new RemoteAttemptError(job?.failedReason || `${this.#unit.name} job failed`),
      };
    }
    if (state === "completed" || state === "unknown") {
      // The worker stores its record before completing: read once more (race with the check).
      const again = await this.#record(run, bullId, outKey);
      if (again) return again;
      run.unsettled.delete(bullId);
      return {
        error: new WorkLostError(
          state === "unknown"
            ? `${this.#unit.name} job disappeared from the queue`
            : `the worker found no input for the ${this.#unit.name} (lost from Redis)`,
        ),
      };
    }
    return undefined;
  }

  /** The attempt's record, decoded, or undefined when there is none yet. */
  async #record(
    run: TaskState<Task, Prepared>,
    bullId: string,
    outKey: string,
  ): Promise<Check<Result>> {
    const buf = await getBytes(this.#redis, outKey);
    if (!buf) return undefined;
    run.unsettled.delete(bullId); // the worker completes the job itself (removed on completion)
    let decoded;
    try {
      decoded = decodeResult(buf);
    } catch (err) {
      return { error: err as ResultFormatError };
    }
    const { meta, data } = decoded;
    if (meta.error) {
      return {
        error: new RemoteAttemptError(meta.error.reason, { permanent: meta.error.permanent }),
      };
    }
    const result = this.#unit.result(run.task, meta, data);
    if (result instanceof Error) return { error: result };
    this.#processed.set(meta.worker, (this.#processed.get(meta.worker) ?? 0) + 1);
    return { done: { result, worker: meta.worker } };
  }

  /**
   * Deletes the frame's keys (the input first, so a worker still on it stores nothing), then
   * removes its jobs that may still wait or be kept as failed. Gives up after
   * {@link CLEANUP_WAIT_MS} when Redis does not answer: the keys' TTL covers the rest.
   */
  #finish(run: TaskState<Task, Prepared>): Promise<void> {
    const work = (async () => {
      await this.#redis.del(run.inKey, ...run.outKeys);
      await Promise.all([...run.unsettled].map((id) => this.#queue.remove(id).catch(() => 0)));
    })();
    return withinMs(work, CLEANUP_WAIT_MS);
  }

  /**
   * Sets `vframe:<job>:cancelled` with the frame TTL: a worker that holds one of the job's frames
   * then stores nothing, and a leftover job of it is dropped at once.
   */
  cancelJob(jobId: string): Promise<void> {
    return withinMs(this.#redis.set(cancelKey(jobId), "1", "PX", this.#ttl), CLEANUP_WAIT_MS);
  }

  /**
   * The workers of the queue that heartbeat (heartbeat.ts): the live ones, and with
   * `includeOffline` those whose heartbeat stopped within the last minute. `processed` counts
   * results this server received from each, `busy` is what the worker said in its last heartbeat.
   * @throws the Redis error when Redis does not answer.
   */
  async workers(options: WorkersOptions = {}): Promise<WorkerInfo[]> {
    const entries = await readHeartbeats(this.#redis, this.#queueName, this.#keepOfflineMs);
    const infos: WorkerInfo[] = [];
    for (const e of entries) {
      if (!e.alive && !options.includeOffline) continue;
      const info: WorkerInfo = {
        id: e.id,
        processed: this.#processed.get(e.id) ?? 0,
        busy: e.alive ? e.record?.busy ?? 0 : 0,
        alive: e.alive,
        lastSeenMs: e.lastSeenMs,
      };
      if (e.record?.concurrency !== undefined) info.concurrency = e.record.concurrency;
      if (e.record?.startedAt !== undefined) info.startedAt = e.record.startedAt;
      infos.push(info);
    }
    return infos;
  }

  /** Jobs waiting to run in the whole queue (every server's): wait + prioritized + delayed. */
  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts("wait", "prioritized", "delayed");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /**
   * Closes QueueEvents, the queue and the Redis connection; if Redis is not connected, or does
   * not answer within {@link CLOSE_WAIT_MS}, drops the connections instead.
   */
  async close(): Promise<void> {
    let closed = false;
    if (this.#redis.status === "ready") {
      await withinMs(
        (async () => {
          await this.#events?.close();
          await this.#queue.close();
          await this.#redis.quit();
          closed = true;
        })(),
        CLOSE_WAIT_MS,
      );
    }
    if (!closed) {
      this.#redis.disconnect();
      await withinMs(
        Promise.all([this.#events?.disconnect(), this.#queue.disconnect()]),
        CLEANUP_WAIT_MS,
      );
    }
  }
}

/** The frame transport (see {@link FRAME_BULLMQ_UNIT}). */
export class BullmqTransport extends UnitTransport<FrameTask, Uint8Array, string> {
  constructor(options: BullmqTransportOptions) {
    super(options, FRAME_BULLMQ_UNIT);
  }
}
