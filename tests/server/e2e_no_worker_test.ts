/**
 * A BullMQ server with no worker running (the issue: the client sat at 0 %, then the job "succeeded"
 * with every frame unfiltered). Now the job is accepted with a warning, its frames are held, and
 * either a worker started during the hold filters them, or the job fails once no worker has been
 * alive for `--no-worker-timeout`, and the client exits with 5.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { type ServerStack, startServerStack } from "../../src/commands/stack.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { exists, startWorker, waitUntil, type WorkerProcess } from "./support.ts";

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;

Deno.test("e2e bullmq without workers: held frames, then a clear failure or a late worker", async (t) => {
  const redis = await startRedis();
  const stacks: ServerStack[] = [];
  const workers: WorkerProcess[] = [];
  const dir = await Deno.makeTempDir({ prefix: "vframe-no-worker-" });
  const input = await makeSampleVideo({ width: 96, height: 64, seconds: 1, audio: false });
  const start = async (noWorkerTimeoutMs: number, deadlineMs: number, log: string[]) => {
    const stack = await startServerStack({
      port: 0,
      preview: false,
      codec: "wasm",
      redisUrl: redis.url,
      policy: { attempts: 2, backoffMs: 50, deadlineMs, noWorkerTimeoutMs },
      log: (line) => log.push(line),
    });
    stacks.push(stack);
    return stack;
  };
  try {
    await t.step(
      "no worker at all: the job fails after the no-worker timeout, exit 5",
      async () => {
        const log: string[] = [];
        const { server } = await start(3_000, 20_000, log);
        const output = `${dir}/never.mp4`;
        const t0 = performance.now();
        const cli = await new Deno.Command(DENO, {
          args: [
            "run",
            "-A",
            CLI,
            "client",
            input,
            "--filter",
            "invert",
            "--server",
            `127.0.0.1:${server.port}`,
            "--out",
            output,
            "--quiet",
          ],
          stdout: "piped",
          stderr: "piped",
          env: { NO_COLOR: "1" },
        }).output();
        const ms = performance.now() - t0;
        const stderr = new TextDecoder().decode(cli.stderr);
        assert.equal(cli.code, 5, stderr);
        assert.match(
          stderr,
          /failed: no live worker for 3 s: start `deno task worker --redis redis:\/\/127\.0\.0\.1:\d+`/,
        );
        assert.ok(ms < 20_000, `failed after ${Math.round(ms)} ms, before the 20 s frame deadline`);
        assert.ok(!(await exists(output)), "no output for a failed job");

        const [job] = server.registry.list();
        assert.equal(job.result.state, "failed");
        assert.equal(job.result.frames.fallback, 0, "no frame fell back: the job failed");
        assert.match(
          job.result.warnings?.[0] ?? "",
          /^no live bullmq worker when the job was admitted/,
        );
        assert.ok(
          log.some((l) => /^job \S+: no live bullmq worker when the job was admitted/.test(l)),
          log.join("\n"),
        );
      },
    );

    await t.step("a worker started during the hold filters every frame", async () => {
      const log: string[] = [];
      // The frames wait longer than their 2 s deadline: held time does not count.
      const { server } = await start(60_000, 2_000, log);
      const output = `${dir}/late.mp4`;
      let jobId = "";
      const running = runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${server.port}`,
        output,
        onAccepted: (id) => jobId = id,
      });
      await waitUntil(
        () => (server.registry.get(jobId)?.result.warnings?.length ?? 0) > 0,
        15_000,
        "the admission warning",
      );
      await new Promise((r) => setTimeout(r, 3_000)); // frames wait in Redis
      workers.push(await startWorker(redis.url));
      const result = await running;
      console.log(`held frames: latency p99 ${result.latencyMs.p99} ms`);
      assert.equal(result.state, "done");
      assert.ok(result.latencyMs.p99 >= 3_000, "the frames waited for the worker");
      assert.equal(result.frames.fallback, 0, JSON.stringify(result.fallbackFrames));
      assert.equal(result.frames.processed, result.frames.total);
      assert.deepEqual(Object.keys(result.framesPerWorker), [workers[0].id]);
      assert.match(result.warnings?.[0] ?? "", /frames wait up to 60 s for one/);
      assert.ok(await exists(output));
    });
  } finally {
    for (const s of stacks) await s.close();
    for (const w of workers) await w.stop();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
