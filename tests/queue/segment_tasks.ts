/**
 * Test helper: the segment tasks of a generated clip — its chunks cut with the codec layer, each
 * with its spec — and a check that an encoded chunk holds the range's frames.
 */
import {
  chunkSpec,
  cutChunks,
  orderFrames,
  planSegments,
  probeEncodedChunk,
  readPacketIndex,
} from "../../src/codec/segment/mod.ts";
import { probe } from "../../src/codec/probe.ts";
import { parseChain } from "../../src/filters/parse.ts";
import type { SegmentTask } from "../../src/queue/segment_task.ts";
import { GOP_CASES, makeGopVideo } from "../helpers/gop_video.ts";

/**
 * The segments of a 2 s, 160x120 clip with a keyframe every 10 frames, cut into segments of
 * `target` frames (default 10: six segments), as tasks of job `jobId` with chain `filter`.
 */
export async function segmentTasks(
  jobId: string,
  options: { target?: number; filter?: string } = {},
): Promise<SegmentTask[]> {
  const input = await makeGopVideo({
    ...GOP_CASES.keyframeEverySecond,
    x264: "keyint=10:scenecut=0",
  });
  const info = await probe(input, { backend: "native" });
  const index = await readPacketIndex(input, { backend: "native" });
  const plans = planSegments(orderFrames(index), options.target ?? 10);
  const dir = await Deno.makeTempDir({ prefix: "vframe-seg-tasks-" });
  try {
    const chunks = await cutChunks({ input, index, plans, dir, backend: "native" });
    const chain = parseChain(options.filter ?? "invert");
    return await Promise.all(chunks.map(async (c) => ({
      jobId,
      index: c.plan.index,
      start: c.plan.start,
      chunk: await Deno.readFile(c.path),
      spec: chunkSpec(c.plan, { ...info, preset: "ultrafast" }),
      chain,
    })));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Frames in an encoded chunk (ffprobe's packet count). */
export async function encodedFrames(data: Uint8Array): Promise<number> {
  const path = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(path, data);
    return (await probeEncodedChunk(path, "native")).frames;
  } finally {
    await Deno.remove(path);
  }
}
