/**
 * One server-side job: decode the upload, send every frame through the queue, reassemble the
 * frames in order into one encoder, and keep the JobRegistry and the metrics up to date.
 *
 * No sockets here: the connection handler (connection.ts) feeds the upload into a
 * {@link GrowingFile} and reads {@link PipelineJob.progress}; tests may drive a job directly.
 *
 * Flow and bounds:
 * - Decoding starts while the upload still arrives when the container allows it (see
 *   streamable.ts: faststart MP4, Matroska/WebM, MPEG-TS), reading the growing temp file; otherwise
 *   it starts when the upload is complete. If streamed decoding fails or ends short of the frame
 *   count that `probe` reports for the complete file, decoding resumes from the complete file,
 *   skipping the frames already submitted.
 * - `probe` runs on the complete upload; the encoder opens once the probe is done and the first
 *   frame is ready (the encoder needs the frame rate and reads the input's audio).
 * - Each frame holds a permit of every semaphore in `inFlight` (per job, per server) from decode
 *   until it is written to the encoder, so frames waiting in the reorder buffer count too and
 *   memory stays bounded.
 * - The encoder is written by one async chain only (the "lock around the output writer").
 * - A frame the queue could not filter (after its retries and deadline) is replaced by the original
 *   and listed in `fallbackFrames`; the job still succeeds.
 */
import type { Frame } from "../codec/frame.ts";
import { decodeFrames, openEncoder, probe } from "../codec/mod.ts";
import type { CodecBackendName, FrameEncoder, InputLimits, VideoInfo } from "../codec/types.ts";
import type { ProgressMessage } from "../protocol/messages.ts";
import { MAX_FALLBACK_ENTRIES } from "../protocol/result_check.ts";
import type { FrameOutcome, FrameQueue } from "../queue/types.ts";
import { JobCancelledError, JobFailedError } from "../protocol/errors.ts";
import type { GrowingFile } from "../util/growing_file.ts";
import { type JobRecord, JobRegistry } from "./registry.ts";
import { ReorderBuffer } from "../util/reorder.ts";
import type { JobResult } from "../protocol/result.ts";
import { acquireAll, type Release, type Semaphore } from "../util/semaphore.ts";
import { fps, latencySummary } from "../util/stats.ts";
import { sniffStreamable } from "../codec/streamable.ts";

/** The part of the preview's `VframeMetrics` the pipeline calls. */
export interface PipelineMetrics {
  frameDone(o: { ok: boolean; retried: boolean; latencyMs: number }): void;
  stage(stage: "upload" | "decode" | "process" | "encode" | "total", ms: number): void;
  inFlight(delta: number): void;
}

/** Options of a {@link PipelineJob}. */
export interface PipelineJobOptions {
  /** The job id (also the queue's job id and the registry key). */
  jobId: string;
  /** The input's base name, for the result JSON. */
  fileName: string;
  /** The upload, being written by the connection handler. */
  upload: GrowingFile;
  /** A directory owned by this job: the output goes there. */
  dir: string;
  /** Canonical filter chain text (`formatChain`). */
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
   * this long after submission is treated as failed (original used). Should be above the queue's
   * own deadline (default 65_000: the queue's 60_000 default plus slack).
   */
  frameDeadlineMs?: number;
  /** Decode while the upload arrives, where the container allows it (default true). */
  streamDecode?: boolean;
  /** Decoded frames buffered ahead by the decoder (default 8). */
  maxBuffered?: number;
  limits?: InputLimits;
  /** Aborting it cancels the job (client gone, server closing). */
  signal?: AbortSignal;
}

/** Live counters of a job: the fields of a `progress` message. */
export type JobProgress = Omit<ProgressMessage, "type">;

interface Done {
  frame: Frame;
  data: Uint8Array;
  fallback: boolean;
  release: Release;
}

/** Runs one job; see the module documentation. */
export class PipelineJob {
  readonly id: string;
  readonly record: JobRecord;
  readonly #o: PipelineJobOptions;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  readonly #t0 = performance.now();
  readonly #reorder = new ReorderBuffer<Done>();
  readonly #outstanding = new Set<Promise<void>>();
  readonly #latencies: number[] = [];
  readonly #perWorker: Record<string, number> = {};
  #info?: VideoInfo;
  #probe?: Promise<VideoInfo>;
  #encoder?: FrameEncoder;
  #writing: Promise<void> = Promise.resolve();
  #failure?: Error;
  #decoded = 0;
  #processed = 0;
  #encoded = 0;
  #decodeStart?: number;
  #decodeEnd?: number;
  #processStart?: number;
  #processEnd?: number;
  #encodeStart?: number;
  #uploadMs?: number;
  #ran = false;

  /** @throws TypeError / RangeError when an option is missing or out of range. */
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
      startedAt: new Date().toISOString(),
    };
    this.record = options.registry.add(result);
  }

  /** The result JSON (live). */
  get result(): JobResult {
    return this.record.result;
  }

  /** Counters for a progress message. */
  progress(): JobProgress {
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
      fps: fps(this.#processed, elapsedMs),
      elapsedMs,
    };
  }

  /** Path of the finished output (after {@link run} resolved with state `done`). */
  get outputPath(): string | undefined {
    return this.record.outputPath;
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
    try {
      await this.#decodeAll(uploadDone);
      await this.#settle();
      if (this.#failure) throw this.#failure;
      if (this.#signal.aborted) throw this.#cancelReason();
      if (this.#reorder.pending > 0) {
        throw new JobFailedError(`frames missing before ${this.#reorder.heldIndices()[0]}`);
      }
      if (!this.#encoder) throw new JobFailedError("the input has no video frames");
      const encoder = this.#encoder;
      const output = await encoder.close();
      const encodeMs = performance.now() - (this.#encodeStart ?? this.#t0);
      r.timings.encode = Math.round(encodeMs);
      this.#o.metrics?.stage("encode", encodeMs);
      r.outputBytes = (await Deno.stat(output)).size;
      this.record.outputPath = output;
      this.#finish("done");
    } catch (error) {
      const failure = this.#failure ??
        (error instanceof JobCancelledError || this.#signal.aborted ? undefined : error);
      const cancelled = failure === undefined ? this.#cancelReason().message : undefined;
      await this.#teardown();
      if (failure === undefined) this.#finish("cancelled", cancelled);
      else this.#finish("failed", errorText(failure));
    }
    return r;
  }

  async #runProbe(): Promise<VideoInfo> {
    const info = await probe(this.#o.upload.path, {
      backend: this.#o.codec,
      limits: this.#o.limits,
    });
    this.#info = info;
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
    };
    r.frames.total = Math.max(info.frameCount, this.#decoded);
    this.#changed();
    return info;
  }

  /** Decides where to decode from, decodes, and submits every frame. */
  async #decodeAll(uploadDone: Promise<void>): Promise<void> {
    const upload = this.#o.upload;
    if (this.#o.streamDecode !== false && await this.#sniff()) {
      try {
        await this.#decodeFrom(upload.stream());
      } catch {
        if (this.#signal.aborted || this.#failure) throw this.#failure ?? this.#cancelReason();
        // Fall through: decode the complete file, skipping what was already submitted.
      }
      await this.#waitOrAbort(uploadDone);
      const info = await this.#waitOrAbort(this.#probe!);
      if (this.#decoded >= info.frameCount) {
        this.#endDecode();
        return;
      }
    } else {
      await this.#waitOrAbort(uploadDone);
      await this.#waitOrAbort(this.#probe!);
    }
    await this.#decodeFrom(upload.path);
    this.#endDecode();
  }

  #endDecode(): void {
    this.#decodeEnd = performance.now();
    const ms = this.#decodeEnd - (this.#decodeStart ?? this.#decodeEnd);
    this.record.result.timings.decode = Math.round(ms);
    this.#o.metrics?.stage("decode", ms);
    this.record.result.frames.total = this.#decoded;
    this.#changed();
  }

  /** True when the container lets decoding start before the upload ends. */
  async #sniff(): Promise<boolean> {
    const upload = this.#o.upload;
    while (true) {
      const head = upload.head();
      const d = sniffStreamable(head, upload.expectedBytes);
      if (d.kind === "stream") return true;
      if (d.kind === "after-upload") return false;
      if (upload.finished || head.length >= 1024 * 1024) return false;
      await this.#waitOrAbort(upload.waitFor(upload.written + 1));
    }
  }

  async #decodeFrom(source: string | ReadableStream<Uint8Array>): Promise<void> {
    const skip = this.#decoded;
    this.#decodeStart ??= performance.now();
    const frames = decodeFrames(source, {
      backend: this.#o.codec,
      maxBuffered: this.#o.maxBuffered ?? 8,
      limits: this.#o.limits,
      signal: this.#signal,
    });
    for await (const frame of frames) {
      if (this.#signal.aborted) break;
      if (frame.index < skip) continue;
      if (frame.index !== this.#decoded) {
        throw new JobFailedError(`decoder skipped from frame ${this.#decoded} to ${frame.index}`);
      }
      const release = await acquireAll(this.#o.inFlight, this.#signal);
      this.#decoded++;
      this.#submit(frame, release);
    }
    if (this.#signal.aborted) throw this.#failure ?? this.#cancelReason();
  }

  #submit(frame: Frame, release: Release): void {
    this.#processStart ??= performance.now();
    this.#o.metrics?.inFlight(1);
    const p = this.#process(frame).then(
      (outcome) => this.#onOutcome(frame, outcome, release),
      (error) => {
        release();
        this.#fail(error);
      },
    ).finally(() => {
      this.#o.metrics?.inFlight(-1);
      this.#outstanding.delete(p);
    });
    this.#outstanding.add(p);
  }

  /** `queue.process`, raced against the server's own per-frame safety limit. */
  async #process(frame: Frame): Promise<FrameOutcome> {
    const limit = this.#o.frameDeadlineMs ?? 65_000;
    const frameAbort = new AbortController();
    const signal = AbortSignal.any([this.#signal, frameAbort.signal]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    let onAbort = () => {};
    const expired = new Promise<FrameOutcome>((resolve) => {
      const give = (reason: string) =>
        resolve({
          ok: false,
          index: frame.index,
          reason,
          attempts: 0,
          latencyMs: performance.now() - started,
        });
      timer = setTimeout(() => {
        frameAbort.abort();
        give(`no result within the server's frame deadline of ${limit} ms`);
      }, limit);
      // A cancelled job does not wait for the queue to notice.
      onAbort = () => give("cancelled");
      this.#signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([
        this.#o.queue.process({
          jobId: this.id,
          index: frame.index,
          width: frame.width,
          height: frame.height,
          chain: this.#o.filter,
          data: frame.data,
        }, signal),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
      this.#signal.removeEventListener("abort", onAbort);
    }
  }

  #onOutcome(frame: Frame, outcome: FrameOutcome, release: Release): void {
    if (this.#signal.aborted) {
      release();
      return;
    }
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
    this.#o.metrics?.frameDone({ ok: outcome.ok, retried, latencyMs: outcome.latencyMs });
    this.#o.registry.frameDone(this.id, this.#processed);
    const data = outcome.ok ? outcome.data : frame.data;
    let ready: Done[];
    try {
      ready = this.#reorder.push(frame.index, { frame, data, fallback: !outcome.ok, release });
    } catch (error) {
      release();
      this.#fail(error);
      return;
    }
    for (const item of ready) {
      this.#writing = this.#writing.then(() => this.#write(item));
    }
    this.#changed();
  }

  /** The only code that touches the encoder: runs on one promise chain, in index order. */
  async #write(item: Done): Promise<void> {
    try {
      if (this.#failure || this.#signal.aborted) return;
      if (!this.#encoder) {
        const info = await this.#waitOrAbort(this.#probe!);
        this.#encodeStart = performance.now();
        this.#encoder = await openEncoder({
          output: `${this.#o.dir}/output.mp4`,
          width: item.frame.width,
          height: item.frame.height,
          fps: info.fps,
          audioFrom: this.#o.audio === false ? undefined : this.#o.upload.path,
          crf: this.#o.crf,
          preset: this.#o.preset,
          backend: this.#o.codec,
          signal: this.#signal,
        });
      }
      const total = this.#info?.frameCount ?? 0;
      if (JobRegistry.shouldSample(item.frame.index, total)) {
        this.#o.registry.sample(this.id, {
          index: item.frame.index,
          width: item.frame.width,
          height: item.frame.height,
          original: item.frame.data.slice(),
          processed: item.data.slice(),
          fallback: item.fallback,
        });
      }
      await this.#encoder!.write({ ...item.frame, data: item.data });
      this.#encoded++;
    } catch (error) {
      this.#fail(error);
    } finally {
      item.release();
    }
  }

  /** Waits for every submitted frame and every write. */
  async #settle(): Promise<void> {
    while (this.#outstanding.size > 0) await Promise.all([...this.#outstanding]);
    await this.#writing;
    if (this.#processStart !== undefined) {
      const ms = (this.#processEnd ?? performance.now()) - this.#processStart;
      this.record.result.timings.process = Math.round(ms);
      this.#o.metrics?.stage("process", ms);
    }
  }

  #fail(error: unknown): void {
    // Errors after a cancel (aborted decoder or encoder) are its consequences, not failures.
    if (this.#failure || this.#signal.aborted) return;
    this.#failure = error instanceof Error ? error : new Error(String(error));
    this.#abort.abort(this.#failure);
  }

  #cancelReason(): Error {
    const reason = this.#signal.reason;
    if (reason instanceof JobCancelledError) return reason;
    if (reason instanceof Error && reason === this.#failure) return reason;
    return new JobCancelledError(reason instanceof Error ? reason.message : "cancelled");
  }

  /** Resolves like `p`, or rejects as soon as the job is aborted. */
  #waitOrAbort<T>(p: Promise<T>): Promise<T> {
    if (this.#signal.aborted) return Promise.reject(this.#failure ?? this.#cancelReason());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.#failure ?? this.#cancelReason());
      this.#signal.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => this.#signal.removeEventListener("abort", onAbort));
    });
  }

  /** Frees what a failed or cancelled job holds: queue entries, encoder, pending frames. */
  async #teardown(): Promise<void> {
    if (!this.#abort.signal.aborted) this.#abort.abort(this.#failure ?? new JobCancelledError());
    await this.#o.queue.cancelJob(this.id).catch(() => {});
    // Frames in flight resolve promptly once aborted; wait for them so every permit is returned.
    await Promise.allSettled([...this.#outstanding]);
    await this.#writing.catch(() => {});
    this.#reorder.clear();
    await this.#encoder?.abort().catch(() => {});
  }

  #finish(state: "done" | "failed" | "cancelled", error?: string): void {
    const r = this.record.result;
    const totalMs = performance.now() - this.#t0;
    r.state = state;
    if (error) r.error = error.slice(0, 4000);
    r.frames.total = Math.max(r.frames.total, this.#decoded);
    r.fallbackFrames.sort((a, b) => a.index - b.index);
    r.timings.total = Math.round(totalMs);
    r.throughputFps = fps(this.#encoded, performance.now() - (this.#decodeStart ?? this.#t0));
    r.latencyMs = latencySummary(this.#latencies);
    r.framesPerWorker = { ...this.#perWorker };
    r.finishedAt = new Date().toISOString();
    if (state === "done") this.#o.metrics?.stage("total", totalMs);
    this.#o.registry.frameDone(this.id, this.#processed);
    this.#changed();
  }

  #changed(): void {
    this.#o.registry.changed(this.id);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
