/**
 * Fault tolerance end to end (embedded backend with the fault switch): retries, timeouts and
 * fallbacks to the original frame, and the job still succeeds with every frame in place.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { JobFailedError } from "../../src/client/errors.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { VframeServer } from "../../src/server/server.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { compareOutput, max } from "./compare.ts";

Deno.test("e2e faults: flaky frames are retried, failing and hanging frames fall back", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const dir = await Deno.makeTempDir({ prefix: "vframe-faults-" });
  const queue = await EmbeddedQueue.create({
    threads: 2,
    policy: { attempts: 3, backoffMs: 10, attemptTimeoutMs: 500, deadlineMs: 20_000 },
    fault: "fail=3,7;flaky=2;hang=5",
  });
  const server = await VframeServer.start({ port: 0, codec: "wasm", queue });
  try {
    const output = `${dir}/out.mp4`;
    const result = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${server.port}`,
      output,
    });
    assert.equal(result.state, "done");
    assert.deepEqual(result.fallbackFrames.map((f) => f.index), [3, 5, 7]);
    for (const f of result.fallbackFrames) {
      assert.equal(f.attempts, 3, `frame ${f.index} used every attempt`);
      assert.ok(f.reason.length > 0);
    }
    assert.match(result.fallbackFrames[1].reason, /time|timeout|hang/i);
    assert.equal(result.frames.fallback, 3);
    assert.ok(result.frames.retried >= 4, `retried ${result.frames.retried}`); // 2, 3, 5, 7
    assert.equal(result.frames.processed + result.frames.fallback, result.frames.total);

    const cmp = await compareOutput(input, output, "invert");
    assert.equal(cmp.frames, cmp.inputInfo.frameCount, "no frame lost");
    assert.equal(cmp.outputInfo.audio.length, 1);
    for (let i = 0; i < cmp.frames; i++) {
      if ([3, 5, 7].includes(i)) {
        assert.ok(cmp.toOriginal[i] < 4, `frame ${i} is the original: ${cmp.toOriginal[i]}`);
      } else {
        assert.ok(cmp.toExpected[i] < 4, `frame ${i} is filtered: ${cmp.toExpected[i]}`);
      }
    }
    assert.ok(max(cmp.toExpected) > 40, "fallback frames are not filtered");

    const record = server.registry.get(result.jobId)!;
    const kinds = record.timeline.map((e) => `${e.kind}:${e.index}`);
    for (const k of ["retry:2", "fallback:3", "fallback:5", "fallback:7"]) {
      assert.ok(kinds.includes(k), `timeline has ${k}: ${kinds}`);
    }
  } finally {
    await server.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("e2e faults: a job whose every frame fell back fails instead of succeeding", async () => {
  const input = await makeSampleVideo({ width: 96, height: 64, seconds: 1, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-all-fallback-" });
  const queue = await EmbeddedQueue.create({
    threads: 1,
    policy: { attempts: 1, backoffMs: 10, deadlineMs: 20_000 },
    fault: "fail=0-9999",
  });
  const server = await VframeServer.start({ port: 0, codec: "wasm", queue });
  try {
    const output = `${dir}/out.mp4`;
    await assert.rejects(
      runJob({ input, filter: "invert", server: `127.0.0.1:${server.port}`, output }),
      (e: Error) => {
        assert.ok(e instanceof JobFailedError, String(e));
        assert.equal(exitCodeFor(e), 5);
        assert.match(
          e.message,
          /failed: all 30 frames fell back to the original: none was filtered \(frame 0: FaultInjectedError: /,
        );
        return true;
      },
    );
    const [job] = server.registry.list();
    assert.equal(job.result.state, "failed");
    assert.equal(job.result.frames.fallback, 30);
    assert.equal(job.outputPath, undefined, "no output is offered");
    await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
  } finally {
    await server.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});
