/**
 * The scheduler every queue backend shares: attempts with exponential backoff, the per-attempt
 * time limit handed to the transport, the per-task deadline (after which the outcome is a failure,
 * whatever the transport does), no retries for permanent errors, lost work queued again, tasks
 * held while no worker is alive (and failed, `fatal`, when none comes in time), cancel per server
 * job, and close. A backend only supplies a {@link Transport} that moves one attempt to where it
 * runs; the kind of unit (frames today, segments later) is a {@link UnitKind}.
 *
 * Pure of I/O itself: everything that touches threads or Redis is behind the transport.
 */
import { StopReason, stopReason, untilAborted } from "./abort.ts";
import type { QueueBackendName } from "./backends.ts";
import { QueueOptionError, WorkLostError } from "./errors.ts";
import { WorkerWatch } from "./liveness.ts";
import {
  backoffDelay,
  describeError,
  isPermanent,
  noWorkerReason,
  requeueDelay,
} from "./policy.ts";
import type { Delivery, TaskRun, Transport } from "./transport.ts";
import type { RetryPolicy, WorkerInfo, WorkersOptions, WorkQueue } from "./types.ts";
import { sleep, withinMs } from "../util/sleep.ts";

/** What the scheduler needs to know about a kind of unit (a frame, a segment). */
export interface UnitKind<Task, Result, Outcome> {
  /** Short name of the unit, e.g. `frame`. */
  readonly name: string;
  /**
   * Checks a task up front (fields, sizes).
   * @throws QueueOptionError naming the bad field and the value seen.
   */
  check(task: Task): void;
  /** The server job the task belongs to (what `cancelJob` cancels). */
  jobId(task: Task): string;
  /**
   * The task's own time limits, when they differ from the policy's (a segment of many frames gets
   * more time than one frame). Fields left out take the policy's.
   */
  limits?(task: Task): TaskLimits;
  /** The outcome of a task whose attempt `attempts` delivered `delivery`. */
  succeeded(task: Task, delivery: Delivery<Result>, attempts: number, latencyMs: number): Outcome;
  /**
   * The outcome of a task that failed or was stopped; `fatal` when the failure is the whole
   * job's (no live worker in time), not the task's.
   */
  failed(
    task: Task,
    reason: string,
    attempts: number,
    latencyMs: number,
    fatal?: boolean,
  ): Outcome;
}

/** Per-task time limits (see {@link UnitKind.limits}); each overrides the policy's field. */
export type TaskLimits = Partial<Pick<RetryPolicy, "attemptTimeoutMs" | "deadlineMs">>;

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions<Task, Result, Outcome> {
  backend: QueueBackendName;
  unit: UnitKind<Task, Result, Outcome>;
  transport: Transport<Task, Result>;
  /** A resolved policy (see `resolvePolicy`). */
  policy: RetryPolicy;
  /** How often the transport is asked for live workers while tasks are outstanding (500 ms). */
  livenessCheckMs?: number;
}

/** Server job ids remembered after `cancelJob`, so late tasks of them are refused. */
const CANCELLED_MEMORY = 10_000;

interface JobState {
  /** Aborted by `cancelJob`. */
  controller: AbortController;
  /** The whole life of every task of the job still running, `finish` included. */
  lives: Set<Promise<void>>;
}

interface Ended<Outcome> {
  ok: boolean;
  outcome: Outcome;
}

/** Why a task was stopped for want of a live worker: it fails the whole job. */
class NoWorkerStop extends StopReason {
  override name = "NoWorkerStop";
}

/**
 * A task's time: its deadline moves on by the time it was held with no live worker, which is
 * bounded by the policy's `noWorkerTimeoutMs`.
 */
class TaskClock {
  readonly #watch: WorkerWatch;
  readonly #startedAt: number;
  readonly #deadlineMs: number;
  readonly #down0: number;

  constructor(watch: WorkerWatch, startedAt: number, deadlineMs: number) {
    this.#watch = watch;
    this.#startedAt = startedAt;
    this.#deadlineMs = deadlineMs;
    this.#down0 = watch.downtime(startedAt);
  }

  /** Milliseconds this task has been held with no live worker. */
  held(now: number = performance.now()): number {
    return this.#watch.downtime(now) - this.#down0;
  }

  /** When the deadline passes, as `performance.now()` time (moves while held). */
  deadlineAt(now: number = performance.now()): number {
    return this.#startedAt + this.#deadlineMs + this.held(now);
  }
}

/** A {@link WorkQueue} over a {@link Transport}; see the module documentation. */
export class Scheduler<Task, Result, Outcome> implements WorkQueue<Task, Outcome> {
  readonly backend: QueueBackendName;
  /** The resolved retry policy. */
  readonly policy: RetryPolicy;
  readonly #unit: UnitKind<Task, Result, Outcome>;
  readonly #transport: Transport<Task, Result>;
  readonly #jobs = new Map<string, JobState>();
  readonly #cancelled = new Set<string>();
  readonly #lives = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  readonly #watch: WorkerWatch;
  #closed: Promise<void> | undefined;
  /** Tasks sleeping through a backoff or before lost work is queued again. */
  #waiting = 0;

  constructor(options: SchedulerOptions<Task, Result, Outcome>) {
    this.backend = options.backend;
    this.policy = options.policy;
    this.#unit = options.unit;
    this.#transport = options.transport;
    this.#watch = new WorkerWatch({
      count: async () => (await options.transport.workers()).filter((w) => w.alive).length,
      intervalMs: options.livenessCheckMs,
    });
  }

  /** See {@link WorkQueue.workerHint}: the transport's. */
  get workerHint(): string | undefined {
    return this.#transport.workerHint;
  }

  /** See {@link WorkQueue.process}. */
  process(task: Task, signal?: AbortSignal): Promise<Outcome> {
    let limits: Required<TaskLimits>;
    try {
      this.#unit.check(task);
      limits = this.#limits(task);
    } catch (err) {
      return Promise.reject(err);
    }
    const startedAt = performance.now();
    const jobId = this.#unit.jobId(task);
    if (this.#closed) return Promise.resolve(this.#unit.failed(task, "queue closed", 0, 0));
    if (this.#cancelled.has(jobId) || signal?.aborted) {
      return Promise.resolve(this.#unit.failed(task, "cancelled", 0, 0));
    }
    let job = this.#jobs.get(jobId);
    if (!job) {
      job = { controller: new AbortController(), lives: new Set() };
      this.#jobs.set(jobId, job);
    }
    const outcome = Promise.withResolvers<Outcome>();
    const life = this.#life(task, job, signal, startedAt, limits, outcome.resolve);
    const state = job;
    this.#lives.add(life);
    state.lives.add(life);
    life.finally(() => {
      this.#lives.delete(life);
      state.lives.delete(life);
      if (state.lives.size === 0 && this.#jobs.get(jobId) === state) this.#jobs.delete(jobId);
    });
    return outcome.promise;
  }

  /** A task from `process()` to the transport's `finish`; resolves the outcome on the way. */
  async #life(
    task: Task,
    job: JobState,
    signal: AbortSignal | undefined,
    startedAt: number,
    limits: Required<TaskLimits>,
    resolve: (outcome: Outcome) => void,
  ): Promise<void> {
    const watch = this.#watch;
    watch.acquire();
    const clock = new TaskClock(watch, startedAt, limits.deadlineMs);
    const stop = new AbortController();
    const end = (reason: StopReason) => {
      if (!stop.signal.aborted) stop.abort(reason);
    };
    const onJob = () => end(new StopReason(stopReason(job.controller.signal)));
    const onClose = () => end(new StopReason("queue closed"));
    const onSignal = () => end(new StopReason("cancelled"));
    job.controller.signal.addEventListener("abort", onJob);
    this.#closing.signal.addEventListener("abort", onClose);
    signal?.addEventListener("abort", onSignal);
    const timer = this.#deadlineTimer(clock, limits.deadlineMs, end);
    const offChange = watch.onChange(timer.check);
    let run: TaskRun<Result> | undefined;
    let ended: Ended<Outcome>;
    try {
      run = this.#transport.open(task);
      ended = await this.#attempts(task, run, stop.signal, startedAt, clock, limits);
    } catch (err) {
      // a transport broke its contract (open threw): report it, never reject
      ended = {
        ok: false,
        outcome: this.#unit.failed(task, describeError(err, 0), 0, performance.now() - startedAt),
      };
    } finally {
      offChange();
      timer.clear();
      watch.release();
      job.controller.signal.removeEventListener("abort", onJob);
      this.#closing.signal.removeEventListener("abort", onClose);
      signal?.removeEventListener("abort", onSignal);
    }
    const finishing = run ? run.finish(ended.ok).catch(() => {}) : Promise.resolve();
    // Leave nothing behind before answering, but never past the deadline: a stopped task answers
    // at once (cancelJob and close wait for the rest themselves).
    const left = clock.deadlineAt() - performance.now();
    if (!stop.signal.aborted && left > 0) await withinMs(finishing, left);
    resolve(ended.outcome);
    await finishing;
  }

  /**
   * The task's deadline and no-worker limit as one timer: it wakes at the earliest moment either
   * could be due (the deadline moves on while the task is held), and `check` re-arms it when the
   * watch's state changes.
   */
  #deadlineTimer(
    clock: TaskClock,
    deadlineMs: number,
    end: (reason: StopReason) => void,
  ): { check: () => void; clear: () => void } {
    const { noWorkerTimeoutMs } = this.policy;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let over = false;
    const stop = (reason: StopReason) => {
      over = true;
      end(reason);
    };
    const deadline = () => stop(new StopReason(`deadline of ${deadlineMs} ms exceeded`));
    const check = () => {
      clearTimeout(timer);
      if (over) return;
      const now = performance.now();
      const held = clock.held(now);
      if (held >= noWorkerTimeoutMs) {
        return stop(
          new NoWorkerStop(noWorkerReason(noWorkerTimeoutMs, this.#transport.workerHint)),
        );
      }
      const toDeadline = clock.deadlineAt(now) - now;
      if (toDeadline <= 0) return deadline();
      if (this.#watch.down) {
        timer = setTimeout(
          check,
          Math.max(1, Math.ceil(Math.min(toDeadline, noWorkerTimeoutMs - held))),
        );
        return;
      }
      // Armed for the deadline: due when it fires, unless the task was held meanwhile (a timer may
      // fire a fraction of a millisecond early; re-arming for it would let a time limit set for
      // the same moment win).
      timer = setTimeout(() => clock.held() > held ? check() : deadline(), Math.ceil(toDeadline));
    };
    timer = setTimeout(() => clock.held() > 0 ? check() : deadline(), deadlineMs);
    return {
      check,
      clear: () => {
        over = true;
        clearTimeout(timer);
      },
    };
  }

  async #attempts(
    task: Task,
    run: TaskRun<Result>,
    signal: AbortSignal,
    startedAt: number,
    clock: TaskClock,
    limits: Required<TaskLimits>,
  ): Promise<Ended<Outcome>> {
    const unit = this.#unit;
    const policy = this.policy;
    let attempt = 0;
    let lost = 0;
    let again = false; // run the same attempt number again (its work was lost)
    let last: string | undefined;
    const elapsed = () => performance.now() - startedAt;
    const stopped = (): Ended<Outcome> => {
      const reason = stopReason(signal);
      if (signal.reason instanceof NoWorkerStop) {
        return { ok: false, outcome: unit.failed(task, reason, attempt, elapsed(), true) };
      }
      const text = reason.startsWith("deadline") && last !== undefined
        ? `${reason} (last error: ${last})`
        : reason;
      return { ok: false, outcome: unit.failed(task, text, attempt, elapsed()) };
    };
    while (true) {
      if (signal.aborted) return stopped();
      if (!again) attempt++;
      again = false;
      const timeoutMs = Math.max(
        1,
        Math.min(limits.attemptTimeoutMs, Math.ceil(clock.deadlineAt() - performance.now())),
      );
      let delay: number;
      try {
        const delivery = await untilAborted(run.attempt({ attempt, timeoutMs, signal }), signal);
        return { ok: true, outcome: unit.succeeded(task, delivery, attempt, elapsed()) };
      } catch (err) {
        if (signal.aborted) return stopped();
        last = describeError(err, timeoutMs);
        if (err instanceof WorkLostError) {
          again = true;
          delay = requeueDelay(++lost);
        } else if (isPermanent(err) || attempt >= policy.attempts) {
          return { ok: false, outcome: unit.failed(task, last, attempt, elapsed()) };
        } else {
          delay = backoffDelay(policy, attempt);
        }
      }
      this.#waiting++;
      try {
        await sleep(delay, signal);
      } catch {
        return stopped();
      } finally {
        this.#waiting--;
      }
    }
  }

  /** The policy's time limits, with the task's own where its unit gives them (checked). */
  #limits(task: Task): Required<TaskLimits> {
    const own = this.#unit.limits?.(task) ?? {};
    const limits = {
      attemptTimeoutMs: own.attemptTimeoutMs ?? this.policy.attemptTimeoutMs,
      deadlineMs: own.deadlineMs ?? this.policy.deadlineMs,
    };
    for (const [key, value] of Object.entries(limits)) {
      if (!(value > 0) || !Number.isFinite(value)) {
        throw new QueueOptionError(`the task's ${key} must be a finite number > 0, got ${value}`);
      }
    }
    return limits;
  }

  /** See {@link WorkQueue.cancelJob}. */
  async cancelJob(jobId: string): Promise<void> {
    if (typeof jobId !== "string" || jobId === "") {
      throw new QueueOptionError(`jobId must be a non-empty string, got ${jobId}`);
    }
    this.#cancelled.add(jobId);
    if (this.#cancelled.size > CANCELLED_MEMORY) {
      this.#cancelled.delete(this.#cancelled.values().next().value!);
    }
    const job = this.#jobs.get(jobId);
    this.#jobs.delete(jobId);
    job?.controller.abort(new StopReason("cancelled"));
    await this.#transport.cancelJob(jobId).catch(() => {});
    if (job) await Promise.allSettled([...job.lives]);
  }

  /** See {@link WorkQueue.workers}. */
  workers(options: WorkersOptions = {}): Promise<WorkerInfo[]> {
    return this.#transport.workers(options);
  }

  /** Tasks in a backoff or waiting to be queued again, plus what the transport holds waiting. */
  async depth(): Promise<number> {
    return this.#waiting + await this.#transport.depth();
  }

  /** See {@link WorkQueue.close}. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new StopReason("queue closed"));
      await Promise.allSettled([...this.#lives]);
      // A liveness check still waiting for Redis settles (ignored) when the transport closes.
      await this.#transport.close();
    })();
    return this.#closed;
  }
}
