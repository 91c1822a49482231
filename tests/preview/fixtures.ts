/** Hand-built jobs, frames and queues for the preview's tests. */
import { planeLayout } from "../../src/codec/frame.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import type { FrameQueue, WorkerInfo } from "../../src/queue/types.ts";

/** A JobResult of a running 48-frame 32×24 job, with `over` applied on top. */
export function makeResult(jobId: string, over: Partial<JobResult> = {}): JobResult {
  return {
    version: 1,
    jobId,
    state: "running",
    input: {
      fileName: "clip.mp4",
      bytes: 12345,
      width: 32,
      height: 24,
      fps: 24,
      fpsRational: "24/1",
      frames: 48,
      duration: 2,
      audio: false,
    },
    filter: "grayscale",
    frames: { total: 48, processed: 0, fallback: 0, retried: 0 },
    fallbackFrames: [],
    timings: { upload: 0, decode: 0, process: 0, encode: 0, total: 0 },
    throughputFps: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0 },
    framesPerWorker: {},
    backend: { queue: "embedded", codec: "wasm" },
    startedAt: new Date().toISOString(),
    ...over,
  };
}

/** A `width` × `height` yuv420p frame of one colour. */
export function solidFrame(width: number, height: number, y: number, u: number, v: number) {
  const l = planeLayout(width, height);
  const data = new Uint8Array(l.total);
  data.fill(y, 0, l.ySize);
  data.fill(u, l.uOffset, l.uOffset + l.uvSize);
  data.fill(v, l.vOffset, l.vOffset + l.uvSize);
  return data;
}

/** BT.601 limited-range colours as (Y, U, V). */
export const RED: [number, number, number] = [81, 90, 240];
export const WHITE: [number, number, number] = [235, 128, 128];
export const BLACK: [number, number, number] = [16, 128, 128];

/**
 * A registry with job `job-1`: running, 48 frames of 32×24, 12 done; sample 0 is red → white
 * (processed), sample 2 has only its original; one retry and one fallback on the timeline.
 */
export function makeRegistry(): JobRegistry {
  const registry = new JobRegistry();
  registry.add(makeResult("job-1", { startedAt: new Date(Date.now() - 2000).toISOString() }));
  registry.sample("job-1", {
    index: 0,
    width: 32,
    height: 24,
    original: solidFrame(32, 24, ...RED),
    processed: solidFrame(32, 24, ...WHITE),
  });
  registry.sample("job-1", {
    index: 2,
    width: 32,
    height: 24,
    original: solidFrame(32, 24, ...BLACK),
  });
  registry.mark("job-1", { index: 3, kind: "retry", reason: "worker crashed" });
  registry.mark("job-1", { index: 5, kind: "fallback", reason: "timeout after 10 ms" });
  for (let i = 1; i <= 12; i++) registry.frameDone("job-1", i);
  return registry;
}

/** Options for {@link fakeQueue}. */
export interface FakeQueueOptions {
  depth?: number;
  workers?: WorkerInfo[];
  /** depth() and workers() reject. */
  fail?: boolean;
  /** depth() and workers() never settle. */
  hang?: boolean;
}

/** A FrameQueue that only answers depth() and workers(). */
export function fakeQueue(options: FakeQueueOptions = {}): FrameQueue & { calls: number } {
  const q = {
    backend: "embedded" as const,
    calls: 0,
    process(): never {
      throw new Error("fakeQueue does not process frames");
    },
    cancelJob: () => Promise.resolve(),
    close: () => Promise.resolve(),
    depth(): Promise<number> {
      q.calls++;
      if (options.hang) return new Promise(() => {});
      if (options.fail) return Promise.reject(new Error("redis is down"));
      return Promise.resolve(options.depth ?? 0);
    },
    workers(): Promise<WorkerInfo[]> {
      if (options.hang) return new Promise(() => {});
      if (options.fail) return Promise.reject(new Error("redis is down"));
      return Promise.resolve(options.workers ?? []);
    },
  };
  return q;
}

/** Reads a Prometheus text exposition into `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}
