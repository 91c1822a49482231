/**
 * The frame as a unit of work: up-front checks of a FrameTask, the {@link FRAME_UNIT} the
 * scheduler uses to build FrameOutcomes, and the worker id and thread defaults both backends share.
 */
import { frameSize } from "../codec/frame.ts";
import { QueueOptionError } from "./errors.ts";
import type { UnitKind } from "./scheduler.ts";
import type { FrameOutcome, FrameTask } from "./types.ts";

/**
 * Checks a task before it is queued: `jobId` a non-empty string, `index` an integer ≥ 0,
 * `width`/`height` integers ≥ 1, `chain` an array (a parsed FilterChain; its entries are the
 * filters' to judge, so a chain they reject becomes a failed outcome), `data` a Uint8Array of exactly
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
  if (!Array.isArray(task.chain)) {
    throw new QueueOptionError(
      `task.chain must be a parsed filter chain (an array), got ${
        typeof task.chain === "string" ? `the string '${task.chain}'` : typeof task.chain
      }`,
    );
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

/** The frame unit of the scheduler: results are filtered frames. */
export const FRAME_UNIT: UnitKind<FrameTask, Uint8Array, FrameOutcome> = Object.freeze({
  name: "frame",
  check: checkTask,
  jobId: (task: FrameTask) => task.jobId,
  succeeded: (
    task: FrameTask,
    delivery: { result: Uint8Array; worker: string },
    attempts: number,
    latencyMs: number,
  ): FrameOutcome => ({
    ok: true,
    index: task.index,
    data: delivery.result,
    worker: delivery.worker,
    attempts,
    latencyMs,
  }),
  failed: (
    task: FrameTask,
    reason: string,
    attempts: number,
    latencyMs: number,
    fatal?: boolean,
  ): FrameOutcome => ({
    ok: false,
    index: task.index,
    reason,
    attempts,
    latencyMs,
    ...(fatal ? { fatal: true as const } : {}),
  }),
});

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
