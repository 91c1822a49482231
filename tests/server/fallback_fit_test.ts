/**
 * A frame that falls back in a chain that changes the size: the output holds the original frame
 * fitted into the chain's output size (aspect kept, black bars), not a black frame — in frame
 * mode and for a segment that falls back (encoded by the server from its original frames).
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { type StackOptions, startServerStack } from "../../src/commands/stack.ts";
import type { Frame } from "../../src/codec/frame.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { fitFrame } from "../../src/filters/fit_frame.ts";
import { makeGopVideo } from "../helpers/gop_video.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startRedis } from "../helpers/redis.ts";
import { decodeAll, meanAbsDiff, startWorker } from "./support.ts";

/** 320x240 → 160x60: the fitted original is 80x60 between black bars. */
const CHAIN = "scale=iw/2:ih/4,invert";

/**
 * Runs CHAIN on a 320x240 clip of `seconds` through a server started with `options`; `keyint`
 * frames between keyframes when given (segment mode: one worker cuts segments at keyframes only).
 */
async function runFallbackJob(seconds: number, options: StackOptions, keyint?: number): Promise<{
  result: JobResult;
  original: Frame[];
  out: Frame[];
}> {
  const input = keyint
    ? await makeGopVideo({
      width: 320,
      height: 240,
      seconds,
      x264: `keyint=${keyint}:min-keyint=${keyint}:scenecut=0`,
    })
    : await makeSampleVideo({ width: 320, height: 240, seconds });
  const dir = await Deno.makeTempDir({ prefix: "vframe-fallback-fit-" });
  const stack = await startServerStack({ port: 0, preview: false, codec: "native", ...options });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: CHAIN,
      server: `127.0.0.1:${stack.server.port}`,
      output,
      options: { crf: 10 },
    });
    assert.equal(result.state, "done", result.error);
    const [original, out] = await Promise.all([decodeAll(input), decodeAll(output)]);
    assert.equal(out.length, original.length);
    return { result, original, out };
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Mean difference of output frame `i` from the original fitted into 160x60. */
function toFitted(original: Frame[], out: Frame[], i: number): number {
  return meanAbsDiff(out[i].data, fitFrame(original[i].data, 320, 240, 160, 60));
}

Deno.test("a size-changing chain's fallback frame is the original fitted into the new size", async () => {
  const queue = await EmbeddedQueue.create({ threads: 2, fault: "fail=3" });
  try {
    const { result, original, out } = await runFallbackJob(0.5, { queue });
    assert.deepEqual(result.fallbackFrames.map((f) => f.index), [3]);
    assert.deepEqual([out[3].width, out[3].height], [160, 60]);
    const d = toFitted(original, out, 3);
    assert.ok(d < 3, `frame 3 is the fitted original (mean difference ${d})`);
    const black = new Uint8Array(original[3].data.length).fill(16);
    const fitted = fitFrame(original[3].data, 320, 240, 160, 60);
    assert.ok(meanAbsDiff(fitted, fitFrame(black, 320, 240, 160, 60)) > 20, "not a black frame");
    assert.ok(toFitted(original, out, 2) > 20, "frame 2 was filtered (inverted)");
  } finally {
    await queue.close();
  }
});

Deno.test("segment mode: a fallen-back segment of a size-changing chain holds the fitted originals", async () => {
  const redis = await startRedis();
  const worker = await startWorker(redis.url, { env: { VFRAME_FAULT: "fail=5" } });
  try {
    const { result, original, out } = await runFallbackJob(1, {
      redisUrl: redis.url,
      unit: "segment",
      policy: { attempts: 2, backoffMs: 10 },
    }, 10);
    assert.equal(result.unit, "segment");
    const range = result.fallbackRanges?.[0];
    assert.ok(range && range.start <= 5 && 5 < range.end, JSON.stringify(result.fallbackRanges));
    for (let i = 0; i < out.length; i++) {
      const d = toFitted(original, out, i);
      if (i >= range.start && i < range.end) {
        assert.ok(d < 3, `frame ${i} is the fitted original (${d})`);
      } else assert.ok(d > 20, `frame ${i} was filtered (${d})`);
    }
  } finally {
    await worker.stop();
    await redis.stop();
  }
});
