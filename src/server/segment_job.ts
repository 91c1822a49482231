/**
 * A server job in segment mode: the server only splits and joins. Once the upload is complete it
 * reads the input's packet index (no decoding), plans keyframe-aligned segments (about
 * `segmentSeconds` each, and at least a few per live worker, the last ones split in two where
 * that lets the workers finish together), cuts each segment's chunk by stream
 * copy and sends the chunks through the segment queue; workers decode, filter on their own pool
 * and encode each chunk with the job's encoder settings. The server joins the encoded chunks by
 * stream copy, muxes the input's audio once, and checks the output is frame-exact (frame count,
 * every frame's time, audio length) before the job is done.
 *
 * - Fault tolerance is the shared scheduler's, per segment: attempts with backoff, a time limit
 *   per attempt, a deadline, lost work queued again, a killed worker's segment redelivered. A
 *   segment that still fails falls back: the server encodes its original frames unfiltered, and
 *   the result JSON lists it in `fallbackRanges` (and its frames in `fallbackFrames`).
 * - Progress stays frame-level: workers report frames done as they go.
 * - A slow straggler does not hold the job back for long: once every segment is queued, when a
 *   worker is idle and one has been on a segment more than twice the median working time of the
 *   segments done (and at least 5 s), a second copy of it runs; the first copy to finish is kept
 *   (`segments.duplicated` counts them).
 * - An input that cannot be split without decoding (no timestamps, an edit list that hides
 *   frames, …) runs frame by frame instead, with a warning in the result; so does a server whose
 *   codec backend is ffmpeg.wasm (splitting and joining need native ffmpeg on the server).
 *
 * No sockets here: `PipelineJob` (job.ts) hands a job to {@link runSegmentJob} when the server runs
 * segment mode, and goes on frame by frame when it answers `frame`.
 */
import { errorCode } from "../util/errors.ts";
import { acquireAll, Semaphore } from "../util/semaphore.ts";
import { fps as framesPerSecond, latencySummary } from "../util/stats.ts";
import type { CodecBackendName, VideoInfo } from "../codec/types.ts";
import {
  audioPlanOf,
  checkFrameExact,
  chunkDuration,
  chunkSpec,
  type ChunkTiming,
  chunkTiming,
  type CutChunk,
  cutChunks,
  type FrameOrder,
  type JoinChunk,
  joinChunks,
  MIN_SEGMENT_SECONDS,
  orderFrames,
  type PacketIndex,
  planSegments,
  processChunk,
  readStreamListing,
  type SegmentPlan,
  SegmentUnsupportedError,
  type StreamListing,
  targetSegmentFrames,
} from "../codec/segment/mod.ts";
import { raceAbort } from "../pipeline/mod.ts";
import { chainOutputSize } from "../filters/compile.ts";
import { JobFailedError, NoLiveWorkerError } from "../protocol/errors.ts";
import type { JobResult } from "../protocol/result.ts";
import { MAX_FALLBACK_ENTRIES } from "../protocol/result_check.ts";
import type { SegmentOutcome, SegmentQueue, SegmentTask } from "../queue/segment_task.ts";
import type { TaskChain } from "../queue/types.ts";
import type { JobCounters, JobRecord, JobRegistry } from "./registry.ts";

import { fitFrame } from "../filters/fit_frame.ts";
/** Default wanted segment length: 2 s. */
export const DEFAULT_SEGMENT_SECONDS = 2;
/**
 * With one live worker, how far a segment may grow to end on a keyframe: 12 s of video (x264's
 * default GOP, 250 frames, is 10 s at 25 fps), or 4 segments' length when that is longer.
 */
export const ONE_WORKER_REACH_SECONDS = 12;
/**
 * Default segments of one job in flight at once (chunks held in memory and Redis): 32, counted in
 * segments of the wanted length — one grown to a keyframe 3 times as long counts 3.
 */
export const DEFAULT_SEGMENTS_IN_FLIGHT = 32;

/** How a server runs segment jobs (`--unit segment`, or `auto` with BullMQ workers). */
export interface SegmentMode {
  /** Where segments go: BullMQ workers, or the embedded pool. */
  queue: SegmentQueue;
  /** Wanted segment length, seconds (default 2); shortened so every live worker gets several. */
  segmentSeconds?: number;
  /** Segments of one job in flight at once, in segments of the wanted length (default 32). */
  maxInFlight?: number;
  /** Time limit of one attempt at a segment, ms (default: 30 s + 1 s per frame). */
  attemptTimeoutMs?: number;
}

/** The part of the preview's metrics a segment job updates. */
export interface SegmentMetrics {
  frameDone(o: { ok: boolean; retried: boolean; latencyMs: number }): void;
  stage(stage: "upload" | "decode" | "process" | "encode" | "total", ms: number): void;
}

/** What the job running in segment mode gets from its `PipelineJob`. */
export interface SegmentJobHost {
  id: string;
  record: JobRecord;
  registry: JobRegistry;
  metrics?: SegmentMetrics;
  /** The complete upload's path (once `uploadDone` resolved). */
  input: string;
  /** The client's file name, for messages. */
  fileName: string;
  uploadDone: Promise<void>;
  /** The job's probe of the complete upload. */
  probe: Promise<VideoInfo>;
  /** The job's own directory: the output goes there. */
  dir: string;
  chain: TaskChain;
  codec: CodecBackendName;
  crf?: number;
  preset?: string;
  /** Carry the input's audio (default true). */
  audio: boolean;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal;
  /** `performance.now()` when the job started. */
  startedAt: number;
  warn(text: string): void;
  /** An error's text for the client (no server paths). */
  clientText(error: unknown): string;
  /** Installs (or, with undefined, removes) the job's live counters for progress messages. */
  setProgress(progress: (() => JobCounters) | undefined): void;
}

/** How {@link runSegmentJob} ended: `finished` (the record says how), or `frame` to run frames. */
export type SegmentJobEnd = "finished" | "frame";

type Stage = JobCounters["stage"];

/** What splitting found: the packets, their frames, the segments. */
interface Split {
  index: PacketIndex;
  /** The input's streams and packets (`index` is its video's). */
  listing: StreamListing;
  order: FrameOrder;
  plans: SegmentPlan[];
  /** Frames per segment aimed at. */
  target: number;
  /** The output's video timescale: the input's, when it is 1/N. */
  timescale?: number;
  /** A variable frame rate's times, which every chunk keeps (constant rate: none). */
  timing?: ChunkTiming;
}

/** A segment in the queue, for the straggler check. */
interface RunningSegment {
  index: number;
  startedAt: number;
  /** When a worker first reported frames of it (it waited in the queue before). */
  workingSince?: number;
  /** A second copy was started. */
  duplicated: boolean;
  /** Starts the second copy. */
  duplicate(): void;
}

/** How often the straggler check runs once every segment is queued: every second. */
export const STRAGGLER_CHECK_MS = 1000;
/** A segment is a straggler past this many times the median time of the segments done: 2. */
export const STRAGGLER_FACTOR = 2;
/** …and past this long at least: 5 s. */
export const STRAGGLER_MIN_MS = 5000;

/** One segment's end, for the join and the result. */
interface SegmentDone extends JoinChunk {
  index: number;
}

/** Runs one job in segment mode; see the module documentation. Never rejects. */
export async function runSegmentJob(
  mode: SegmentMode,
  host: SegmentJobHost,
): Promise<SegmentJobEnd> {
  return await new SegmentRun(mode, host).run();
}

class SegmentRun {
  readonly #mode: SegmentMode;
  readonly #h: SegmentJobHost;
  readonly #stop = new AbortController();
  readonly #signal: AbortSignal;
  readonly #perWorker: Record<string, number> = {};
  readonly #latencies: number[] = [];
  #stage: Stage = "upload";
  #total: number | null = null;
  /** Frames handed to workers (their segments sent). */
  #queued = 0;
  /** Frames finished: filtered and encoded, or fallen back. */
  #done = 0;
  #fallback = 0;
  #splitAt?: number;
  #processAt?: number;
  #joinAt?: number;
  /** Segments in the queue now, for the straggler check. */
  readonly #inQueue = new Set<RunningSegment>();
  /** Working times of the segments that succeeded (from a worker's first report), ms. */
  readonly #succeeded: number[] = [];
  #checking = false;

  constructor(mode: SegmentMode, host: SegmentJobHost) {
    this.#mode = mode;
    this.#h = host;
    this.#signal = AbortSignal.any([host.signal, this.#stop.signal]);
  }

  get #result(): JobResult {
    return this.#h.record.result;
  }

  #changed(): void {
    this.#h.registry.changed(this.#h.id);
  }

  #counters(): JobCounters {
    const r = this.#result;
    return {
      stage: this.#stage,
      bytesReceived: r.input.bytes,
      framesTotal: this.#total,
      framesDecoded: this.#queued,
      framesProcessed: this.#done,
      framesEncoded: this.#done,
      fallbackFrames: this.#fallback,
      fps: 0, // filled in by the job (the registry's window)
      elapsedMs: Math.round(performance.now() - this.#h.startedAt),
    };
  }

  async run(): Promise<SegmentJobEnd> {
    const h = this.#h;
    h.setProgress(() => this.#counters());
    const r = this.#result;
    let output: string | undefined;
    try {
      await raceAbort(h.uploadDone, this.#signal);
      const info = await raceAbort(h.probe, this.#signal);
      this.#stage = "decode";
      this.#splitAt = performance.now();
      let split;
      try {
        split = await this.#plan(info);
      } catch (error) {
        if (!(error instanceof SegmentUnsupportedError)) throw error;
        h.setProgress(undefined);
        r.unit = "frame";
        h.warn(
          `segment mode cannot split this input (${h.clientText(error)}): it ran frame by frame`,
        );
        return "frame";
      }
      r.unit = "segment";
      r.backend.queue = this.#mode.queue.backend;
      this.#total = split.order.frames;
      r.frames.total = split.order.frames;
      r.segments = { total: split.plans.length, frames: split.target, retried: 0, fallback: 0 };
      this.#changed();
      const chunks = await this.#process(info, split);
      output = `${h.dir}/output.mp4`;
      await this.#join(info, split, chunks, output);
      r.outputBytes = (await Deno.stat(output)).size;
      const nothing = r.frames.processed === 0 && r.frames.fallback > 0;
      if (nothing) {
        const first = r.fallbackRanges?.[0];
        await Deno.remove(output).catch(() => {});
        this.#finish(
          "failed",
          `all ${r.frames.fallback} frames fell back to the original: none was filtered` +
            (first ? ` (frames ${first.start}..${first.end - 1}: ${first.reason})` : ""),
          "all-frames-fell-back",
        );
        return "finished";
      }
      h.record.outputPath = output;
      this.#finish("done");
    } catch (error) {
      this.#stop.abort(error);
      await this.#mode.queue.cancelJob(h.id).catch(() => {});
      if (output) await Deno.remove(output).catch(() => {});
      const cancelled = h.signal.aborted && error === h.signal.reason;
      if (cancelled) {
        const reason = h.signal.reason;
        this.#finish(
          "cancelled",
          reason instanceof Error ? reason.message : "cancelled",
          "job-cancelled",
        );
      } else {
        this.#finish("failed", h.clientText(error), errorCode(error));
      }
    } finally {
      await Deno.remove(`${h.dir}/segments`, { recursive: true }).catch(() => {});
    }
    return "finished";
  }

  /** Packet index → frame order → segment plans (throws SegmentUnsupportedError to run frames). */
  async #plan(info: VideoInfo): Promise<Split> {
    const h = this.#h;
    if (h.codec !== "native") {
      throw new SegmentUnsupportedError(
        "splitting and joining need native ffmpeg on the server (its codec backend is wasm)",
      );
    }
    // One ffprobe lists the packets of every stream: the plan's index, and the audio plan and
    // the input side of the final check, so neither reads the input again.
    const listing = await readStreamListing(h.input, { backend: h.codec, signal: this.#signal });
    const index = listing.video;
    const order = orderFrames(index, h.fileName);
    if (order.frames !== info.frameCount) {
      throw new SegmentUnsupportedError(
        `its index lists ${order.frames} video packets, its header ${info.frameCount} frames`,
      );
    }
    const live = await this.#mode.queue.workers().then(
      (ws) => ws.filter((w) => w.alive).length,
      () => 1,
    );
    const target = targetSegmentFrames({
      frames: order.frames,
      fps: info.fps,
      segmentSeconds: this.#mode.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS,
      workers: live,
    });
    // The last round balanced over the live workers, never below the wanted length or half a
    // second (whichever is shorter).
    const rate = info.fps.num / info.fps.den;
    const minFrames = Math.min(target, Math.max(1, Math.round(MIN_SEGMENT_SECONDS * rate)));
    // One worker: segments grow to the next keyframe (up to 12 s, or 4 targets) rather than
    // make it decode frames it drops.
    const keyframeReach = Math.max(4 * target, Math.round(ONE_WORKER_REACH_SECONDS * rate));
    const plans = planSegments(order, target, h.fileName, {
      workers: live,
      minFrames,
      keyframeReach,
    });
    const tb = index.timeBase;
    const timescale = tb.num === 1 && tb.den <= 10_000_000 ? tb.den : undefined;
    return {
      index,
      listing,
      order,
      plans,
      target,
      timescale,
      timing: chunkTiming(info, index, order),
    };
  }

  /** Cuts the chunks and runs every segment (a bounded number at once); in segment order. */
  async #process(
    info: VideoInfo,
    split: Split,
  ): Promise<SegmentDone[]> {
    const h = this.#h;
    const dir = `${h.dir}/segments`;
    await Deno.mkdir(dir, { recursive: true });
    const limit = this.#mode.maxInFlight ?? DEFAULT_SEGMENTS_IN_FLIGHT;
    const slots = new Semaphore(limit);
    const running: Promise<SegmentDone>[] = [];
    const first = (error: unknown) => {
      if (!this.#stop.signal.aborted) this.#stop.abort(error);
    };
    try {
      await cutChunks({
        input: h.input,
        index: split.index,
        plans: split.plans,
        dir,
        backend: h.codec,
        signal: this.#signal,
        onBatch: async (chunks) => {
          this.#stage = "process";
          this.#processAt ??= performance.now();
          if (this.#splitAt !== undefined && this.#result.timings.decode === 0) {
            this.#result.timings.decode = Math.round(performance.now() - this.#splitAt);
          }
          for (const chunk of chunks) {
            // A segment longer than the wanted length (grown to a keyframe) takes a slot per
            // wanted length, so the video in flight stays bounded. One acquirer at a time (this
            // loop), so partial holds cannot deadlock.
            const { start, end } = chunk.plan;
            const weight = Math.min(limit, Math.max(1, Math.round((end - start) / split.target)));
            const release = await acquireAll(new Array(weight).fill(slots), this.#signal);
            const one = this.#segment(info, chunk, dir, split.timing).finally(release);
            one.catch(first);
            running.push(one);
          }
        },
      });
    } catch (error) {
      first(error);
    }
    // Every segment is queued: from now on an idle worker may take a second copy of a straggler.
    const watch = setInterval(() => void this.#checkStragglers(), STRAGGLER_CHECK_MS);
    const settled = await Promise.allSettled(running).finally(() => clearInterval(watch));
    if (this.#stop.signal.aborted) throw this.#stop.signal.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<SegmentDone>).value);
  }

  /** One segment through the queue; its fallback on the server when it failed. */
  async #segment(
    info: VideoInfo,
    chunk: CutChunk,
    dir: string,
    timing: ChunkTiming | undefined,
  ): Promise<SegmentDone> {
    const h = this.#h;
    const { plan } = chunk;
    const frames = plan.end - plan.start;
    const spec = chunkSpec(plan, {
      width: info.width,
      height: info.height,
      fps: info.fps,
      crf: h.crf,
      preset: h.preset,
      // The chain may change the size (scale, crop, pad, transpose): the chunks are encoded at it.
      output: chainOutputSize(h.chain, info.width, info.height),
    }, timing);
    const duration = chunkDuration(spec);
    const bytes = await Deno.readFile(chunk.path);
    let reported = 0;
    const progress = (n: number) => {
      const now = Math.min(n, frames);
      if (now <= reported) return;
      this.#done += now - reported;
      reported = now;
      h.registry.frameDone(h.id, this.#done);
    };
    this.#queued += frames;
    this.#changed();
    const outcome = await this.#race({
      jobId: h.id,
      index: plan.index,
      start: plan.start,
      chunk: bytes,
      spec,
      chain: h.chain,
      ...(this.#mode.attemptTimeoutMs ? { attemptTimeoutMs: this.#mode.attemptTimeoutMs } : {}),
      onProgress: progress,
    });
    const path = `${dir}/encoded-${String(plan.index).padStart(6, "0")}.mp4`;
    const r = this.#result;
    this.#latencies.push(outcome.latencyMs);
    const retried = outcome.attempts > 1;
    if (retried) {
      r.frames.retried += frames;
      r.segments!.retried++;
      h.registry.mark(h.id, { index: plan.start, kind: "retry" });
    }
    if (outcome.ok) {
      await Deno.writeFile(path, outcome.data);
      this.#perWorker[outcome.worker] = (this.#perWorker[outcome.worker] ?? 0) + frames;
      r.framesPerWorker[outcome.worker] = this.#perWorker[outcome.worker];
      r.frames.processed += frames;
      for (let i = 0; i < frames; i++) {
        h.metrics?.frameDone({ ok: true, retried, latencyMs: outcome.latencyMs });
      }
      progress(frames);
      await Deno.remove(chunk.path).catch(() => {});
      return {
        index: plan.index,
        path,
        frames,
        duration,
        headerHash: outcome.headerHash,
        level: outcome.level,
      };
    }
    if (outcome.fatal) throw new NoLiveWorkerError(outcome.reason);
    if (this.#signal.aborted) throw this.#signal.reason;
    // The fallback: the segment's original frames, encoded unfiltered here (fitted into the
    // chain's output size when it changes the size).
    const out = spec.output;
    const resized = out && (out.width !== spec.width || out.height !== spec.height);
    const done = await processChunk({
      input: chunk.path,
      output: path,
      spec,
      backend: h.codec,
      signal: this.#signal,
      tempDir: dir,
      ...(resized
        ? {
          filter: (frame) =>
            Promise.resolve(fitFrame(frame.data, frame.width, frame.height, out.width, out.height)),
        }
        : {}),
    });
    await Deno.remove(chunk.path).catch(() => {});
    this.#fallback += frames;
    r.frames.fallback += frames;
    r.segments!.fallback++;
    const reason = outcome.reason.slice(0, 1000);
    (r.fallbackRanges ??= []).push({
      start: plan.start,
      end: plan.end,
      reason,
      attempts: outcome.attempts,
    });
    for (let f = plan.start; f < plan.end && r.fallbackFrames.length < MAX_FALLBACK_ENTRIES; f++) {
      r.fallbackFrames.push({ index: f, reason, attempts: outcome.attempts });
    }
    for (let i = 0; i < frames; i++) {
      h.metrics?.frameDone({ ok: false, retried, latencyMs: outcome.latencyMs });
    }
    h.registry.mark(h.id, { index: plan.start, kind: "fallback", reason: outcome.reason });
    progress(frames);
    return {
      index: plan.index,
      path,
      frames: done.frames,
      duration,
      headerHash: done.headerHash,
      level: done.level,
    };
  }

  /**
   * A segment through the queue, as one copy or, when the straggler check starts a second copy,
   * as two: the first copy that succeeds wins and the other is cancelled (its keys and job go).
   * Resolves with the winner's outcome, or, when every copy failed, the first copy's.
   */
  async #race(task: SegmentTask): Promise<SegmentOutcome> {
    const copies: {
      outcome?: SegmentOutcome;
      /** The queue refused the task (a malformed task: a bug, not the segment's failure). */
      error?: unknown;
      stop: AbortController;
    }[] = [];
    let changed = () => {};
    const launch = (copy: number) => {
      const entry: (typeof copies)[number] = { stop: new AbortController() };
      copies.push(entry);
      this.#mode.queue.process(
        { ...task, ...(copy ? { copy } : {}), onProgress },
        AbortSignal.any([this.#signal, entry.stop.signal]),
      ).then((outcome) => {
        entry.outcome = outcome;
        changed();
      }, (error) => {
        entry.error = error;
        changed();
      });
    };
    const running: RunningSegment = {
      index: task.index,
      startedAt: performance.now(),
      duplicated: false,
      duplicate: () => {
        running.duplicated = true;
        launch(1);
        changed();
      },
    };
    // A worker reporting frames has started on it: its time from then is its working time.
    const onProgress = (frames: number) => {
      running.workingSince ??= performance.now();
      task.onProgress?.(frames);
    };
    launch(0);
    this.#inQueue.add(running);
    try {
      while (true) {
        const refused = copies.find((c) => c.error !== undefined);
        if (refused) throw refused.error;
        const won = copies.find((c) => c.outcome?.ok);
        if (won) {
          for (const c of copies) if (c !== won) c.stop.abort("another copy finished first");
          this.#succeeded.push(performance.now() - (running.workingSince ?? running.startedAt));
          return won.outcome!;
        }
        if (copies.every((c) => c.outcome)) return copies[0].outcome!;
        await new Promise<void>((resolve) => changed = resolve);
      }
    } finally {
      this.#inQueue.delete(running);
    }
  }

  /**
   * When workers are idle and a segment is far behind (a worker has been on it more than twice
   * the median working time of the segments done, and at least 5 s), starts a second copy of the
   * oldest such segment; the first copy to finish is kept. One check at a time, one more copy per
   * segment at most.
   */
  async #checkStragglers(): Promise<void> {
    if (this.#checking || this.#succeeded.length === 0 || this.#inQueue.size === 0) return;
    this.#checking = true;
    try {
      const sorted = [...this.#succeeded].sort((a, b) => a - b);
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      const limit = Math.max(STRAGGLER_MIN_MS, STRAGGLER_FACTOR * median);
      const now = performance.now();
      const behind = [...this.#inQueue]
        .filter((s) => !s.duplicated && s.workingSince !== undefined)
        .filter((s) => now - s.workingSince! > limit)
        .sort((a, b) => a.workingSince! - b.workingSince!);
      if (behind.length === 0) return;
      const queue = this.#mode.queue;
      if ((await queue.depth()) > 0) return;
      const workers = await queue.workers();
      if (!workers.some((w) => w.alive && w.busy < (w.concurrency ?? 1))) return;
      const straggler = behind[0];
      if (!this.#inQueue.has(straggler) || this.#signal.aborted) return;
      straggler.duplicate();
      const r = this.#result;
      r.segments!.duplicated = (r.segments!.duplicated ?? 0) + 1;
      this.#changed();
    } catch {
      // a worker list Redis did not give: try again at the next check
    } finally {
      this.#checking = false;
    }
  }

  /** Joins the encoded chunks with the input's audio and checks the output is frame-exact. */
  async #join(
    info: VideoInfo,
    split: Split,
    chunks: SegmentDone[],
    output: string,
  ): Promise<void> {
    const h = this.#h;
    this.#stage = "encode";
    this.#joinAt = performance.now();
    if (this.#processAt !== undefined) {
      const ms = this.#joinAt - this.#processAt;
      this.#result.timings.process = Math.round(ms);
      h.metrics?.stage("process", ms);
    }
    this.#changed();
    await joinChunks({
      chunks,
      output,
      fps: info.fps,
      audioFrom: h.audio ? h.input : undefined,
      audioPlan: audioPlanOf(h.input, split.listing) ?? null,
      timescale: split.timescale,
      backend: h.codec,
      signal: this.#signal,
    });
    const check = await checkFrameExact({
      input: h.input,
      output,
      fps: info.fps,
      backend: h.codec,
      signal: this.#signal,
      inputListing: split.listing,
    });
    if (!h.audio && check.problems.some((p) => /audio/.test(p))) {
      check.problems = check.problems.filter((p) => !/audio/.test(p));
      check.ok = check.problems.length === 0;
    }
    if (!check.ok) {
      throw new JobFailedError(
        `the joined output is not frame-exact: ${check.problems.join("; ")}`,
      );
    }
    const ms = performance.now() - this.#joinAt;
    this.#result.timings.encode = Math.round(ms);
    h.metrics?.stage("encode", ms);
  }

  #finish(state: "done" | "failed" | "cancelled", error?: string, code?: string): void {
    const h = this.#h;
    const r = this.#result;
    const now = performance.now();
    r.state = state;
    if (error) r.error = error.slice(0, 4000);
    if (code) r.errorCode = code;
    if (this.#splitAt !== undefined && r.timings.decode === 0) {
      r.timings.decode = Math.round((this.#processAt ?? now) - this.#splitAt);
      h.metrics?.stage("decode", r.timings.decode);
    }
    r.timings.total = Math.round(now - h.startedAt);
    r.fallbackFrames.sort((a, b) => a.index - b.index);
    r.fallbackRanges?.sort((a, b) => a.start - b.start);
    r.throughputFps = framesPerSecond(
      r.frames.processed + r.frames.fallback,
      now - (this.#splitAt ?? h.startedAt),
    );
    r.latencyMs = latencySummary(this.#latencies);
    r.framesPerWorker = { ...this.#perWorker };
    r.finishedAt = new Date().toISOString();
    delete h.record.control;
    if (state === "done") h.metrics?.stage("total", now - h.startedAt);
    h.registry.frameDone(h.id, this.#done);
    this.#changed();
  }
}
