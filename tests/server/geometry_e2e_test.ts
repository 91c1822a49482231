/**
 * A chain that changes the frame size (scale, crop, transpose) through a server job: the encoder
 * opens at the chain's output size, the preview keeps the processed sample at that size, and the
 * output has every frame — with the embedded pool and with BullMQ frames on a real Redis.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { probe } from "../../src/codec/mod.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startWorker } from "./support.ts";

const CHAIN = "scale=-2:120,crop=iw-20:ih,transpose=1";

/** 320x240 → scale 160x120 → crop 140x120 → transpose 120x140. */
const OUT = { width: 120, height: 140 };

async function runGeometryJob(redisUrl?: string): Promise<void> {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1, audio: true });
  const dir = await Deno.makeTempDir({ prefix: "vframe-geometry-" });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    threads: 2,
    codec: "native",
    redisUrl,
    unit: "frame",
  });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: CHAIN,
      server: `127.0.0.1:${stack.server.port}`,
      output,
    });
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.fallback, 0);
    const inInfo = await probe(input, { backend: "native" });
    const outInfo = await probe(output, { backend: "native" });
    assert.deepEqual({ width: outInfo.width, height: outInfo.height }, OUT);
    assert.equal(outInfo.frameCount, inInfo.frameCount);
    assert.equal(result.frames.processed, inInfo.frameCount);
    const record = stack.server.registry.get(result.jobId)!;
    const sample = record.samples.get(0)!;
    assert.equal(sample.width, 320);
    assert.deepEqual([sample.processedWidth, sample.processedHeight], [OUT.width, OUT.height]);
    assert.equal(sample.processed!.length, OUT.width * OUT.height * 1.5);
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("geometry e2e: a size-changing chain through the embedded pool", async () => {
  await runGeometryJob();
});

Deno.test("geometry e2e: a size-changing chain through BullMQ frames and a worker process", async () => {
  const redis = await startRedis();
  const worker = await startWorker(redis.url, { concurrency: 2 });
  try {
    await runGeometryJob(redis.url);
  } finally {
    await worker.stop();
    await redis.stop();
  }
});
