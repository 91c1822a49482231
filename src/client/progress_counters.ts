/**
 * The counters of a client job for `--progress` (src/util/progress_writer.ts), kept from the
 * events {@link runJob} reports: the server's `progress` messages give the frames done (encoded),
 * the frame total, the server's fps, the stage and the fallback frames; the upload and download
 * set the stage around them; the result gives the final figures. The frame rate that times the
 * frames done (`out_time`) is the input's, probed here on this machine (a short ffprobe, or
 * ffmpeg.wasm where ffmpeg is not installed), else the result's, at the end.
 */
import { probe } from "../codec/mod.ts";
import type { JobResult } from "../protocol/result.ts";
import type { FrameRate, ProgressSample } from "../util/progress_format.ts";
import type { ClientProgress } from "./client.ts";

/** Counters of one client job, read by the progress writer. */
export class ClientProgressCounters {
  #sample: ProgressSample = { frame: 0, stage: "upload", fallbackFrames: 0 };
  #fromServer = false;

  /** Takes one event of `runJob`'s `onProgress`. */
  update(p: ClientProgress): void {
    if (p.phase === "process") {
      const m = p.progress;
      this.#fromServer = true;
      this.#sample = {
        ...this.#sample,
        frame: m.framesEncoded,
        ...(m.framesTotal !== null ? { totalFrames: m.framesTotal } : {}),
        fps: m.fps,
        stage: m.stage,
        fallbackFrames: m.fallbackFrames,
      };
    } else if (p.phase === "download") {
      this.#sample = { ...this.#sample, stage: "download" };
    } else if (p.phase === "upload" && !this.#fromServer) {
      // Upload events go on while the server decodes: once it reports, its stage is the truth.
      this.#sample = { ...this.#sample, stage: "upload" };
    }
  }

  /** Sets the frame rate that times the frames done, unless one is known already. */
  setFrameRate(rate: FrameRate): void {
    if (!this.#sample.frameRate && rate.num > 0 && rate.den > 0) {
      this.#sample = { ...this.#sample, frameRate: { num: rate.num, den: rate.den } };
    }
  }

  /**
   * Probes `input` for its frame rate and sets it. Never rejects: an input the probe cannot read
   * leaves the rate unknown (`out_time=N/A`) until {@link finish}.
   */
  async probeFrameRate(input: string): Promise<void> {
    try {
      this.setFrameRate((await probe(input)).fps);
    } catch {
      // the server says what is wrong with the input; out_time waits for the result
    }
  }

  /** Takes the final figures of a finished job: every frame done, the exact frame rate. */
  finish(result: JobResult): void {
    const rate = /^(\d+)\/(\d+)$/.exec(result.input.fpsRational);
    if (rate) this.setFrameRate({ num: Number(rate[1]), den: Number(rate[2]) });
    this.#sample = {
      ...this.#sample,
      frame: result.frames.total,
      totalFrames: result.frames.total,
      fallbackFrames: result.frames.fallback,
      ...(this.#sample.fps === undefined ? { fps: result.throughputFps } : {}),
    };
  }

  /** The counters now (a copy). */
  sample(): ProgressSample {
    return { ...this.#sample };
  }
}
