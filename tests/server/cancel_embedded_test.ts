/**
 * Cancelling a running job on a real server with the embedded pool, sent by the real client CLI:
 * through the preview's API (`POST /api/jobs/:id/cancel` with the server's token), and by the
 * client's Ctrl-C. Either way, within a second, the job is `cancelled`, the pool's threads are
 * idle (the frames they were filtering aborted, not finished) and nothing waits in the queue; the
 * client exits non-zero (5, "cancelled", for the API) leaving no output file.
 */
import assert from "node:assert/strict";
import { type ServerStack, startServerStack } from "../../src/commands/stack.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { EXIT_CODES } from "../../src/util/errors.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { filesIn, msUntil, postCancel, spawnClient } from "./cancel_cli.ts";
import { waitUntil } from "./support.ts";

const TOKEN = "cancel-embedded-test-token-0123456789abc";

interface Running {
  stack: ServerStack;
  queue: EmbeddedQueue;
  jobId: string;
  client: ReturnType<typeof spawnClient>;
  dir: string;
  close(): Promise<void>;
}

/**
 * A server (token required, preview on) whose two filter threads spend 1 s on every frame from
 * frame 10 on (fault `slow`), and a client CLI job on it, returned once both threads are busy
 * with such a frame: a cancel now must abort them, not let them finish.
 */
async function startJob(): Promise<Running> {
  const input = await makeSampleVideo({ width: 160, height: 120, fps: "15", seconds: 3 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-cancel-" });
  const queue = await EmbeddedQueue.create({ threads: 2, fault: "slow=10-44" });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: { port: 0 },
    queue,
    auth: { mode: "token", token: TOKEN },
  });
  const client = spawnClient([
    input,
    "-f",
    "sepia",
    "-s",
    `127.0.0.1:${stack.server.port}`,
    "-o",
    `${dir}/out.mp4`,
    "--json",
    `${dir}/out.json`,
  ], TOKEN);
  const close = async () => {
    try {
      client.child.kill("SIGKILL");
    } catch { /* exited */ }
    await client.status;
    await stack.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    const registry = stack.server.registry;
    await waitUntil(() => (registry.list()[0]?.done ?? 0) >= 10, 60_000, "10 frames done");
    await waitUntil(
      async () => (await queue.workers()).every((w) => w.busy === 1),
      10_000,
      "both threads busy with a slow frame",
    );
    return { stack, queue, jobId: registry.list()[0].id, client, dir, close };
  } catch (error) {
    console.error(client.output());
    await close();
    throw error;
  }
}

/** Asserts that within 1 s of `t0` the job is cancelled and the pool idle, with nothing queued. */
async function assertStoppedWithinASecond(r: Running, t0: number): Promise<void> {
  const record = r.stack.server.registry.get(r.jobId)!;
  const jobMs = await msUntil(() => record.result.state === "cancelled", t0, 1000, "job cancelled");
  const poolMs = await msUntil(
    async () =>
      (await r.queue.workers()).every((w) => w.busy === 0) && (await r.queue.depth()) === 0,
    t0,
    1000,
    "threads idle and nothing queued",
  );
  console.log(
    `job cancelled after ${Math.round(jobMs)} ms, pool idle after ${Math.round(poolMs)} ms`,
  );
  const done = record.done;
  assert.ok(done < 45, `stopped mid-job (${done}/45 frames)`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(record.done, done, "no frame finishes after the cancel");
  assert.equal(record.result.frames.total >= done, true);
}

Deno.test("cancel through the API: the job stops within a second; the client exits 5", async () => {
  const r = await startJob();
  try {
    const t0 = performance.now();
    const answer = await postCancel(r.stack.previewUrl!, r.jobId, TOKEN);
    assert.deepEqual(answer, { status: 202, body: { jobId: r.jobId, state: "cancelling" } });
    await assertStoppedWithinASecond(r, t0);
    const result = r.stack.server.registry.get(r.jobId)!.result;
    assert.equal(result.errorCode, "job-cancelled");
    assert.match(result.error ?? "", /cancelled through the preview/);
    // The API tells a second cancel that the job already ended.
    assert.equal((await postCancel(r.stack.previewUrl!, r.jobId, TOKEN)).status, 409);

    const status = await r.client.status;
    const clientMs = performance.now() - t0;
    assert.equal(status.code, EXIT_CODES["job-cancelled"], r.client.output());
    assert.match(r.client.output(), /cancelled: cancelled through the preview/);
    assert.ok(clientMs < 5_000, `the client exited ${Math.round(clientMs)} ms after the cancel`);
    assert.deepEqual(filesIn(r.dir), [], "no output, result JSON or .part file");
    await waitUntil(() => r.stack.server.activeJobs === 0, 5_000, "the job's slot freed");
    await waitUntil(
      () => filesIn(r.stack.server.workDir).length === 0,
      5_000,
      "the job's work directory removed",
    );
  } finally {
    await r.close();
  }
});

Deno.test("client Ctrl-C: the job stops within a second everywhere; no output left", async () => {
  const r = await startJob();
  try {
    const t0 = performance.now();
    r.client.child.kill("SIGINT"); // what the terminal sends on Ctrl-C
    await assertStoppedWithinASecond(r, t0);
    const result = r.stack.server.registry.get(r.jobId)!.result;
    assert.equal(result.errorCode, "job-cancelled");
    // The client says `cancel` before it goes (or, killed, just goes): either way the server knows.
    assert.match(result.error ?? "", /cancelled by the client|client disconnected/);
    const status = await r.client.status;
    console.log(`client exit code after Ctrl-C: ${status.code}`);
    assert.equal(status.success, false, "an interrupted client does not exit 0");
    assert.deepEqual(filesIn(r.dir), [], "no output, result JSON or .part file");
    await waitUntil(
      () => filesIn(r.stack.server.workDir).length === 0,
      5_000,
      "the job's work directory removed",
    );
  } finally {
    await r.close();
  }
});
