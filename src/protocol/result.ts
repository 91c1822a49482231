/** The result JSON the server sends the client at the end of a job (also served by the preview). */
export interface JobResult {
  /** Result format version. */
  version: 1;
  jobId: string;
  state: "queued" | "running" | "done" | "failed" | "cancelled";
  /** Set when state is `failed`. */
  error?: string;
  /**
   * With `error`: its stable code (`invalid-input`, `codec-failed`, `job-cancelled`,
   * `all-frames-fell-back`, `no-live-worker`, … — `VframeError.code`; `internal` for the rest).
   */
  errorCode?: string;
  input: {
    fileName: string;
    bytes: number;
    width: number;
    height: number;
    /** Frames per second as a decimal, and as the exact rational. */
    fps: number;
    fpsRational: string;
    frames: number;
    duration: number;
    audio: boolean;
    /**
     * The frames are unevenly spaced (a variable frame rate); the output keeps each frame's time.
     * Optional (older servers leave it out).
     */
    variableFrameRate?: boolean;
    /** The source pixel format, e.g. `yuv420p10le` (optional; older servers leave it out). */
    pixelFormat?: string;
  };
  /** Canonical filter chain. */
  filter: string;
  frames: {
    total: number;
    processed: number;
    fallback: number;
    /** Frames that needed more than one attempt. */
    retried: number;
  };
  /** Frames for which the original was used, and why. */
  fallbackFrames: { index: number; reason: string; attempts: number }[];
  /**
   * Which unit of work ran: `frame` (every frame through the queue; the server decodes and
   * encodes) or `segment` (chunks decoded, filtered and encoded by workers; the server splits and
   * joins). Older servers leave it out: they ran frames.
   */
  unit?: "frame" | "segment";
  /**
   * Segment mode: the frame ranges `[start, end)` whose original frames were encoded unfiltered
   * (their segment failed), with why. Their frames are also in `fallbackFrames`.
   */
  fallbackRanges?: { start: number; end: number; reason: string; attempts: number }[];
  /**
   * Segment mode: segments planned, their target length in frames, how many needed more than one
   * attempt, how many fell back, and how many stragglers got a second copy (`duplicated`).
   */
  segments?: {
    total: number;
    frames: number;
    retried: number;
    fallback: number;
    duplicated?: number;
  };
  /** Milliseconds per stage. `download` is filled in by the client. */
  timings: {
    upload: number;
    decode: number;
    process: number;
    encode: number;
    download?: number;
    total: number;
  };
  /** Frames per second through the whole server-side job (decode → encode). */
  throughputFps: number;
  /** Per-frame queue latency, submission → result, ms. */
  latencyMs: { p50: number; p95: number; p99: number };
  /** Frames completed per worker id. */
  framesPerWorker: Record<string, number>;
  /** `queue`: the queue backend's name (`embedded`, `bullmq`, …); `codec`: the codec backend. */
  backend: { queue: string; codec: "wasm" | "native" };
  /** Output file size in bytes, once encoded. */
  outputBytes?: number;
  /**
   * Things the client should know that did not fail the job, e.g. that no worker was alive when
   * it was admitted. Optional (older servers leave it out), at most 16 entries.
   */
  warnings?: string[];
  startedAt: string;
  finishedAt?: string;
}
