/**
 * End to end with BullMQ: a real redis-server started here, two worker processes (with the fault
 * switch on), a server using them; then one worker is SIGKILLed mid-job and the job still ends
 * with every frame.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { type ServerStack, startServerStack } from "../../src/commands/stack.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { compareOutput } from "./compare.ts";
import { startWorker, waitUntil, type WorkerProcess } from "./support.ts";

const FAULT = "fail=4;flaky=2";
const POLICY = { attempts: 3, backoffMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 40_000 };

Deno.test("e2e bullmq: two workers, retries and fallbacks, a SIGKILLed worker loses nothing", async (t) => {
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  const servers: ServerStack[] = [];
  const dir = await Deno.makeTempDir({ prefix: "vframe-bullmq-" });
  try {
    workers.push(
      ...await Promise.all(
        [0, 1].map(() => startWorker(redis.url, { env: { VFRAME_FAULT: FAULT } })),
      ),
    );
    const stack = await startServerStack({
      port: 0,
      preview: false,
      codec: "wasm",
      redisUrl: redis.url,
      policy: POLICY,
    });
    servers.push(stack);
    const server = stack.server;

    await t.step(
      "a job is spread over both workers; flaky retried, failing falls back",
      async () => {
        const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
        const output = `${dir}/out.mp4`;
        const result = await runJob({
          input,
          filter: "invert",
          server: `[::1]:${server.port}`,
          output,
        });
        assert.equal(result.state, "done");
        assert.equal(result.backend.queue, "bullmq");
        assert.ok(
          Object.keys(result.framesPerWorker).length >= 2,
          JSON.stringify(result.framesPerWorker),
        );
        assert.deepEqual(result.fallbackFrames.map((f) => [f.index, f.attempts]), [[4, 3]]);
        assert.ok(result.frames.retried >= 2, `retried ${result.frames.retried}`);
        const cmp = await compareOutput(input, output, "invert");
        assert.equal(cmp.frames, cmp.inputInfo.frameCount);
        assert.equal(result.frames.total, cmp.inputInfo.frameCount);
        assert.ok(Math.abs(cmp.outputInfo.duration - cmp.inputInfo.duration) < 0.05);
        assert.equal(cmp.outputInfo.audio.length, 1);
        for (let i = 0; i < cmp.frames; i++) {
          const d = i === 4 ? cmp.toOriginal[i] : cmp.toExpected[i];
          assert.ok(d < 4, `frame ${i}: ${d}`);
        }
      },
    );

    await t.step(
      "SIGKILL one worker mid-job: its frames are redelivered, nothing lost",
      async () => {
        // A rate limit keeps the job running long enough to kill a worker in the middle of it.
        const slowStack = await startServerStack({
          port: 0,
          preview: false,
          codec: "wasm",
          redisUrl: redis.url,
          policy: POLICY,
          ratePerSecond: 25,
        });
        servers.push(slowStack);
        const slow = slowStack.server;
        const input = await makeSampleVideo({ width: 160, height: 120, seconds: 4, audio: true });
        const output = `${dir}/killed.mp4`;
        let jobId = "";
        const running = runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${slow.port}`,
          output,
          onAccepted: (id) => (jobId = id),
        });
        await waitUntil(
          () => (slow.registry.get(jobId)?.done ?? 0) >= 20,
          30_000,
          "20 frames done",
        );
        const killedAt = performance.now();
        await workers[0].kill();
        const result = await running;
        const afterKill = performance.now() - killedAt;
        console.log(`job finished ${Math.round(afterKill)} ms after the SIGKILL`);
        assert.equal(result.state, "done");
        assert.deepEqual(result.fallbackFrames.map((f) => f.index), [4], "only the faulty frame");
        const cmp = await compareOutput(input, output, "invert");
        assert.equal(cmp.frames, cmp.inputInfo.frameCount, "every frame is in the output");
        for (let i = 0; i < cmp.frames; i++) {
          const d = i === 4 ? cmp.toOriginal[i] : cmp.toExpected[i];
          assert.ok(d < 4, `frame ${i}: ${d}`);
        }
        const counts = Object.values(result.framesPerWorker).reduce((a, b) => a + b, 0);
        assert.equal(counts, result.frames.processed);
      },
    );
  } finally {
    for (const s of servers) await s.close();
    for (const w of workers) await w.stop();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
