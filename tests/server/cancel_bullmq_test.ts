/**
 * Cancelling a running job whose frames go to a real `vframe worker` process over a real Redis:
 * through the preview's API (`POST /api/jobs/:id/cancel` with the server's token), then by the
 * client's Ctrl-C. Either way, within a second: the job is `cancelled`, no frame of it is left in
 * Redis (no input or output key, no BullMQ job, nothing waiting), and the worker has dropped the
 * frames it was filtering (its first heartbeat written a second after the cancel says it is idle,
 * and it stores nothing more). The client CLI exits non-zero (5 for the API) with no output file.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { type ServerStack, startServerStack } from "../../src/commands/stack.ts";
import { HEARTBEAT_TTL_MS, type HeartbeatRecord } from "../../src/queue/bullmq/heartbeat.ts";
import { workerKey } from "../../src/queue/bullmq/keys.ts";
import { EXIT_CODES } from "../../src/util/errors.ts";
import { startRedis, type TestRedis } from "../helpers/redis.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startWorker, type WorkerProcess } from "../queue/worker_process.ts";
import { filesIn, msUntil, postCancel, spawnClient } from "./cancel_cli.ts";
import { waitUntil } from "./support.ts";

const TOKEN = "cancel-bullmq-test-token-0123456789abcdef";
const QUEUE = "vframe-cancel-test";

/** A job's keys in Redis: frame inputs/outputs and BullMQ job hashes (not the cancel marker). */
async function jobKeys(redis: Redis, jobId: string): Promise<string[]> {
  return [
    ...await redis.keys(`vframe:${jobId}:*`),
    ...await redis.keys(`bull:${QUEUE}:vf.${encodeURIComponent(jobId)}.*`),
  ].filter((k) => !k.endsWith(":cancelled")).sort();
}

/**
 * What the worker said in its first heartbeat written at least `ms` after `t0`
 * (performance.now()): its key is rewritten every second with a 3 s TTL, so its age is the TTL
 * minus what is left of it.
 */
async function heartbeatAfter(
  redis: Redis,
  workerId: string,
  t0: number,
  ms: number,
): Promise<{ busy: number; processed: number }> {
  const key = workerKey(QUEUE, workerId);
  const limit = t0 + ms + 5_000;
  while (performance.now() < limit) {
    const [[, value], [, ttl]] = (await redis.multi().get(key).pttl(key).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ];
    const writtenAt = performance.now() - (HEARTBEAT_TTL_MS - ttl);
    if (value !== null && ttl > 0 && writtenAt >= t0 + ms) {
      const record = JSON.parse(value) as HeartbeatRecord;
      return { busy: record.busy, processed: record.processed };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no heartbeat of ${workerId} written ${ms} ms after the cancel`);
}

Deno.test("cancel with a BullMQ worker: API and Ctrl-C stop the job everywhere within a second", async (t) => {
  const input = await makeSampleVideo({ width: 160, height: 120, fps: "15", seconds: 3 });
  let redis: TestRedis | undefined;
  let inspect: Redis | undefined;
  let worker: WorkerProcess | undefined;
  let stack: ServerStack | undefined;
  const dir = await Deno.makeTempDir({ prefix: "vframe-cancel-bullmq-" });
  try {
    redis = await startRedis();
    inspect = new Redis(redis.url);
    // Two filter threads, each spending 1 s on every frame from frame 10 on.
    worker = await startWorker({
      redisUrl: redis.url,
      queueName: QUEUE,
      concurrency: 2,
      fault: "slow=10-44",
    });
    stack = await startServerStack({
      host: "127.0.0.1",
      port: 0,
      preview: { port: 0 },
      redisUrl: redis.url,
      queueName: QUEUE,
      auth: { mode: "token", token: TOKEN },
    });
    const s = stack;
    const w = worker;
    const r = inspect;

    /** Starts a client CLI job; resolves once the worker is busy with two slow frames. */
    const startJob = async (name: string) => {
      const client = spawnClient([
        input,
        "-f",
        "invert",
        "-s",
        `127.0.0.1:${s.server.port}`,
        "-o",
        `${dir}/${name}.mp4`,
      ], TOKEN);
      try {
        await waitUntil(
          () => s.server.registry.list().some((j) => j.result.state === "running" && j.done >= 10),
          60_000,
          "10 frames done",
        );
        await waitUntil(
          async () => (await s.queue.workers()).some((x) => x.id === w.id && x.busy === 2),
          10_000,
          "the worker busy with two slow frames",
        );
      } catch (error) {
        client.child.kill("SIGKILL");
        await client.status;
        throw new Error(`${error}\nclient:\n${client.output()}\nworker:\n${w.lines.join("\n")}`);
      }
      const jobId = s.server.registry.list().find((j) => j.result.state === "running")!.id;
      assert.ok((await jobKeys(r, jobId)).length > 0, "the job has frames in Redis");
      return { client, jobId };
    };

    /** Checks everything stopped within a second of `t0`; returns the job's result. */
    const assertStopped = async (jobId: string, t0: number) => {
      const record = s.server.registry.get(jobId)!;
      const jobMs = await msUntil(
        () => record.result.state === "cancelled",
        t0,
        1000,
        "job cancelled",
      );
      const redisMs = await msUntil(
        async () => (await jobKeys(r, jobId)).length === 0 && (await s.queue.depth()) === 0,
        t0,
        1000,
        "no frame of the job left in Redis",
      );
      const beat = await heartbeatAfter(r, w.id, t0, 1000);
      assert.equal(beat.busy, 0, "a second after the cancel, the worker filters nothing");
      const later = await heartbeatAfter(r, w.id, t0, 2000);
      assert.equal(later.processed, beat.processed, "and stores nothing more");
      console.log(
        `job cancelled after ${Math.round(jobMs)} ms, Redis clean after ${Math.round(redisMs)} ms`,
      );
      assert.ok(record.done < 45, `stopped mid-job (${record.done}/45)`);
      return record.result;
    };

    await t.step("through the API", async () => {
      const { client, jobId } = await startJob("api");
      const t0 = performance.now();
      const answer = await postCancel(s.previewUrl!, jobId, TOKEN);
      assert.deepEqual(answer, { status: 202, body: { jobId, state: "cancelling" } });
      const result = await assertStopped(jobId, t0);
      assert.match(result.error ?? "", /cancelled through the preview/);
      assert.equal(result.backend.queue, "bullmq");
      const status = await client.status;
      assert.equal(status.code, EXIT_CODES["job-cancelled"], client.output());
      assert.match(client.output(), /cancelled: cancelled through the preview/);
      assert.deepEqual(filesIn(dir), [], "no output or .part file");
    });

    await t.step("by the client's Ctrl-C", async () => {
      const { client, jobId } = await startJob("ctrl-c");
      const t0 = performance.now();
      client.child.kill("SIGINT");
      const result = await assertStopped(jobId, t0);
      assert.match(result.error ?? "", /cancelled by the client|client disconnected/);
      const status = await client.status;
      assert.equal(status.success, false, "an interrupted client does not exit 0");
      assert.deepEqual(filesIn(dir), [], "no output or .part file");
    });
    // The worker is still healthy: it logged no failure and stops cleanly.
    assert.equal(await w.stop(), 0, w.lines.join("\n"));
  } finally {
    await stack?.close();
    if (worker) await worker.stop("SIGKILL");
    inspect?.disconnect();
    await redis?.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
