/**
 * One server-side job: decode the upload, send every frame through the queue, write the frames in
 * order into one encoder, and keep the JobRegistry and the metrics up to date. The frame pipeline
 * itself — frames in flight bounded by the `inFlight` semaphores, results reordered, one writer,
 * cancellation, cleanup — is the shared one in src/pipeline/.
 *
 * No sockets here: the connection handler (session.ts) feeds the upload into a
 * {@link GrowingFile} and reads {@link PipelineJob.progress}; tests may drive a job directly.
 *
 * - Frames are decoded while the upload still arrives where the container allows it, else from
 *   the complete upload (src/pipeline/upload_source.ts).
 * - `probe` runs on the complete upload; the encoder opens once the probe is done and the first
 *   frame is ready (the encoder needs the frame rate and reads the input's audio).
 * - A frame the queue could not filter (after its retries and deadline) is replaced by the original
 *   and listed in `fallbackFrames`; the job still succeeds — unless every frame fell back (nothing
 *   was filtered: the job fails) or the queue reports a failure that is the whole job's (`fatal`:
 *   no live worker in time; the job fails with its reason).
 * - Error texts name the client's file, never the server's work directory.
 */
import { freeBytes } from "../util/free_bytes.ts";
import { errorCode } from "../util/errors.ts";
import type { Frame } from "../codec/frame.ts";
import { conversionWarnings, type DecodedFrames, openEncoder, probe } from "../codec/mod.ts";
import type { CodecBackendName, FrameEncoder, InputLimits, VideoInfo } from "../codec/types.ts";
import { chainOutputSize } from "../filters/compile.ts";
import { parseChain } from "../filters/parse.ts";
import type { FilterChain } from "../filters/types.ts";
import {
  type FrameProcessor,
  type FrameSink,
  raceAbort,
  runPipeline,
  uploadFrames,
  withDeadline,
} from "../pipeline/mod.ts";
import type { ProgressMessage } from "../protocol/messages.ts";
import { MAX_FALLBACK_ENTRIES, MAX_WARNINGS } from "../protocol/result_check.ts";
import type { FrameOutcome, FrameQueue } from "../queue/types.ts";
import { JobCancelledError, JobFailedError, NoLiveWorkerError } from "../protocol/errors.ts";
import type { GrowingFile } from "../util/growing_file.ts";
import { jobFps, type JobRecord, JobRegistry } from "./registry.ts";
import type { JobResult } from "../protocol/result.ts";
import type { Semaphore } from "../util/semaphore.ts";
import { fps, latencySummary } from "../util/stats.ts";
import { runSegmentJob, type SegmentMode } from "./segment_job.ts";

import { fitFrame } from "../filters/fit_frame.ts";
/** The part of the preview's `VframeMetrics` the pipeline calls. */
export interface PipelineMetrics {
  frameDone(o: { ok: boolean; retried: boolean; latencyMs: number }): void;
  stage(stage: "upload" | "decode" | "process" | "encode" | "total", ms: number): void;
  inFlight(delta: number): void;
}

/**
 * Default {@link PipelineJobOptions.frameDeadlineMs}: the queue's 60 000 ms deadline, plus the
 * 30 000 ms a frame may be held while no worker is alive, plus slack.
 */
export const DEFAULT_FRAME_DEADLINE_MS = 95_000;

/** Options of a {@link PipelineJob}. */
export interface PipelineJobOptions {
  /** The job id (also the queue's job id and the registry key). */
  jobId: string;
  /** The input's base name, for the result JSON and error texts. */
  fileName: string;
  /** The upload, being written by the connection handler. */
  upload: GrowingFile;
  /** A directory owned by this job: the output goes there. */
  dir: string;
  /** Canonical filter chain text (`formatChain`); parsed once here. */
  filter: string;
  queue: FrameQueue;
  registry: JobRegistry;
  metrics?: PipelineMetrics;
  /** Semaphores bounding frames in flight, acquired in this order (e.g. per job, then server). */
  inFlight: Semaphore[];
  /** The codec backend, already resolved. */
  codec: CodecBackendName;
  /** x264 CRF (default: the encoder's, 23). */
  crf?: number;
  /** x264 preset (default: the encoder's, `veryfast`). */
  preset?: string;
  /** Carry the input's audio into the output (default true). */
  audio?: boolean;
  /**
   * The server's own per-frame safety limit, ms: a frame whose `queue.process` has not resolved
   * this long after submission is treated as failed (original used). The queue already resolves
   * by its own deadline; this is a net under a queue that breaks that promise, so it should be
   * above the queue's deadline (default {@link DEFAULT_FRAME_DEADLINE_MS}).
   */
  frameDeadlineMs?: number;
  /** Decode while the upload arrives, where the container allows it (default true). */
  streamDecode?: boolean;
  /** Decoded frames buffered ahead by the decoder (default 8). */
  maxBuffered?: number;
  limits?: InputLimits;
  /** Aborting it cancels the job (client gone, server closing). */
  signal?: AbortSignal;
  /**
   * Run the job in segment mode (segment_job.ts: the server splits and joins, workers decode,
   * filter and encode chunks); an input that cannot be split still runs frame by frame.
   * Default: frame by frame.
   */
  segments?: SegmentMode;
}

/** Live counters of a job: the fields of a `progress` message. */
export type JobProgress = Omit<ProgressMessage, "type">;

/** Runs one job; see the module documentation. */
export class PipelineJob {
  readonly id: string;
  readonly record: JobRecord;
  readonly #o: PipelineJobOptions;
  readonly #chain: FilterChain;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  readonly #t0 = performance.now();
  readonly #latencies: number[] = [];
  readonly #perWorker: Record<string, number> = {};
  #info?: VideoInfo;
  /** The decoder the frames come from now: written frames' buffers go back to it. */
  #decoder?: DecodedFrames;
  #probe?: Promise<VideoInfo>;
  /** The probe itself, once the upload is complete and it started. */
  #probing?: Promise<VideoInfo>;
  #decoded = 0;
  #processed = 0;
  #encoded = 0;
  #decodeStart?: number;
  #decodeEnd?: number;
  #processStart?: number;
  #processEnd?: number;
  #encodeStart?: number;
  #uploadMs?: number;
  /** When the live latency percentiles were last computed (performance.now()). */
  #latencyAt = -Infinity;
  #ran = false;
  /** Segment mode's live counters while it runs the job. */
  #segmentProgress?: () => JobProgress;

  /**
   * @throws TypeError / RangeError when an option is missing or out of range; FilterChainError
   *   when `filter` does not parse.
   */
  constructor(options: PipelineJobOptions) {
    if (!options.jobId) throw new TypeError("jobId is required");
    if (!options.filter) throw new TypeError("filter is required");
    if (!options.inFlight?.length) throw new TypeError("inFlight needs at least one semaphore");
    if (
      options.frameDeadlineMs !== undefined &&
      !(Number.isFinite(options.frameDeadlineMs) && options.frameDeadlineMs > 0)
    ) {
      throw new RangeError(`frameDeadlineMs must be > 0, got ${options.frameDeadlineMs}`);
    }
    this.#o = options;
    this.#chain = parseChain(options.filter);
    this.id = options.jobId;
    this.#signal = options.signal
      ? AbortSignal.any([options.signal, this.#abort.signal])
      : this.#abort.signal;
    const result: JobResult = {
      version: 1,
      jobId: options.jobId,
      state: "queued",
      input: {
        fileName: options.fileName,
        bytes: options.upload.expectedBytes,
        width: 0,
        height: 0,
        fps: 0,
        fpsRational: "0/1",
        frames: 0,
        duration: 0,
        audio: false,
      },
      filter: options.filter,
      frames: { total: 0, processed: 0, fallback: 0, retried: 0 },
      fallbackFrames: [],
      timings: { upload: 0, decode: 0, process: 0, encode: 0, total: 0 },
      throughputFps: 0,
      latencyMs: { p50: 0, p95: 0, p99: 0 },
      framesPerWorker: {},
      backend: { queue: options.queue.backend, codec: options.codec },
      unit: "frame",
      startedAt: new Date().toISOString(),
    };
    this.record = options.registry.add(result);
    // The preview reads the live counters and may cancel the job (its cancel API).
    this.record.control = {
      progress: () => this.progress(),
      cancel: (reason) => this.cancel(reason),
    };
  }

  /** The result JSON (live). */
  get result(): JobResult {
    return this.record.result;
  }

  /** Counters for a progress message. */
  progress(): JobProgress {
    if (this.#segmentProgress) return { ...this.#segmentProgress(), fps: jobFps(this.record) };
    const elapsedMs = Math.round(performance.now() - this.#t0);
    const r = this.record.result;
    const stage = this.#uploadMs === undefined
      ? "upload"
      : this.#decodeEnd === undefined
      ? "decode"
      : this.#processed < this.#decoded
      ? "process"
      : "encode";
    return {
      stage,
      bytesReceived: this.#o.upload.written,
      framesTotal: this.#info ? this.#info.frameCount : null,
      framesDecoded: this.#decoded,
      framesProcessed: this.#processed,
      framesEncoded: this.#encoded,
      fallbackFrames: r.frames.fallback,
      // The same figure the preview shows for the job (frames in the last 3 s).
      fps: jobFps(this.record),
      elapsedMs,
    };
  }

  /** Path of the finished output (after {@link run} resolved with state `done`). */
  get outputPath(): string | undefined {
    return this.record.outputPath;
  }

  /**
   * Adds a warning to the result JSON (`warnings`, at most 16, each cut to 1000 characters): the
   * client prints them, the preview shows them.
   */
  warn(text: string): void {
    const r = this.record.result;
    const list = r.warnings ??= [];
    if (list.length >= MAX_WARNINGS || list.includes(text)) return;
    list.push(text.slice(0, 1000));
    this.#changed();
  }

  /** Cancels the job (same as aborting `signal`). */
  cancel(reason = "cancelled"): void {
    this.#abort.abort(new JobCancelledError(reason));
  }

  /**
   * Runs the job to its end. Never rejects: resolves to the final result, whose `state` is
   * `done`, `failed` (with `error`) or `cancelled`.
   */
  async run(): Promise<JobResult> {
    if (this.#ran) throw new Error("PipelineJob.run() called twice");
    this.#ran = true;
    const r = this.record.result;
    r.state = "running";
    this.#changed();
    const uploadDone = this.#o.upload.whenFinished().then(() => {
      this.#uploadMs = performance.now() - this.#t0;
      r.timings.upload = Math.round(this.#uploadMs);
      this.#o.metrics?.stage("upload", this.#uploadMs);
      this.#changed();
    });
    uploadDone.catch(() => {});
    this.#probe = uploadDone.then(() => this.#runProbe());
    this.#probe.catch(() => {});
    if (this.#o.segments && await this.#runSegments(this.#o.segments, uploadDone) === "finished") {
      return r;
    }
    const output = `${this.#o.dir}/output.mp4`;
    try {
      await runPipeline({
        frames: (signal) => this.#frames(signal),
        process: this.#processor(),
        sink: this.#sink(output),
        inFlight: this.#o.inFlight,
        signal: this.#signal,
        onDecoded: () => this.#decoded++,
        onProcessed: (frame, outcome) => this.#record(frame, outcome),
        onWritten: () => this.#encoded++,
      });
      const nothingFiltered = this.#allFellBack();
      if (nothingFiltered) {
        this.#finish("failed", nothingFiltered, "all-frames-fell-back");
        return r;
      }
      r.outputBytes = (await Deno.stat(output)).size;
      this.record.outputPath = output;
      this.#finish("done");
    } catch (error) {
      await this.#o.queue.cancelJob(this.id).catch(() => {});
      // Nothing of the job outlives run(): a probe under way (it is short) is waited for.
      await this.#probing?.catch(() => {});
      // The pipeline rethrows the first failure, or the cancel reason when cancelled first.
      const cancelled = this.#signal.aborted && error === this.#signal.reason;
      if (cancelled) this.#finish("cancelled", this.#cancelReason().message, "job-cancelled");
      else this.#finish("failed", this.#clientText(error), errorCode(error));
    }
    return r;
  }

  /** The job in segment mode (segment_job.ts); `frame` when the input cannot be split. */
  #runSegments(mode: SegmentMode, uploadDone: Promise<void>): Promise<"finished" | "frame"> {
    return runSegmentJob(mode, {
      id: this.id,
      record: this.record,
      registry: this.#o.registry,
      metrics: this.#o.metrics,
      input: this.#o.upload.path,
      fileName: this.#o.fileName,
      uploadDone,
      probe: this.#probe!,
      dir: this.#o.dir,
      chain: this.#chain,
      codec: this.#o.codec,
      crf: this.#o.crf,
      preset: this.#o.preset,
      audio: this.#o.audio !== false,
      signal: this.#signal,
      startedAt: this.#t0,
      warn: (text) => this.warn(text),
      clientText: (error) => this.#clientText(error),
      setProgress: (progress) => this.#segmentProgress = progress,
    });
  }

  /**
   * When frames were written but none of them was filtered (every one fell back to the original),
   * why the job fails; else undefined.
   */
  #allFellBack(): string | undefined {
    const f = this.record.result.frames;
    if (f.processed > 0 || f.fallback === 0) return undefined;
    const first = this.record.result.fallbackFrames.reduce<
      { index: number; reason: string } | undefined
    >((a, e) => (a === undefined || e.index < a.index ? e : a), undefined);
    return `all ${f.fallback} frames fell back to the original: none was filtered` +
      (first ? ` (frame ${first.index}: ${first.reason})` : "");
  }

  async #runProbe(): Promise<VideoInfo> {
    const probing = probe(this.#o.upload.path, { backend: this.#o.codec, limits: this.#o.limits });
    this.#probing = probing;
    const info = await probing;
    this.#info = info;
    // The chain's output size (scale, crop… change it), before any frame is decoded: a chain
    // that would make an empty or over-limit frame from this input fails the job now.
    chainOutputSize(this.#chain, info.width, info.height, this.#o.limits?.maxDimension);
    const r = this.record.result;
    r.input = {
      ...r.input,
      bytes: this.#o.upload.written,
      width: info.width,
      height: info.height,
      fps: Math.round((info.fps.num / info.fps.den) * 1000) / 1000,
      fpsRational: `${info.fps.num}/${info.fps.den}`,
      frames: info.frameCount,
      duration: info.duration,
      audio: info.audio.length > 0,
      variableFrameRate: info.variableFrameRate,
      pixelFormat: info.pixelFormat,
    };
    r.frames.total = Math.max(info.frameCount, this.#decoded);
    // Never silent: what the conversion to 8-bit 4:2:0 loses (e.g. a 10-bit input).
    for (const warning of conversionWarnings(info)) this.warn(warning);
    this.#changed();
    return info;
  }

  /**
   * A written frame's buffer: to the current decoder for reuse (a buffer of another size is freed
   * by it), else freed.
   */
  #giveBack(data: Uint8Array): void {
    if (!this.#decoder?.recycle(data)) freeBytes(data);
  }

  /** The upload's frames (see upload_source.ts); records the decode stage when they end. */
  async *#frames(signal: AbortSignal): AsyncGenerator<Frame> {
    yield* uploadFrames({
      upload: this.#o.upload,
      probe: this.#probe!,
      backend: this.#o.codec,
      stream: this.#o.streamDecode,
      maxBuffered: this.#o.maxBuffered,
      limits: this.#o.limits,
      onStart: () => this.#decodeStart = performance.now(),
      onDecoder: (frames) => this.#decoder = frames,
    }, signal);
    this.#decodeEnd = performance.now();
    const ms = this.#decodeEnd - (this.#decodeStart ?? this.#decodeEnd);
    this.record.result.timings.decode = Math.round(ms);
    this.#o.metrics?.stage("decode", ms);
    this.record.result.frames.total = this.#decoded;
    this.#changed();
  }

  /** Each frame through `queue.process`, with the server's own deadline as a safety net. */
  #processor(): FrameProcessor<FrameOutcome> {
    const limit = this.#o.frameDeadlineMs ?? DEFAULT_FRAME_DEADLINE_MS;
    const viaQueue = withDeadline<FrameOutcome>(
      (frame, signal) =>
        this.#o.queue.process({
          jobId: this.id,
          index: frame.index,
          width: frame.width,
          height: frame.height,
          chain: this.#chain,
          data: frame.data,
          time: frame.pts,
        }, signal),
      {
        ms: limit,
        onExpired: (frame, latencyMs) => ({
          ok: false,
          index: frame.index,
          reason: `no result within the server's frame deadline of ${limit} ms`,
          attempts: 0,
          latencyMs,
        }),
      },
    );
    return async (frame, signal) => {
      this.#processStart ??= performance.now();
      this.#o.metrics?.inFlight(1);
      let outcome: FrameOutcome;
      try {
        outcome = await viaQueue(frame, signal);
      } finally {
        this.#o.metrics?.inFlight(-1);
      }
      // Not this frame's fault but the job's (no live worker in time): the job fails.
      if (!outcome.ok && outcome.fatal) throw new NoLiveWorkerError(outcome.reason);
      return outcome;
    };
  }

  /** Counts a frame's outcome in the result, the registry and the metrics. */
  #record(frame: Frame, outcome: FrameOutcome): void {
    const r = this.record.result;
    this.#processed++;
    this.#processEnd = performance.now();
    const retried = outcome.attempts > 1;
    if (retried) {
      r.frames.retried++;
      this.#o.registry.mark(this.id, { index: frame.index, kind: "retry" });
    }
    if (outcome.ok) {
      r.frames.processed++;
      this.#perWorker[outcome.worker] = (this.#perWorker[outcome.worker] ?? 0) + 1;
      r.framesPerWorker[outcome.worker] = this.#perWorker[outcome.worker]; // live for the preview
    } else {
      r.frames.fallback++;
      // The list is capped so the result message stays within its protocol limit; the count
      // in `frames.fallback` is always exact.
      if (r.fallbackFrames.length < MAX_FALLBACK_ENTRIES) {
        r.fallbackFrames.push({
          index: frame.index,
          reason: outcome.reason.slice(0, 1000),
          attempts: outcome.attempts,
        });
      }
      this.#o.registry.mark(this.id, {
        index: frame.index,
        kind: "fallback",
        reason: outcome.reason,
      });
    }
    this.#latencies.push(outcome.latencyMs);
    // Live percentiles for the preview: a sort of every latency so far, at most every 250 ms.
    if (this.#processEnd - this.#latencyAt >= 250) {
      this.#latencyAt = this.#processEnd;
      r.latencyMs = latencySummary(this.#latencies);
    }
    this.#o.metrics?.frameDone({ ok: outcome.ok, retried, latencyMs: outcome.latencyMs });
    this.#o.registry.frameDone(this.id, this.#processed);
    this.#changed();
  }

  /**
   * The encoder as the pipeline's sink: opened at the first frame once the probe is done, fed the
   * filtered frame or (fallback) the original, sampled for the preview.
   */
  #sink(output: string): FrameSink<FrameOutcome> {
    // The encoder being opened, so that an abort during the opening still aborts (and awaits) it.
    let opening: Promise<FrameEncoder> | undefined;
    // The chain's output size: the encoder's, set as it opens.
    let size: { width: number; height: number } | undefined;
    return {
      write: async (frame, outcome, signal) => {
        opening ??= (async () => {
          const info = await raceAbort(this.#probe!, signal);
          this.#encodeStart = performance.now();
          size = chainOutputSize(this.#chain, frame.width, frame.height);
          return await openEncoder({
            output,
            width: size.width,
            height: size.height,
            fps: info.fps,
            audioFrom: this.#o.audio === false ? undefined : this.#o.upload.path,
            // A variable frame rate is kept: each frame at its time in the upload (frames
            // decoded while it arrived were timed at the average rate).
            timesFrom: this.#o.upload.path,
            crf: this.#o.crf,
            preset: this.#o.preset,
            backend: this.#o.codec,
            tempDir: this.#o.dir,
            signal,
          });
        })();
        const encoder = await opening;
        const out = size!;
        // A fallback frame of a chain that changes the size: the original fitted into it.
        const data = outcome.ok
          ? outcome.data
          : out.width === frame.width && out.height === frame.height
          ? frame.data
          : fitFrame(frame.data, frame.width, frame.height, out.width, out.height);
        if (JobRegistry.shouldSample(frame.index, this.#info?.frameCount ?? 0)) {
          this.#o.registry.sample(this.id, {
            index: frame.index,
            width: frame.width,
            height: frame.height,
            processedWidth: out.width,
            processedHeight: out.height,
            // The registry keeps copies (at most 640 px a side: boundedSamples).
            original: frame.data,
            processed: data,
            fallback: !outcome.ok,
          });
        }
        await encoder.write({ ...frame, width: out.width, height: out.height, data });
        // Written: neither the original nor the filtered frame is used again (the registry
        // copied its sample), so their memory goes back now, not at a garbage collection. The
        // original goes to the decoder, which reads a later frame into it (no new buffer zeroed
        // per frame); one given back per frame taken, so no more buffers live than before. The
        // filtered one is freed.
        this.#giveBack(frame.data);
        if (outcome.ok && outcome.data !== frame.data) freeBytes(outcome.data);
      },
      close: async () => {
        if (!opening) throw new JobFailedError("the input has no video frames");
        await (await opening).close();
        const ms = performance.now() - (this.#encodeStart ?? this.#t0);
        this.record.result.timings.encode = Math.round(ms);
        this.#o.metrics?.stage("encode", ms);
      },
      abort: async () => await (await opening?.catch(() => undefined))?.abort(),
    };
  }

  #cancelReason(): JobCancelledError {
    const reason = this.#signal.reason;
    if (reason instanceof JobCancelledError) return reason;
    return new JobCancelledError(reason instanceof Error ? reason.message : "cancelled");
  }

  /**
   * `error`'s text for the client: the upload's path becomes the client's file name, other paths
   * in the job's directory "the output" or "a work file", so no server path is shown.
   */
  #clientText(error: unknown): string {
    const text = error instanceof Error ? error.message || error.name : String(error);
    const inDir = new RegExp(`${escapeRegExp(this.#o.dir)}(/[^\\s'"]*)?`, "g");
    return text
      .replaceAll(this.#o.upload.path, this.#o.fileName || "the upload")
      .replace(
        inDir,
        (_, rest?: string) =>
          rest === undefined
            ? "the job's work directory"
            : /^\/\.?output\.mp4\b/.test(rest)
            ? "the output"
            : "a work file",
      );
  }

  #finish(state: "done" | "failed" | "cancelled", error?: string, code?: string): void {
    const r = this.record.result;
    const totalMs = performance.now() - this.#t0;
    r.state = state;
    if (error) r.error = error.slice(0, 4000);
    if (code) r.errorCode = code;
    if (state !== "cancelled" && this.#processStart !== undefined) {
      const ms = (this.#processEnd ?? performance.now()) - this.#processStart;
      r.timings.process = Math.round(ms);
      this.#o.metrics?.stage("process", ms);
    }
    r.frames.total = Math.max(r.frames.total, this.#decoded);
    r.fallbackFrames.sort((a, b) => a.index - b.index);
    r.timings.total = Math.round(totalMs);
    r.throughputFps = fps(this.#encoded, performance.now() - (this.#decodeStart ?? this.#t0));
    r.latencyMs = latencySummary(this.#latencies);
    r.framesPerWorker = { ...this.#perWorker };
    r.finishedAt = new Date().toISOString();
    delete this.record.control; // nothing left to cancel; the record no longer holds the job
    if (state === "done") this.#o.metrics?.stage("total", totalMs);
    this.#o.registry.frameDone(this.id, this.#processed);
    this.#changed();
  }

  #changed(): void {
    this.#o.registry.changed(this.id);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
