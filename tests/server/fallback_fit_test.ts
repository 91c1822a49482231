/**
 * A frame that falls back in a chain that changes the size: the output holds the original frame
 * fitted into the chain's output size (aspect kept, black bars), not a black frame — in frame
 * mode and for a segment that falls back (encoded by the server from its original frames).
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { fitFrame } from "../../src/filters/fit_frame.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startRedis } from "../helpers/redis.ts";
import { decodeAll, meanAbsDiff, startWorker } from "./support.ts";

Deno.test("a size-changing chain's fallback frame is the original fitted into the new size", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 0.5 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-fallback-fit-" });
  const queue = await EmbeddedQueue.create({ threads: 2, fault: "fail=3" });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    codec: "native",
    queue,
  });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: "scale=iw/2:ih/4,invert",
      server: `127.0.0.1:${stack.server.port}`,
      output,
      options: { crf: 10 },
    });
    assert.equal(result.state, "done", result.error);
    assert.deepEqual(result.fallbackFrames.map((f) => f.index), [3]);
    const [original, out] = await Promise.all([decodeAll(input), decodeAll(output)]);
    assert.deepEqual([out[3].width, out[3].height], [160, 60]);
    const fitted = fitFrame(original[3].data, 320, 240, 160, 60);
    const black = fitFrame(new Uint8Array(original[3].data.length).fill(16), 320, 240, 160, 60);
    const toFitted = meanAbsDiff(out[3].data, fitted);
    assert.ok(toFitted < 3, `frame 3 is the fitted original (mean difference ${toFitted})`);
    assert.ok(meanAbsDiff(fitted, black) > 20, "and that is not a black frame");
    assert.ok(meanAbsDiff(out[2].data, fitted) > 20, "frame 2 was filtered (inverted)");
  } finally {
    await stack.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment mode: a fallen-back segment of a size-changing chain holds the fitted originals", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-fallback-fit-seg-" });
  const redis = await startRedis();
  const worker = await startWorker(redis.url, { env: { VFRAME_FAULT: "fail=5" } });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    codec: "native",
    redisUrl: redis.url,
    unit: "segment",
    policy: { attempts: 2, backoffMs: 10 },
  });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: "scale=iw/2:ih/4,invert",
      server: `127.0.0.1:${stack.server.port}`,
      output,
      options: { crf: 10 },
    });
    assert.equal(result.state, "done", result.error);
    assert.equal(result.unit, "segment");
    const range = result.fallbackRanges?.[0];
    assert.ok(range && range.start <= 5 && 5 < range.end, JSON.stringify(result.fallbackRanges));
    const [original, out] = await Promise.all([decodeAll(input), decodeAll(output)]);
    assert.equal(out.length, original.length);
    for (let i = 0; i < out.length; i++) {
      const fitted = fitFrame(original[i].data, 320, 240, 160, 60);
      const d = meanAbsDiff(out[i].data, fitted);
      if (i >= range.start && i < range.end) {
        assert.ok(d < 3, `frame ${i} is the fitted original (${d})`);
      } else assert.ok(d > 20, `frame ${i} was filtered (${d})`);
    }
  } finally {
    await stack.close();
    await worker.stop();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
