/**
 * Parallel encoding for ffmpeg.wasm, whose x264 runs on one thread: frames are cut into
 * segments of `segmentFrames` frames; segment k goes to encoder slot k mod `workers`, each
 * segment an independent MP4 (starting with a keyframe) encoded by its own ffmpeg.wasm worker
 * into a temporary file; at the end one short stream-copy job (on the first slot's thread,
 * its core already loaded) joins the segments (concat demuxer), adds the audio and
 * `+faststart`. Frame times stay exact: every segment and the result use the timescale
 * `fps.num`, so each frame lasts exactly `fps.den` ticks.
 *
 * Memory: each busy slot holds one segment's frames in its ring (the producer moves on to the
 * next slot instead of waiting), so memory is bounded by `workers × segmentFrames` frames,
 * whatever the video's length. The cost: a keyframe per segment (slightly larger files).
 */
import { concatArgs } from "../args.ts";
import { CodecError } from "../errors.ts";
import { frameSize } from "../frame.ts";
import type { RawEncoder } from "../raw_codec.ts";
import type { Rational } from "../types.ts";
// @ts-types="../ring.d.ts"
import { ByteRing } from "../ring.js";
import { execWasm } from "./exec.ts";
import { WasmWorker } from "./host.ts";
import { startWasmEncoder, type WasmEncoderOptions } from "./encoder.ts";
import { wasmAudio } from "./paths.ts";
import { MKV_FRAME_HEADER_BYTES } from "../mkv_writer.ts";
import { timedFrames } from "../timed_frames.ts";
import type { HostFileMount } from "./protocol.ts";

/** Options for {@link startSegmentedWasmEncoder}. */
export interface SegmentedEncoderOptions extends
  Pick<
    WasmEncoderOptions,
    "output" | "width" | "height" | "fps" | "crf" | "preset" | "audio" | "inputName"
  > {
  /** Segments encoded at once (≥ 2). */
  workers: number;
  /** Frames per segment (≥ 1). */
  segmentFrames: number;
  /** Parent of the segment directory (default: the system's temporary directory). */
  tempDir?: string;
  /**
   * Frames with their own times (`write(data, pts)`): each segment starts at its first frame,
   * and the join places it at that frame's time (ffconcat `duration` of each segment = the next
   * segment's first time − its own), so every frame keeps its time. Default: a constant rate.
   */
  timed?: { lastFrameDuration: number };
  /** Video timescale of the segments and the result (default `fps.num`). */
  timescale?: number;
}

/**
 * Largest ring a slot gets by default: segments are shortened to fit. Every slot's ring fills
 * with a whole segment, so this bounds the encoder's frame memory to workers × 32 MiB.
 */
const SLOT_RING_BYTES = 32 << 20;

/**
 * Frames per segment by default: one second of video, shortened so a segment fits in 32 MiB
 * (24 frames at 720p, 10 at 1080p), never under 8. (A keyframe per 10 frames instead of per 21
 * made a 1080p x264 file ~2–6 % larger in our tests.)
 */
export function defaultSegmentFrames(width: number, height: number, fps: Rational): number {
  const second = Math.max(1, Math.round(fps.num / fps.den));
  const fit = Math.floor(SLOT_RING_BYTES / frameSize(width, height));
  return Math.max(8, Math.min(second, fit));
}

/**
 * The ffconcat list of `paths`; with `starts` (each segment's first frame time, whole µs), each
 * segment but the last lasts until the next one starts, so the join keeps every frame's time
 * whatever the segment's own last frame duration.
 */
export function ffconcatList(paths: string[], starts: number[] = []): string {
  let text = "ffconcat version 1.0\n";
  paths.forEach((path, i) => {
    text += `file '${path}'\n`;
    if (i + 1 < starts.length && i + 1 < paths.length) {
      text += `duration ${((starts[i + 1] - starts[i]) / 1e6).toFixed(6)}\n`;
    }
  });
  return text;
}

interface Slot {
  /** The slot's thread and frame ring, kept from segment to segment. */
  worker: WasmWorker;
  ring: ByteRing;
  encoder?: RawEncoder;
  /** The slot's previous segment finishing. */
  finishing: Promise<void>;
}

/** Starts a segmented encoder. */
export function startSegmentedWasmEncoder(options: SegmentedEncoderOptions): RawEncoder {
  const { workers, segmentFrames, fps } = options;
  if (!Number.isInteger(workers) || workers < 2) {
    throw new RangeError(`segmented encoding needs workers >= 2, got ${workers}`);
  }
  if (!Number.isInteger(segmentFrames) || segmentFrames < 1) {
    throw new RangeError(`segmentFrames must be an integer >= 1, got ${segmentFrames}`);
  }
  const { timed } = options;
  const timescale = options.timescale ?? fps.num;
  // A timed frame is a Matroska block: its header, then the frame (mkv_writer.ts).
  const frameBytes = frameSize(options.width, options.height) +
    (timed ? MKV_FRAME_HEADER_BYTES : 0);
  const dir = Deno.makeTempDirSync({ dir: options.tempDir, prefix: "vframe-segments-" });
  const ringBytes = Math.min(1 << 30, segmentFrames * frameBytes + (timed ? 4096 : 0));
  const slots: Slot[] = Array.from({ length: workers }, () => ({
    worker: new WasmWorker(),
    ring: ByteRing.create(ringBytes),
    finishing: Promise.resolve(),
  }));
  const stopWorkers = () => slots.forEach((slot) => slot.worker.terminate());
  const segments: string[] = [];
  /** Timed: each segment's first frame time, µs (whole, so the joined durations add up exactly). */
  const starts: number[] = [];
  let written = 0;
  let failure: unknown;
  let aborted = false;

  const watch = (promise: Promise<void>): Promise<void> => {
    const watched = promise.catch((error) => {
      failure ??= error;
      throw error;
    });
    watched.catch(() => {});
    return watched;
  };

  const removeDir = () => Deno.remove(dir, { recursive: true }).catch(() => {});

  return {
    async write(data, pts) {
      if (failure) throw failure;
      const segment = Math.floor(written / segmentFrames);
      const slot = slots[segment % workers];
      if (written % segmentFrames === 0) {
        await slot.finishing;
        if (failure) throw failure;
        const path = `${dir}/segment-${String(segment).padStart(6, "0")}.mp4`;
        segments.push(path);
        const encoder = startWasmEncoder({
          output: path,
          width: options.width,
          height: options.height,
          fps,
          crf: options.crf,
          preset: options.preset,
          inputName: options.inputName,
          timescale,
          timed: timed !== undefined,
          lastFrameDuration: timed?.lastFrameDuration,
          ring: slot.ring,
          worker: slot.worker,
        });
        if (timed) {
          const start = Math.round((pts ?? 0) * 1e6);
          starts.push(start);
          slot.encoder = timedFrames(encoder, {
            width: options.width,
            height: options.height,
            lastFrameDuration: timed.lastFrameDuration,
            origin: start / 1e6,
          });
        } else {
          slot.encoder = encoder;
        }
      }
      await slot.encoder!.write(data, pts);
      written++;
      if (written % segmentFrames === 0) {
        slot.finishing = watch(slot.encoder!.finish());
        slot.encoder = undefined;
      }
    },
    async finish() {
      try {
        for (const slot of slots) {
          if (slot.encoder) {
            slot.finishing = watch(slot.encoder.finish());
            slot.encoder = undefined;
          }
        }
        await Promise.all(slots.map((slot) => slot.finishing));
        // The join runs on the first slot's thread, whose core is loaded: the others can go.
        slots.slice(1).forEach((slot) => slot.worker.terminate());
        if (segments.length === 0) throw new CodecError("no frames were written");
        const list = `${dir}/segments.ffconcat`;
        const files: HostFileMount[] = segments.map((host, i) => ({
          path: `/in/segment-${i}.mp4`,
          host,
        }));
        await Deno.writeTextFile(list, ffconcatList(files.map((f) => f.path), starts));
        const audio = wasmAudio(options.audio);
        files.push(
          { path: "/in/segments.ffconcat", host: list },
          ...audio.files,
          { path: "/out/output.mp4", host: options.output, write: true },
        );
        await execWasm(
          concatArgs({
            list: "/in/segments.ffconcat",
            output: "/out/output.mp4",
            timescale,
            audio: audio.audio,
            lastFrameDuration: timed?.lastFrameDuration,
          }),
          { files, worker: slots[0].worker },
        );
      } finally {
        stopWorkers();
        await removeDir();
      }
    },
    async abort() {
      if (aborted) return;
      aborted = true;
      failure ??= new CodecError("encoder aborted");
      await Promise.allSettled(slots.map((slot) => slot.encoder?.abort()));
      await Promise.allSettled(slots.map((slot) => slot.finishing));
      stopWorkers();
      await removeDir();
    },
  };
}
