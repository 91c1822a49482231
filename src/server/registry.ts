import type { ProgressMessage } from "../protocol/messages.ts";
import type { JobResult } from "../protocol/result.ts";

/** A frame kept for the preview: the original and (once done) the processed version. */
export interface FrameSample {
  index: number;
  width: number;
  height: number;
  original: Uint8Array;
  processed?: Uint8Array;
  /** Size of `processed` when the chain changes it (scale, crop…); default width × height. */
  processedWidth?: number;
  processedHeight?: number;
  /** True when `processed` is the original used as a fallback. */
  fallback?: boolean;
}

/** A point of a job's timeline: something worth marking on the preview's chart. */
export interface TimelineEvent {
  /** Milliseconds since the job started. */
  t: number;
  index: number;
  kind: "retry" | "fallback";
  reason?: string;
}

/** Live counters of a job: the fields of a `progress` message. */
export type JobCounters = Omit<ProgressMessage, "type">;

/**
 * What the job running a record lets others do with it (the pipeline job installs it; the
 * preview's live figures and its cancel API use it).
 */
export interface JobControl {
  /** The job's counters now: what its client's next `progress` message will say. */
  progress(): JobCounters;
  /** Asks the job to stop; it ends `cancelled` shortly after, its frames cancelled everywhere. */
  cancel(reason: string): void;
}

/** Everything the server knows about one job, live while it runs. */
export interface JobRecord {
  id: string;
  /** The result JSON, kept up to date while the job runs. */
  result: JobResult;
  /** Frames finished (processed or fallback) so far. */
  done: number;
  /** Throughput over time: `[msSinceStart, framesDone]`, at most {@link MAX_SERIES} points. */
  series: [number, number][];
  timeline: TimelineEvent[];
  /** Sampled frames by index, at most {@link MAX_SAMPLES} per job. */
  samples: Map<number, FrameSample>;
  /** Index of the newest sample that has both original and processed data. */
  latestSample?: number;
  /** Path of the finished MP4 while the server keeps it. */
  outputPath?: string;
  /** The running job's handle, while there is one (hand-fed records have none). */
  control?: JobControl;
}

/** What {@link JobRegistry.cancel} did. */
export type CancelAnswer =
  /** The job was asked to stop. */
  | "cancelling"
  /** No such job (never was, or pruned). */
  | "unknown"
  /** The job already ended (done, failed or cancelled). */
  | "finished"
  /** The record has no running job to ask (e.g. a hand-fed record). */
  | "uncontrolled";

/** Window over which a running job's speed is measured, ms. */
export const FPS_WINDOW_MS = 3000;

const FINISHED = new Set<JobResult["state"]>(["done", "failed", "cancelled"]);

/** Whether a job in `state` has ended. */
export function isFinished(state: JobResult["state"]): boolean {
  return FINISHED.has(state);
}

/**
 * Items finished per second over the `windowMs` before `now`: from the newest point of
 * `points` (`[ms, count]`, oldest first) at or before `now[0] - windowMs`, or from `origin`
 * when there is none, to `now`. So a run younger than the window gives its average since
 * `origin`, and one that stalls slows down to 0 as the window slides past its last item.
 * 0 when no time has passed. Pure.
 */
export function windowRate(
  points: readonly (readonly [number, number])[],
  now: readonly [number, number],
  origin: readonly [number, number] = [0, 0],
  windowMs: number = FPS_WINDOW_MS,
): number {
  const from = now[0] - windowMs;
  let base = origin;
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i][0] <= from) {
      if (points[i][0] >= origin[0]) base = points[i];
      break;
    }
  }
  const dt = (now[0] - base[0]) / 1000;
  return dt > 0 ? Math.max(0, now[1] - base[1]) / dt : 0;
}

/**
 * A job's speed in frames per second, rounded to 2 decimals: the one figure both its client
 * (`progress.fps`) and the preview (`JobSummary.fps`) show. For a running job, frames finished
 * (filtered or fallen back) during the last {@link FPS_WINDOW_MS} measured to `now` (see
 * {@link windowRate}; its average since the start while younger than that); for a finished job,
 * its `throughputFps`, or frames over wall time when that is not set; 0 for a queued one.
 */
export function jobFps(record: JobRecord, now: number = Date.now()): number {
  const { result, series, done } = record;
  const started = Date.parse(result.startedAt);
  let value = 0;
  if (isFinished(result.state)) {
    if (result.throughputFps > 0) return result.throughputFps;
    const end = result.finishedAt ? Date.parse(result.finishedAt) : now;
    const secs = (end - started) / 1000;
    value = secs > 0 ? done / secs : 0;
  } else if (result.state === "running" && done > 0) {
    value = windowRate(series, [now - started, done]);
  }
  return Math.round(value * 100) / 100;
}

/** Frames kept per job for the preview. */
export const MAX_SAMPLES = 24;
/** Points kept in a job's throughput series. */
export const MAX_SERIES = 600;
/** Timeline events kept per job. */
export const MAX_TIMELINE = 2000;
/** Finished jobs kept in the registry. */
export const MAX_FINISHED_JOBS = 50;

/**
 * The server's list of jobs, shared by the pipeline (which writes) and the preview (which reads).
 * Dispatches a `change` event (`CustomEvent<{ id: string }>`) after every update.
 */
export class JobRegistry extends EventTarget {
  #jobs = new Map<string, JobRecord>();

  /** Adds a job. */
  add(result: JobResult): JobRecord {
    const record: JobRecord = {
      id: result.jobId,
      result,
      done: 0,
      series: [],
      timeline: [],
      samples: new Map(),
    };
    this.#jobs.set(record.id, record);
    this.#prune();
    this.changed(record.id);
    return record;
  }

  get(id: string): JobRecord | undefined {
    return this.#jobs.get(id);
  }

  /** Jobs, newest first. */
  list(): JobRecord[] {
    return [...this.#jobs.values()].reverse();
  }

  /**
   * Asks job `id` to stop (through its {@link JobControl}) with `reason`, which its result's
   * `error` and its client will show. Returns at once; the job ends `cancelled` shortly after.
   */
  cancel(id: string, reason: string): CancelAnswer {
    const job = this.#jobs.get(id);
    if (!job) return "unknown";
    if (isFinished(job.result.state)) return "finished";
    if (!job.control) return "uncontrolled";
    job.control.cancel(reason);
    return "cancelling";
  }

  /** Tells listeners that job `id` changed. */
  changed(id: string): void {
    this.dispatchEvent(new CustomEvent("change", { detail: { id } }));
  }

  /** Records that frame `index` finished; `done` must count finished frames so far. */
  frameDone(id: string, done: number): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    job.done = done;
    const t = Date.now() - Date.parse(job.result.startedAt);
    const last = job.series.at(-1);
    if (!last || t - last[0] >= 100 || done === job.result.frames.total) {
      job.series.push([t, done]);
      if (job.series.length > MAX_SERIES) {
        // Keep the shape: drop every other point of the older half.
        job.series = job.series.filter((_, i) => i >= MAX_SERIES / 2 || i % 2 === 0);
      }
    }
  }

  /** Marks a retry or fallback on the job's timeline. */
  mark(id: string, event: Omit<TimelineEvent, "t">): void {
    const job = this.#jobs.get(id);
    if (!job || job.timeline.length >= MAX_TIMELINE) return;
    job.timeline.push({ t: Date.now() - Date.parse(job.result.startedAt), ...event });
  }

  /**
   * Whether frame `index` of a job of `total` frames should be sampled: evenly spaced, at most
   * {@link MAX_SAMPLES} per job, always including the first frame.
   */
  static shouldSample(index: number, total: number): boolean {
    const step = Math.max(1, Math.ceil(total / MAX_SAMPLES));
    return index % step === 0;
  }

  /**
   * Keeps a copy of a sampled frame (call {@link shouldSample} first); bounded per job. The
   * sample's arrays stay the caller's: they may be frame buffers it reuses once this returns.
   */
  sample(id: string, given: FrameSample): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    const original = given.original.slice();
    const sample: FrameSample = {
      ...given,
      original,
      processed: given.processed === given.original ? original : given.processed?.slice(),
    };
    if (!job.samples.has(sample.index) && job.samples.size >= MAX_SAMPLES) {
      const oldest = job.samples.keys().next().value as number;
      job.samples.delete(oldest);
    }
    job.samples.set(sample.index, sample);
    if (sample.processed) job.latestSample = sample.index;
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((j) => isFinished(j.result.state));
    for (const job of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) {
      this.#jobs.delete(job.id);
    }
  }
}
