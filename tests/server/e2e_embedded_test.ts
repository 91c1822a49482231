/**
 * End to end over real sockets with the embedded backend: TCP on [::] reached over IPv4 and
 * IPv6, the AF_UNIX socket, output checked against the wasm engine, four clients at once.
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { runJob } from "../../src/client/client.ts";
import type { VframeServer } from "../../src/server/server.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { compareOutput, max } from "./compare.ts";
import { decodeAll } from "./support.ts";

async function withServer(
  fn: (server: VframeServer, dir: string) => Promise<void>,
  unix = false,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-e2e-" });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    threads: 2,
    codec: "wasm",
    unixPath: unix ? `${dir}/vframe.sock` : undefined,
  });
  try {
    await fn(stack.server, dir);
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("e2e embedded: grayscale over IPv4 keeps frames, duration and audio; neutral chroma", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
  await withServer(async (server, dir) => {
    const output = `${dir}/gray.mp4`;
    const result = await runJob({
      input,
      filter: "grayscale",
      server: `127.0.0.1:${server.port}`,
      output,
    });
    assert.equal(result.state, "done");
    const cmp = await compareOutput(input, output, "grayscale");
    assert.equal(cmp.outputInfo.frameCount, cmp.inputInfo.frameCount);
    assert.equal(result.frames.total, cmp.inputInfo.frameCount);
    assert.equal(result.frames.processed, cmp.inputInfo.frameCount);
    assert.equal(result.frames.fallback, 0);
    assert.ok(
      Math.abs(cmp.outputInfo.duration - cmp.inputInfo.duration) < 0.05,
      `duration ${cmp.outputInfo.duration} vs ${cmp.inputInfo.duration}`,
    );
    assert.equal(cmp.inputInfo.audio.length, 1);
    assert.equal(cmp.outputInfo.audio.length, 1, "audio carried over");
    assert.ok(max(cmp.toExpected) < 4, `output vs engine: ${max(cmp.toExpected)}`);
    // Chroma of every output frame is neutral (128 ± encoder noise).
    for (const frame of await decodeAll(output)) {
      const l = planeLayout(frame.width, frame.height);
      for (let i = l.uOffset; i < l.total; i++) {
        assert.ok(Math.abs(frame.data[i] - 128) <= 3, `chroma ${frame.data[i]} at ${i}`);
      }
    }
    // The result JSON is complete.
    assert.equal(result.input.frames, cmp.inputInfo.frameCount);
    assert.equal(result.input.audio, true);
    assert.equal(result.input.width, 160);
    assert.equal(result.backend.queue, "embedded");
    assert.equal(result.filter, "grayscale");
    assert.ok(result.outputBytes! > 0);
    assert.equal(result.outputBytes, (await Deno.stat(output)).size);
    assert.ok(result.timings.total > 0 && result.timings.download! >= 0);
    assert.ok(result.throughputFps > 0);
    assert.ok(result.latencyMs.p50 > 0 && result.latencyMs.p99 >= result.latencyMs.p50);
    const perWorker = Object.values(result.framesPerWorker).reduce((a, b) => a + b, 0);
    assert.equal(perWorker, result.frames.processed);
    // The registry has the finished job and its output, kept in the work dir.
    const record = server.registry.get(result.jobId)!;
    assert.equal(record.result.state, "done");
    assert.ok(record.outputPath?.startsWith(server.workDir));
    assert.ok(record.samples.size > 0 && record.latestSample !== undefined);
  });
});

Deno.test("e2e embedded: IPv6 (::1) and AF_UNIX clients on the same server; output = engine", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  await withServer(async (server, dir) => {
    const v6 = await runJob({
      input,
      filter: "invert",
      server: `[::1]:${server.port}`,
      output: `${dir}/v6.mp4`,
    });
    const unix = await runJob({
      input,
      filter: "invert",
      unixPath: server.unixPath,
      output: `${dir}/unix.mp4`,
    });
    for (const [name, r] of [["v6", v6], ["unix", unix]] as const) {
      assert.equal(r.state, "done");
      const cmp = await compareOutput(input, `${dir}/${name}.mp4`, "invert");
      assert.equal(cmp.frames, cmp.inputInfo.frameCount);
      assert.equal(cmp.outputInfo.audio.length, 0);
      assert.ok(max(cmp.toExpected) < 4, `${name}: output vs engine ${max(cmp.toExpected)}`);
      assert.ok(Math.min(...cmp.toOriginal) > 40, `${name}: output differs from the input`);
    }
  }, true);
});

Deno.test("e2e embedded: four clients at once, each gets its own filter's output", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const filters = ["invert", "hflip", "grayscale", "blur=sigma=4,vflip"];
  await withServer(async (server, dir) => {
    const results = await Promise.all(
      filters.map((filter, i) =>
        runJob({ input, filter, server: `localhost:${server.port}`, output: `${dir}/out${i}.mp4` })
      ),
    );
    assert.equal(new Set(results.map((r) => r.jobId)).size, 4);
    for (const [i, filter] of filters.entries()) {
      assert.equal(results[i].state, "done");
      const own = await compareOutput(input, `${dir}/out${i}.mp4`, filter);
      assert.equal(own.frames, own.inputInfo.frameCount);
      assert.equal(own.outputInfo.audio.length, 1);
      assert.ok(max(own.toExpected) < 4, `${filter}: ${max(own.toExpected)}`);
      // And not another client's filter.
      const other = filters[(i + 1) % filters.length];
      const cross = await compareOutput(input, `${dir}/out${i}.mp4`, other);
      assert.ok(
        Math.min(...cross.toExpected) > 3 * max(own.toExpected),
        `${filter} output also matches ${other}`,
      );
    }
  });
});
