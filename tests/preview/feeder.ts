/**
 * A hand-fed job for the preview's browser test: a real clip made and re-encoded by native
 * ffmpeg, its frames "processed" here (negated), and a JobRegistry updated the way the pipeline
 * does it (add → frameDone/sample/mark/changed → done with outputPath). Lets the page be tested
 * with retries and fallbacks on the timeline without the rest of the pipeline.
 */
import { frameSize } from "../../src/codec/frame.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import type { VframeMetrics } from "../../src/preview/metrics.ts";

/** A decoded test clip. */
export interface Clip {
  input: string;
  width: number;
  height: number;
  fps: number;
  seconds: number;
  frames: Uint8Array[];
}

async function ffmpeg(args: string[], stdin?: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(`ffmpeg ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return out.stdout;
}

/** Makes an H.264+AAC test clip with native ffmpeg and decodes its frames to yuv420p. */
export async function makeClip(
  dir: string,
  o: { width: number; height: number; fps: number; seconds: number },
): Promise<Clip> {
  const input = `${dir}/input.mp4`;
  await ffmpeg([
    ...[
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}:duration=${o.seconds}`,
    ],
    ...["-f", "lavfi", "-i", `sine=frequency=440:duration=${o.seconds}`],
    ...[
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-shortest",
    ],
    input,
  ]);
  const raw = await ffmpeg(["-i", input, "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]);
  const size = frameSize(o.width, o.height);
  const frames: Uint8Array[] = [];
  for (let off = 0; off + size <= raw.length; off += size) frames.push(raw.slice(off, off + size));
  return { input, ...o, frames };
}

/** The filter the feeder applies: negate every plane (like ffmpeg's `negate`). */
export function negate(frame: Uint8Array): Uint8Array {
  return frame.map((v) => 255 - v);
}

/** Options for {@link feedJob}. */
export interface FeedOptions {
  id: string;
  /** Pause after each frame, ms. */
  frameDelayMs: number;
  /** Frames whose first attempt fails (marked as retries). */
  retry?: number[];
  /** Frames that fall back to the original. */
  fallback?: number[];
  metrics?: VframeMetrics;
  /** Where to write the output MP4. */
  output: string;
}

/** Runs one job through `registry` like the pipeline would, then encodes the output. */
export async function feedJob(registry: JobRegistry, clip: Clip, o: FeedOptions): Promise<void> {
  const total = clip.frames.length;
  const started = Date.now();
  const result: JobResult = {
    version: 1,
    jobId: o.id,
    state: "running",
    input: {
      fileName: "input.mp4",
      bytes: (await Deno.stat(clip.input)).size,
      width: clip.width,
      height: clip.height,
      fps: clip.fps,
      fpsRational: `${clip.fps}/1`,
      frames: total,
      duration: total / clip.fps,
      audio: true,
    },
    filter: "negate",
    frames: { total, processed: 0, fallback: 0, retried: 0 },
    fallbackFrames: [],
    timings: { upload: 3, decode: 0, process: 0, encode: 0, total: 0 },
    throughputFps: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0 },
    framesPerWorker: {},
    backend: { queue: "embedded", codec: "native" },
    startedAt: new Date(started).toISOString(),
  };
  registry.add(result);
  const processed: Uint8Array[] = [];
  for (let i = 0; i < total; i++) {
    await new Promise((r) => setTimeout(r, o.frameDelayMs));
    const original = clip.frames[i];
    const retried = o.retry?.includes(i) ?? false;
    const fellBack = o.fallback?.includes(i) ?? false;
    if (retried) {
      registry.mark(o.id, { index: i, kind: "retry", reason: "injected flaky fault" });
      result.frames.retried++;
    }
    const out = fellBack ? original : negate(original);
    processed.push(out);
    if (fellBack) {
      registry.mark(o.id, { index: i, kind: "fallback", reason: "injected failure" });
      result.frames.fallback++;
      result.fallbackFrames.push({ index: i, reason: "injected failure", attempts: 3 });
    } else {
      result.frames.processed++;
      const worker = `thread-${i % 2}`;
      result.framesPerWorker[worker] = (result.framesPerWorker[worker] ?? 0) + 1;
    }
    o.metrics?.frameDone({ ok: !fellBack, retried, latencyMs: o.frameDelayMs });
    if (JobRegistry.shouldSample(i, total)) {
      registry.sample(o.id, {
        index: i,
        width: clip.width,
        height: clip.height,
        original,
        processed: out,
        fallback: fellBack,
      });
    }
    registry.frameDone(o.id, i + 1);
    registry.changed(o.id);
  }
  const encodeStart = Date.now();
  const raw = new Uint8Array(processed.reduce((n, f) => n + f.length, 0));
  processed.reduce((off, f) => (raw.set(f, off), off + f.length), 0);
  await ffmpeg([
    ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${clip.width}x${clip.height}`],
    ...["-r", String(clip.fps), "-i", "pipe:0", "-i", clip.input, "-map", "0:v", "-map", "1:a"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "copy"],
    ...["-movflags", "+faststart", o.output],
  ], raw);
  const now = Date.now();
  result.timings.process = encodeStart - started;
  result.timings.encode = now - encodeStart;
  result.timings.total = now - started;
  result.throughputFps = total / ((now - started) / 1000);
  result.latencyMs = { p50: o.frameDelayMs, p95: o.frameDelayMs, p99: o.frameDelayMs };
  result.outputBytes = (await Deno.stat(o.output)).size;
  result.finishedAt = new Date(now).toISOString();
  result.state = "done";
  registry.get(o.id)!.outputPath = o.output;
  registry.changed(o.id);
}
