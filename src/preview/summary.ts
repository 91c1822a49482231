/** What the preview's JSON API and event stream say about jobs: pure views of JobRecords. */
import { jobFps, type JobRecord, type TimelineEvent } from "../server/registry.ts";
import type { JobResult } from "../protocol/result.ts";
import { stageLabel } from "../protocol/stage_label.ts";

export { FPS_WINDOW_MS, jobFps } from "../server/registry.ts";

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
  /**
   * What the job is doing, e.g. `filtering 582/600` (protocol/stage_label.ts): the words its
   * client shows, from the same counters.
   */
  stageLabel: string;
  /**
   * Frames per second (`jobFps`): while running, frames finished in the last 3 s — the figure its
   * client shows; the job's throughput once finished.
   */
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

/** The list view of one job at time `now` (ms since the epoch). */
export function summarizeJob(record: JobRecord, now: number = Date.now()): JobSummary {
  const { result } = record;
  const total = result.frames.total;
  const done = Math.min(record.done, total > 0 ? total : record.done);
  const fps = jobFps(record, now);
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
    stageLabel: labelOf(record),
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

/**
 * The stage label of a job: from its running job's counters (what its client's next `progress`
 * message says), else from its state and the record's own counts.
 */
export function labelOf(record: JobRecord): string {
  const { result } = record;
  const state = result.state;
  const bytesTotal = result.input.bytes;
  const counters = state === "running" || state === "queued"
    ? record.control?.progress()
    : undefined;
  if (counters) return stageLabel(counters, { state, bytesTotal });
  return stageLabel({
    stage: "process",
    bytesReceived: bytesTotal,
    framesTotal: result.frames.total || null,
    framesDecoded: Math.max(record.done, result.frames.total),
    framesProcessed: record.done,
    framesEncoded: 0,
  }, { state, bytesTotal });
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
