/**
 * The queue's public types: the unit of work (a frame today), its outcome, the retry policy, and
 * the {@link WorkQueue} interface every backend implements.
 */
import type { CompiledChain } from "../filters/compile.ts";
import type { FilterChain } from "../filters/types.ts";
import type { QueueBackendName } from "./backends.ts";

/**
 * A task's filter chain, already parsed: best a CompiledChain (`compileChain`, validated once per
 * job and trusted as it is), or a plain FilterChain (validated by the filters when it runs).
 */
export type TaskChain = FilterChain | CompiledChain;

/** One frame of one job, handed to a queue backend for filtering. */
export interface FrameTask {
  /** The server's job id; frames of one job share it. */
  jobId: string;
  /** Frame index inside the job. */
  index: number;
  width: number;
  height: number;
  /**
   * The filter chain, parsed once per job by the server, not once per frame. A chain the filters
   * reject fails the frame at once (no retries). The BullMQ backend sends it to workers in its
   * compact text form (`encodeChain`).
   */
  chain: TaskChain;
  /** The original yuv420p frame. Not modified by the queue. */
  data: Uint8Array;
  /**
   * The frame's time in seconds from the input's first frame (its pts), for filters that vary
   * with time (fade); default 0.
   */
  time?: number;
}

/** How a frame ended. A queue never rejects for a frame's failure: it reports it here. */
export type FrameOutcome =
  | {
    ok: true;
    index: number;
    /** The filtered yuv420p frame. */
    data: Uint8Array;
    /** Which worker produced it (process/thread id, host name for BullMQ workers). */
    worker: string;
    /** Attempts used, 1 when the first try succeeded. */
    attempts: number;
    /** Time from submission to result, milliseconds. */
    latencyMs: number;
  }
  | {
    ok: false;
    index: number;
    /**
     * Why the frame could not be filtered: the last attempt's error (`timeout after 10000 ms`,
     * `FaultInjectedError: …`), `deadline of 60000 ms exceeded` (with the last error in brackets
     * when an attempt had failed), `cancelled`, `queue closed`, or `no live worker for 30 s: …`
     * (with `fatal`).
     */
    reason: string;
    /** Attempts started (0 when the frame never reached a worker). */
    attempts: number;
    latencyMs: number;
    /**
     * Set when the failure is not the frame's but the whole job's: no live worker for
     * `policy.noWorkerTimeoutMs`. The server then fails the job instead of using the original.
     */
    fatal?: true;
  };

/** Fault-tolerance settings shared by every backend (see `resolvePolicy` for the checks). */
export interface RetryPolicy {
  /** Tries per task, including the first (default 3). */
  attempts: number;
  /** First backoff delay; doubles after each failed try (default 100 ms). */
  backoffMs: number;
  /** Time limit for one attempt, enforced where the work runs (default 10_000 ms). */
  attemptTimeoutMs: number;
  /**
   * Overall limit per task, counted from `process()`; past it the outcome is a failure and the
   * server uses the original (default 60_000 ms). Work lost by the transport (a Redis restart) is
   * queued again until then.
   */
  deadlineMs: number;
  /**
   * How long tasks are held while no worker is alive (BullMQ with no `vframe worker` heartbeating;
   * the embedded pool's threads are always alive), ms, counted per task: held time does not count
   * toward `deadlineMs` and uses no attempt; past it the task fails with `fatal` set and the server
   * fails the job (default 30_000).
   */
  noWorkerTimeoutMs: number;
}

/** A worker seen by the backend, for the preview and the result JSON. */
export interface WorkerInfo {
  id: string;
  /** Units it has completed since it started (as far as this server knows). */
  processed: number;
  /** Units it is running now (BullMQ: as of its last heartbeat). */
  busy: number;
  /**
   * True while the worker proves it is alive: a BullMQ worker's heartbeat key exists (refreshed
   * every second, 3 s TTL); an embedded pool thread always is.
   */
  alive: boolean;
  /** Milliseconds since its last heartbeat (0 for the embedded pool's threads). */
  lastSeenMs: number;
  /** Units it runs at once, when the worker says (BullMQ `--concurrency`). */
  concurrency?: number;
  /** When it started (ISO 8601), when the worker says. */
  startedAt?: string;
}

/** Options of {@link WorkQueue.workers}. */
export interface WorkersOptions {
  /**
   * Also list workers that stopped heartbeating recently (`alive: false`, for about a minute,
   * then they are forgotten). Default false: live workers only.
   */
  includeOffline?: boolean;
}

/**
 * A place to send units of work (`Task`, resolved as `Outcome`): an in-process pool, or BullMQ
 * workers on Redis. Every backend shares one scheduler (scheduler.ts), so the guarantees below
 * hold alike for all of them and for every kind of unit.
 */
export interface WorkQueue<Task, Outcome> {
  /** Which backend this is. */
  readonly backend: QueueBackendName;
  /**
   * Runs one task with up to `policy.attempts` tries (exponential backoff between them), each try
   * limited to `policy.attemptTimeoutMs` where it runs.
   *
   * Guarantees:
   * - **never rejects for the task's failure**: a failure is an outcome with `ok: false`;
   * - **always resolves by the deadline**: no later than `policy.deadlineMs` after the call
   *   (plus timer latency, plus the time it was held with no live worker, at most
   *   `policy.noWorkerTimeoutMs`), whatever workers or Redis do; after that the server uses the
   *   original;
   * - an error no retry can fix (a filter chain the filters reject) fails at once;
   * - work the transport lost (its job vanished from Redis) is queued again, without using up an
   *   attempt, while the deadline allows;
   * - while no worker is alive, the task is held: the time does not count toward the deadline and
   *   uses no attempt; after `policy.noWorkerTimeoutMs` of it the outcome is a failure with
   *   `fatal` set (so `process` resolves by `deadlineMs + noWorkerTimeoutMs` at the latest);
   * - aborting `signal` resolves it with reason `cancelled`; `cancelJob` and `close` as below.
   *
   * @throws QueueOptionError (as a rejection) when the task is malformed.
   */
  process(task: Task, signal?: AbortSignal): Promise<Outcome>;
  /**
   * Cancels a server job: its tasks in flight resolve promptly with reason `cancelled`, tasks
   * submitted later for that id resolve `cancelled` at once (the last 10,000 ids are remembered),
   * and whatever the backend holds for them (jobs, Redis keys) is dropped before this resolves.
   */
  cancelJob(jobId: string): Promise<void>;
  /**
   * Live workers (see {@link WorkerInfo.alive}); with `includeOffline`, also those that stopped
   * heartbeating recently.
   */
  workers(options?: WorkersOptions): Promise<WorkerInfo[]>;
  /**
   * What to do when no worker is alive, for messages (e.g. "start `deno task worker --redis
   * redis://host:6379`"); undefined for a backend whose workers are always alive.
   */
  readonly workerHint?: string;
  /** Tasks waiting to run (queued, or waiting for a backoff or a rate-limit slot). */
  depth(): Promise<number>;
  /**
   * Resolves every outstanding task with reason `queue closed`, then releases the backend
   * (threads, connections). Later `process` calls resolve `queue closed`. Idempotent.
   */
  close(): Promise<void>;
}

/** The frame queue the server uses: a {@link WorkQueue} of frames. */
export type FrameQueue = WorkQueue<FrameTask, FrameOutcome>;
