import type { JobResult } from "../protocol/result.ts";

/** A frame kept for the preview: the original and (once done) the processed version. */
export interface FrameSample {
  index: number;
  width: number;
  height: number;
  original: Uint8Array;
  processed?: Uint8Array;
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

  /** Keeps a sampled frame (call {@link shouldSample} first); bounded per job. */
  sample(id: string, sample: FrameSample): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    if (!job.samples.has(sample.index) && job.samples.size >= MAX_SAMPLES) {
      const oldest = job.samples.keys().next().value as number;
      job.samples.delete(oldest);
    }
    job.samples.set(sample.index, sample);
    if (sample.processed) job.latestSample = sample.index;
  }

  #prune(): void {
    const finished = [...this.#jobs.values()].filter((j) =>
      j.result.state === "done" || j.result.state === "failed" || j.result.state === "cancelled"
    );
    for (const job of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED_JOBS))) {
      this.#jobs.delete(job.id);
    }
  }
}
