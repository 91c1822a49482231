/**
 * A frame that falls back in a chain that changes the size: the output holds the original frame
 * fitted into the chain's output size (aspect kept, black bars), not a black frame.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { fitFrame } from "../../src/filters/fit_frame.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { decodeAll, meanAbsDiff } from "./support.ts";

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
