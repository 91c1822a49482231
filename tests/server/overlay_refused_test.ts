/**
 * A server never reads a file a client names: `overlay=file=…` is refused in the `ack`, before
 * anything is uploaded, with a message that says to run it locally.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { makeSampleVideo } from "../helpers/video.ts";

Deno.test("server: a chain with overlay is refused as bad-filter, nothing uploaded", async () => {
  const input = await makeSampleVideo({ width: 64, height: 48, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-overlay-" });
  const stack = await startServerStack({ port: 0, preview: false, threads: 1, codec: "wasm" });
  try {
    const error = await runJob({
      input,
      filter: "invert,overlay=file=tests/filters/fixtures/overlay_logo.png:x=4:y=4",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/out.mp4`,
    }).then(() => undefined, (e: Error) => e);
    assert.ok(error, "the job is refused");
    assert.match(error.message, /bad-filter/);
    assert.match(error.message, /overlay needs the image on the server/);
    assert.equal(stack.server.registry.list().length, 0, "no job was admitted");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no output");
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});
