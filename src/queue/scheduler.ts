/**
 * The scheduler every queue backend shares: attempts with exponential backoff, the per-attempt
 * time limit handed to the transport, the per-task deadline (after which the outcome is a failure,
 * whatever the transport does), no retries for permanent errors, lost work queued again, cancel
 * per server job, and close. A backend only supplies a {@link Transport} that moves one attempt to
 * where it runs; the kind of unit (frames today, segments later) is a {@link UnitKind}.
 *
 * Pure of I/O itself: everything that touches threads or Redis is behind the transport.
 */
import { StopReason, stopReason, untilAborted } from "./abort.ts";
import type { QueueBackendName } from "./backends.ts";
import { QueueOptionError, WorkLostError } from "./errors.ts";
import { backoffDelay, describeError, isPermanent, requeueDelay } from "./policy.ts";
import type { Delivery, TaskRun, Transport } from "./transport.ts";
import type { RetryPolicy, WorkerInfo, WorkQueue } from "./types.ts";
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
  /** The outcome of a task whose attempt `attempts` delivered `delivery`. */
  succeeded(task: Task, delivery: Delivery<Result>, attempts: number, latencyMs: number): Outcome;
  /** The outcome of a task that failed or was stopped. */
  failed(task: Task, reason: string, attempts: number, latencyMs: number): Outcome;
}

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions<Task, Result, Outcome> {
  backend: QueueBackendName;
  unit: UnitKind<Task, Result, Outcome>;
  transport: Transport<Task, Result>;
  /** A resolved policy (see `resolvePolicy`). */
  policy: RetryPolicy;
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
  #closed: Promise<void> | undefined;
  /** Tasks sleeping through a backoff or before lost work is queued again. */
  #waiting = 0;

  constructor(options: SchedulerOptions<Task, Result, Outcome>) {
    this.backend = options.backend;
    this.policy = options.policy;
    this.#unit = options.unit;
    this.#transport = options.transport;
  }

  /** See {@link WorkQueue.process}. */
  process(task: Task, signal?: AbortSignal): Promise<Outcome> {
    try {
      this.#unit.check(task);
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
    const life = this.#life(task, job, signal, startedAt, outcome.resolve);
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
    resolve: (outcome: Outcome) => void,
  ): Promise<void> {
    const deadlineAt = startedAt + this.policy.deadlineMs;
    const stop = new AbortController();
    const end = (reason: string) => {
      if (!stop.signal.aborted) stop.abort(new StopReason(reason));
    };
    const onJob = () => end(stopReason(job.controller.signal));
    const onClose = () => end("queue closed");
    const onSignal = () => end("cancelled");
    job.controller.signal.addEventListener("abort", onJob);
    this.#closing.signal.addEventListener("abort", onClose);
    signal?.addEventListener("abort", onSignal);
    const deadline = setTimeout(
      () => end(`deadline of ${this.policy.deadlineMs} ms exceeded`),
      this.policy.deadlineMs,
    );
    let run: TaskRun<Result> | undefined;
    let ended: Ended<Outcome>;
    try {
      run = this.#transport.open(task);
      ended = await this.#attempts(task, run, stop.signal, startedAt, deadlineAt);
    } catch (err) {
      // a transport broke its contract (open threw): report it, never reject
      ended = {
        ok: false,
        outcome: this.#unit.failed(task, describeError(err, 0), 0, performance.now() - startedAt),
      };
    } finally {
      clearTimeout(deadline);
      job.controller.signal.removeEventListener("abort", onJob);
      this.#closing.signal.removeEventListener("abort", onClose);
      signal?.removeEventListener("abort", onSignal);
    }
    const finishing = run ? run.finish(ended.ok).catch(() => {}) : Promise.resolve();
    // Leave nothing behind before answering, but never past the deadline: a stopped task answers
    // at once (cancelJob and close wait for the rest themselves).
    const left = deadlineAt - performance.now();
    if (!stop.signal.aborted && left > 0) await withinMs(finishing, left);
    resolve(ended.outcome);
    await finishing;
  }

  async #attempts(
    task: Task,
    run: TaskRun<Result>,
    signal: AbortSignal,
    startedAt: number,
    deadlineAt: number,
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
        Math.min(policy.attemptTimeoutMs, Math.ceil(deadlineAt - performance.now())),
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
  workers(): Promise<WorkerInfo[]> {
    return this.#transport.workers();
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
      await this.#transport.close();
    })();
    return this.#closed;
  }
}
