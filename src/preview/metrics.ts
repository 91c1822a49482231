/**
 * vframe's Prometheus metrics (prom-client, on a private registry so two servers in one process
 * never mix their figures). The pipeline reports frames and stage times as they happen; jobs by
 * state and the queue are read when `/metrics` is scraped.
 */
import client from "prom-client";
import type { JobRegistry } from "../server/registry.ts";
import type { JobResult } from "../protocol/result.ts";
import { PreviewOptionsError } from "./errors.ts";
import { type PreviewQueue, readQueueStatus } from "./status.ts";

/** Stages timed by {@link VframeMetrics.stage}. */
export const STAGES = ["upload", "decode", "process", "encode", "total"] as const;
/** A pipeline stage. */
export type Stage = typeof STAGES[number];

/** Job states reported by `vframe_jobs`. */
const JOB_STATES: JobResult["state"][] = ["queued", "running", "done", "failed", "cancelled"];

/** Per-frame latency buckets, seconds: 5 ms … 60 s. */
export const FRAME_LATENCY_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];
/** Stage duration buckets, seconds: 10 ms … 30 min. */
export const STAGE_BUCKETS = [
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  600,
  1800,
];

/** How long `/metrics` waits for the queue's depth and workers before leaving them out (ms). */
export const QUEUE_TIMEOUT_MS = 2000;

/** Options for {@link VframeMetrics}. */
export interface VframeMetricsOptions {
  /** How long {@link VframeMetrics.render} waits for the queue, ms (default 2000). */
  queueTimeoutMs?: number;
}

/**
 * Counters, gauges and histograms of one vframe server:
 * `vframe_frames_processed_total`, `vframe_frames_fallback_total`, `vframe_frames_retried_total`,
 * `vframe_frames_in_flight`, `vframe_frame_latency_seconds` (histogram),
 * `vframe_stage_duration_seconds{stage}` (histogram), `vframe_jobs{state}`,
 * `vframe_queue_depth{backend}`, `vframe_queue_workers{backend}`, `vframe_queue_up{backend}`.
 */
export class VframeMetrics {
  /** Content type of {@link render}'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  readonly #registry = new client.Registry();
  readonly #processed: client.Counter;
  readonly #fallback: client.Counter;
  readonly #retried: client.Counter;
  readonly #inFlight: client.Gauge;
  readonly #latency: client.Histogram;
  readonly #stage: client.Histogram<"stage">;
  readonly #jobs: client.Gauge<"state">;
  readonly #depth: client.Gauge<"backend">;
  readonly #workers: client.Gauge<"backend">;
  readonly #queueUp: client.Gauge<"backend">;
  readonly #queueTimeoutMs: number;

  /**
   * A fresh set of metrics, all zero.
   * @throws PreviewOptionsError when queueTimeoutMs is not a number > 0.
   */
  constructor(options: VframeMetricsOptions = {}) {
    const timeout = options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS;
    if (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw new PreviewOptionsError(`queueTimeoutMs must be a number > 0, got ${timeout}`);
    }
    this.#queueTimeoutMs = timeout;
    const registers = [this.#registry];
    this.contentType = this.#registry.contentType;
    this.#processed = new client.Counter({
      name: "vframe_frames_processed_total",
      help: "Frames filtered successfully by a worker.",
      registers,
    });
    this.#fallback = new client.Counter({
      name: "vframe_frames_fallback_total",
      help: "Frames that could not be filtered; the original frame was used instead.",
      registers,
    });
    this.#retried = new client.Counter({
      name: "vframe_frames_retried_total",
      help: "Frames that needed more than one attempt (whatever the outcome).",
      registers,
    });
    this.#inFlight = new client.Gauge({
      name: "vframe_frames_in_flight",
      help: "Frames handed to the queue and not finished yet.",
      registers,
    });
    this.#latency = new client.Histogram({
      name: "vframe_frame_latency_seconds",
      help: "Per-frame queue latency, submission to result.",
      buckets: FRAME_LATENCY_BUCKETS,
      registers,
    });
    this.#stage = new client.Histogram({
      name: "vframe_stage_duration_seconds",
      help: "Duration of each job stage (upload, decode, process, encode, total).",
      labelNames: ["stage"],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.#jobs = new client.Gauge({
      name: "vframe_jobs",
      help: "Jobs the server currently knows, by state (finished jobs are kept for a while).",
      labelNames: ["state"],
      registers,
    });
    this.#depth = new client.Gauge({
      name: "vframe_queue_depth",
      help: "Frames waiting in the queue.",
      labelNames: ["backend"],
      registers,
    });
    this.#workers = new client.Gauge({
      name: "vframe_queue_workers",
      help:
        "Live workers of the queue (embedded threads, or BullMQ workers whose heartbeat is current).",
      labelNames: ["backend"],
      registers,
    });
    this.#queueUp = new client.Gauge({
      name: "vframe_queue_up",
      help: "1 when the queue answered the last scrape in time, else 0.",
      labelNames: ["backend"],
      registers,
    });
    for (const stage of STAGES) this.#stage.zero({ stage });
    for (const state of JOB_STATES) this.#jobs.set({ state }, 0);
  }

  /**
   * Counts one finished frame: `ok` → processed, else fallback; `retried` → also retried; its
   * `latencyMs` goes into the latency histogram (a negative value, from a wall clock stepped
   * back, counts as 0).
   * @throws PreviewOptionsError when latencyMs is not a finite number.
   */
  frameDone(o: { ok: boolean; retried: boolean; latencyMs: number }): void {
    const latency = seconds("latencyMs", o.latencyMs);
    (o.ok ? this.#processed : this.#fallback).inc();
    if (o.retried) this.#retried.inc();
    this.#latency.observe(latency);
  }

  /**
   * Records how long one stage of a job took.
   * A negative `ms` (a wall clock stepped back) counts as 0.
   * @throws PreviewOptionsError for an unknown stage or a duration that is not a finite number.
   */
  stage(stage: Stage, ms: number): void {
    if (!(STAGES as readonly string[]).includes(stage)) {
      throw new PreviewOptionsError(`stage must be one of ${STAGES.join(", ")}, got '${stage}'`);
    }
    this.#stage.observe({ stage }, seconds("ms", ms));
  }

  /**
   * Moves the in-flight gauge by `delta` (+1 when a frame is submitted, −1 when it finishes).
   * @throws PreviewOptionsError when delta is not a finite number.
   */
  inFlight(delta: number): void {
    if (typeof delta !== "number" || !Number.isFinite(delta)) {
      throw new PreviewOptionsError(`delta must be a finite number, got ${delta}`);
    }
    this.#inFlight.inc(delta);
  }

  /**
   * The metrics in the Prometheus text format, with `vframe_jobs{state}` counted from `registry`
   * and, when a queue is given, its depth and worker count (left out, with `vframe_queue_up 0`,
   * if the queue fails or takes longer than `queueTimeoutMs`).
   */
  async render(registry: JobRegistry, queue?: PreviewQueue): Promise<string> {
    const counts = new Map<string, number>(JOB_STATES.map((s) => [s, 0]));
    for (const job of registry.list()) {
      counts.set(job.result.state, (counts.get(job.result.state) ?? 0) + 1);
    }
    for (const [state, n] of counts) this.#jobs.set({ state }, n);
    if (queue) {
      const { backend, up, depth, workers } = await readQueueStatus(queue, this.#queueTimeoutMs);
      if (up) {
        this.#depth.set({ backend }, depth);
        this.#workers.set({ backend }, workers.length);
      } else {
        this.#depth.remove({ backend });
        this.#workers.remove({ backend });
      }
      this.#queueUp.set({ backend }, up ? 1 : 0);
    }
    return await this.#registry.metrics();
  }
}

/** A duration in seconds; a negative one (a wall clock stepped back) counts as 0. */
function seconds(name: string, ms: number): number {
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new PreviewOptionsError(`${name} must be a finite number of milliseconds, got ${ms}`);
  }
  return Math.max(0, ms) / 1000;
}
