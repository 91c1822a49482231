/**
 * Up-front checks of a FrameTask, the FrameOutcome helpers and the defaults both backends share.
 */
import { frameSize } from "../codec/frame.ts";
import { QueueOptionError } from "./errors.ts";
import type { FrameOutcome, FrameTask } from "./types.ts";

/**
 * Checks a task before it is queued: `jobId` a non-empty string, `index` an integer ≥ 0,
 * `width`/`height` integers ≥ 1, `chain` a non-empty string, `data` a Uint8Array of exactly
 * `frameSize(width, height)` bytes.
 * @throws QueueOptionError naming the bad field and the value seen.
 */
export function checkTask(task: FrameTask): void {
  if (task === null || typeof task !== "object") {
    throw new QueueOptionError(`frame task must be an object, got ${String(task)}`);
  }
  if (typeof task.jobId !== "string" || task.jobId === "") {
    throw new QueueOptionError(`task.jobId must be a non-empty string, got ${task.jobId}`);
  }
  if (!Number.isInteger(task.index) || task.index < 0) {
    throw new QueueOptionError(`task.index must be an integer >= 0, got ${task.index}`);
  }
  if (!Number.isInteger(task.width) || task.width < 1) {
    throw new QueueOptionError(`task.width must be an integer >= 1, got ${task.width}`);
  }
  if (!Number.isInteger(task.height) || task.height < 1) {
    throw new QueueOptionError(`task.height must be an integer >= 1, got ${task.height}`);
  }
  if (typeof task.chain !== "string" || task.chain.trim() === "") {
    throw new QueueOptionError(`task.chain must be a non-empty string, got ${task.chain}`);
  }
  if (!(task.data instanceof Uint8Array)) {
    throw new QueueOptionError(`task.data must be a Uint8Array, got ${typeof task.data}`);
  }
  const want = frameSize(task.width, task.height);
  if (task.data.length !== want) {
    throw new QueueOptionError(
      `task.data must be ${want} bytes for a ${task.width}x${task.height} yuv420p frame, ` +
        `got ${task.data.length}`,
    );
  }
}

/** A failed outcome. */
export function failure(
  index: number,
  reason: string,
  attempts: number,
  startedAt: number,
): FrameOutcome {
  return { ok: false, index, reason, attempts, latencyMs: performance.now() - startedAt };
}

/** Why an attempt failed, for `FrameOutcome.reason`: `timeout after N ms` or `Name: message`. */
export function describeError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "FilterTimeoutError" || err.name === "AttemptTimeoutError") {
      return `timeout after ${timeoutMs} ms`;
    }
    return err.name === "Error" ? err.message : `${err.name}: ${err.message}`;
  }
  return String(err);
}

/** Abort reason used by the backends; its message becomes the outcome's `reason`. */
export class StopReason extends Error {
  override name = "StopReason";
}

/** The outcome reason for a signal aborted with a {@link StopReason} (or anything else). */
export function stopReason(signal: AbortSignal): string {
  const r = signal.reason;
  if (r instanceof StopReason) return r.message;
  return "cancelled";
}

/** `HOST:PID`, the id of this process as a worker (`localhost` without --allow-sys). */
export function processId(): string {
  let host = "localhost";
  try {
    host = Deno.hostname();
  } catch {
    // no sys permission: keep the placeholder
  }
  return `${host}:${Deno.pid}`;
}

/**
 * Default number of filter threads (embedded pool, BullMQ worker concurrency): two thirds of the
 * logical cores (8 of 12, as the original design asks), at least 1 — the rest is left to decoding,
 * encoding and the event loop.
 */
export function defaultThreads(cores = navigator.hardwareConcurrency || 1): number {
  return Math.max(1, Math.floor((cores * 2) / 3));
}

/** Server job ids remembered after `cancelJob`, so late frames of them are refused. */
const CANCELLED_MEMORY = 10_000;

/** The server job ids cancelled lately (the last 10,000), oldest dropped first. */
export class CancelledJobs {
  #ids = new Set<string>();

  add(jobId: string): void {
    this.#ids.add(jobId);
    if (this.#ids.size > CANCELLED_MEMORY) {
      this.#ids.delete(this.#ids.values().next().value!);
    }
  }

  has(jobId: string): boolean {
    return this.#ids.has(jobId);
  }
}
