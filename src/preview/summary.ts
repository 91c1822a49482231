/** What the preview's JSON API and event stream say about jobs: pure views of JobRecords. */
import type { JobRecord, TimelineEvent } from "../server/registry.ts";
import type { JobResult } from "../protocol/result.ts";

/** One line of the job list: progress, speed and ETA. */
export interface JobSummary {
  id: string;
  state: JobResult["state"];
  fileName: string;
  filter: string;
  width: number;
  height: number;
  /** Frames in the job (0 while unknown). */
  total: number;
  /** Frames finished so far (processed or fallback). */
  done: number;
  /** `done / total` in 0..1; null while the total is unknown. */
  progress: number | null;
  /** Recent frames per second while running; the job's throughput once finished. */
  fps: number;
  /** Seconds left at the current speed; null when unknown or not running. */
  etaSeconds: number | null;
  fallback: number;
  retried: number;
  backend: JobResult["backend"];
  startedAt: string;
  finishedAt?: string;
  error?: string;
  /** Whether `/api/jobs/:id/output.mp4` can be downloaded. */
  hasOutput: boolean;
}

/** A sampled frame as listed by the API (the pixels are at `/api/jobs/:id/frames/:index`). */
export interface SampleInfo {
  index: number;
  /** Whether `?variant=processed` exists yet. */
  processed: boolean;
  /** Whether the processed frame is the original used as a fallback. */
  fallback: boolean;
}

/** Everything the dashboard shows about one job: `/api/jobs/:id/live`. */
export interface JobLive {
  summary: JobSummary;
  /** The result JSON as it stands. */
  result: JobResult;
  /** `[msSinceStart, framesDone]` points. */
  series: [number, number][];
  timeline: TimelineEvent[];
  samples: SampleInfo[];
  /** Newest sample with both variants, if any. */
  latestSample: number | null;
}

/** Window over which the running speed is measured, ms. */
export const FPS_WINDOW_MS = 3000;

const FINISHED = new Set<JobResult["state"]>(["done", "failed", "cancelled"]);

/**
 * Frames per second of a job: for a running job, frames finished during the last
 * {@link FPS_WINDOW_MS} (measured to `now`, so a stalled job slows down to 0); for a finished
 * job, its `throughputFps`, or frames over wall time when that is not set.
 */
export function jobFps(record: JobRecord, now: number = Date.now()): number {
  const { result, series, done } = record;
  const started = Date.parse(result.startedAt);
  if (FINISHED.has(result.state)) {
    if (result.throughputFps > 0) return result.throughputFps;
    const end = result.finishedAt ? Date.parse(result.finishedAt) : now;
    const secs = (end - started) / 1000;
    return secs > 0 ? done / secs : 0;
  }
  if (result.state !== "running" || done === 0) return 0;
  const t = now - started;
  const from = t - FPS_WINDOW_MS;
  // The newest point at or before the window start, or the job's start (0 frames at t=0).
  let base: [number, number] = [0, 0];
  for (let i = series.length - 1; i >= 0; i--) {
    if (series[i][0] <= from) {
      base = series[i];
      break;
    }
  }
  const dt = (t - base[0]) / 1000;
  return dt > 0 ? Math.max(0, done - base[1]) / dt : 0;
}

/** The list view of one job at time `now` (ms since the epoch). */
export function summarizeJob(record: JobRecord, now: number = Date.now()): JobSummary {
  const { result } = record;
  const total = result.frames.total;
  const done = Math.min(record.done, total > 0 ? total : record.done);
  const fps = round(jobFps(record, now), 2);
  const running = result.state === "running";
  const left = total - done;
  const summary: JobSummary = {
    id: record.id,
    state: result.state,
    fileName: result.input.fileName,
    filter: result.filter,
    width: result.input.width,
    height: result.input.height,
    total,
    done,
    progress: total > 0 ? round(done / total, 4) : null,
    fps,
    etaSeconds: running && total > 0 && fps > 0 ? round(left / fps, 1) : null,
    fallback: result.frames.fallback,
    retried: result.frames.retried,
    backend: result.backend,
    startedAt: result.startedAt,
    hasOutput: result.state === "done" && typeof record.outputPath === "string",
  };
  if (result.finishedAt) summary.finishedAt = result.finishedAt;
  if (result.error) summary.error = result.error;
  return summary;
}

/** The dashboard's view of one job at time `now`. */
export function jobLive(record: JobRecord, now: number = Date.now()): JobLive {
  const samples = [...record.samples.values()]
    .map((s) => ({ index: s.index, processed: s.processed !== undefined, fallback: !!s.fallback }))
    .sort((a, b) => a.index - b.index);
  return {
    summary: summarizeJob(record, now),
    result: record.result,
    series: record.series,
    timeline: record.timeline,
    samples,
    latestSample: latestSample(record),
  };
}

/**
 * The newest sample with both variants: the registry's `latestSample` while it is still kept,
 * else the highest kept index that has a processed frame, else null.
 */
export function latestSample(record: JobRecord): number | null {
  const named = record.latestSample;
  if (named !== undefined && record.samples.get(named)?.processed) return named;
  let best: number | null = null;
  for (const s of record.samples.values()) {
    if (s.processed && (best === null || s.index > best)) best = s.index;
  }
  return best;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
