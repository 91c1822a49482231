/** One-paragraph human summaries of a result JSON, for the client and the demo. Pure. */
import type { JobResult } from "../protocol/result.ts";

/** A few lines: frames, fallbacks, timings, throughput, latency, workers. */
export function summarize(result: JobResult): string {
  const f = result.frames;
  const t = result.timings;
  const workers = Object.entries(result.framesPerWorker)
    .sort((a, b) => b[1] - a[1])
    .map(([id, n]) => `${id}=${n}`)
    .join(" ");
  const lines = [
    `job ${result.jobId} ${result.state}: ${f.total} frames (${f.processed} filtered, ` +
    `${f.fallback} fallback, ${f.retried} retried) with '${result.filter}'`,
    `input ${result.input.width}x${result.input.height} @ ${result.input.fps} fps, ` +
    `${result.input.duration.toFixed(2)} s${result.input.audio ? ", audio" : ""}; ` +
    `backend ${result.backend.queue}/${result.backend.codec}`,
    `time ${(t.total / 1000).toFixed(2)} s (upload ${t.upload} ms, decode ${t.decode} ms, ` +
    `process ${t.process} ms, encode ${t.encode} ms${
      t.download !== undefined ? `, download ${t.download} ms` : ""
    }); ${result.throughputFps} fps; latency p50/p95/p99 ` +
    `${result.latencyMs.p50}/${result.latencyMs.p95}/${result.latencyMs.p99} ms`,
  ];
  if (workers) lines.push(`workers ${workers}`);
  if (result.fallbackFrames.length > 0) {
    const shown = result.fallbackFrames.slice(0, 5)
      .map((e) => `#${e.index} (${e.reason})`).join(", ");
    const more = result.frames.fallback - Math.min(5, result.fallbackFrames.length);
    lines.push(`fallback frames: ${shown}${more > 0 ? ` and ${more} more` : ""}`);
  }
  if (result.error) lines.push(`error: ${result.error}`);
  return lines.join("\n");
}

/** Writes `text` to `path` atomically (temp file beside it, then rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash + 1) : "";
  const tmp = `${dir}.${path.slice(slash + 1)}.${crypto.randomUUID().slice(0, 8)}.part`;
  try {
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}
