/**
 * A native-codec job on the embedded pool: the server gives each written frame's buffer back to
 * the decoder, which reads a later frame into it. Every output frame must still be its own input
 * frame filtered, and every preview sample its own frame (the registry keeps copies): a buffer
 * reused too early shows up here as another frame's picture.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { applyChain, compareOutput, max } from "./compare.ts";
import { decodeAll, meanAbsDiff } from "./support.ts";

Deno.test("native job: every output frame and preview sample is its own frame, buffers reused", async () => {
  // 320x240 (kept whole in the preview: no shrinking), 3 s: ~90 frames, many times the buffers.
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 3, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-native-job-" });
  const stack = await startServerStack({ port: 0, preview: false, threads: 2, codec: "native" });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${stack.server.port}`,
      output,
    });
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.fallback, 0);
    const cmp = await compareOutput(input, output, "invert");
    assert.equal(cmp.frames, cmp.inputInfo.frameCount);
    assert.ok(cmp.frames > 60, `${cmp.frames} frames`);
    assert.ok(max(cmp.toExpected) < 4, `output vs engine: ${max(cmp.toExpected)}`);
    const frames = await decodeAll(input);
    const samples = stack.server.registry.get(result.jobId)!.samples;
    assert.ok(samples.size >= 10, `${samples.size} samples`);
    // (Compared by difference: assert.deepEqual's report of two unequal frames takes minutes.)
    for (const [index, sample] of samples) {
      const expected = await applyChain("invert", frames[index]);
      assert.equal(sample.original.length, frames[index].data.length, `sample ${index}: original`);
      assert.equal(
        meanAbsDiff(sample.original, frames[index].data),
        0,
        `sample ${index}: original`,
      );
      assert.equal(sample.processed?.length, expected.length, `sample ${index}: processed`);
      assert.equal(meanAbsDiff(sample.processed!, expected), 0, `sample ${index}: processed`);
    }
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});
