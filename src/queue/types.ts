/** One frame of one job, handed to a queue backend for filtering. */
export interface FrameTask {
  /** The server's job id; frames of one job share it. */
  jobId: string;
  /** Frame index inside the job. */
  index: number;
  width: number;
  height: number;
  /** Canonical filter chain text (as `formatChain` prints it). */
  chain: string;
  /** The original yuv420p frame. Not modified by the queue. */
  data: Uint8Array;
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
    /** Why the frame could not be filtered, e.g. `timeout after 10000 ms`, the last error. */
    reason: string;
    attempts: number;
    latencyMs: number;
  };

/** Fault-tolerance settings shared by every backend. */
export interface RetryPolicy {
  /** Tries per frame, including the first (default 3). */
  attempts: number;
  /** First backoff delay; doubles after each failure (default 100 ms). */
  backoffMs: number;
  /** Time limit for one attempt, enforced where the filter runs (default 10_000 ms). */
  attemptTimeoutMs: number;
  /** Overall deadline per frame owned by the server; past it the original is used (default 60_000 ms). */
  deadlineMs: number;
}

/** A worker seen by the backend, for the preview and the result JSON. */
export interface WorkerInfo {
  id: string;
  /** Frames it has completed since it started (as far as this server knows). */
  processed: number;
  /** Frames it is running now. */
  busy: number;
}

/** A place to send frames to be filtered: an in-process pool, or BullMQ workers on Redis. */
export interface FrameQueue {
  readonly backend: "embedded" | "bullmq";
  /** Filters one frame with retries, time limits and a deadline; never rejects for frame faults. */
  process(task: FrameTask, signal?: AbortSignal): Promise<FrameOutcome>;
  /** Drops whatever the queue still holds for `jobId` (jobs, Redis keys). */
  cancelJob(jobId: string): Promise<void>;
  /** Workers currently known. */
  workers(): Promise<WorkerInfo[]>;
  /** Frames waiting to run. */
  depth(): Promise<number>;
  close(): Promise<void>;
}
