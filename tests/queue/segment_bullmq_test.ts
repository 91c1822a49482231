/**
 * Segments over BullMQ with a real Redis and real `vframe worker` processes: a segment comes
 * back encoded with its range's frames and frame-level progress; a failed attempt is retried; a
 * segment that keeps failing ends failed after its attempts; a worker SIGKILLed mid-segment
 * leaves the segment to another worker; a worker started with `--no-segments` never counts; and
 * nothing is left in Redis.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { BullmqSegmentQueue } from "../../src/queue/bullmq/segment_transport.ts";
import type { SegmentOutcome } from "../../src/queue/segment_task.ts";
import { tmpdir } from "node:os";
import { startRedis } from "../helpers/redis.ts";
import { startWorker, type WorkerProcess } from "./worker_process.ts";
import { encodedFrames, segmentTasks } from "./segment_tasks.ts";

const POLICY = { attempts: 3, backoffMs: 50, noWorkerTimeoutMs: 20_000 };

function okOf(o: SegmentOutcome): Extract<SegmentOutcome, { ok: true }> {
  if (!o.ok) throw new Error(`segment ${o.index} failed: ${o.reason}`);
  return o;
}

Deno.test("segments over BullMQ: real workers, retries, failures, a killed worker", async (t) => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  const workers: WorkerProcess[] = [];
  const queueName = "vframe-seg-test";
  const start = (fault: string, args: string[] = []) =>
    startWorker({ redisUrl: server.url, queueName, fault, args }).then((w) => {
      workers.push(w);
      return w;
    });
  const queue = await BullmqSegmentQueue.create({
    redisUrl: server.url,
    queueName,
    policy: POLICY,
    pollMs: 200,
  });
  try {
    await t.step("a --no-segments worker does not count as a segment worker", async () => {
      const frameOnly = await start("", ["--no-segments"]);
      assert.match(frameOnly.lines.join("\n"), /units=frame /);
      assert.deepEqual(await queue.workers(), []);
      await frameOnly.stop();
    });

    const [task0, task1, task2, task3] = await segmentTasks("job-seg");
    await t.step("a segment comes back encoded, with progress, and leaves no key", async () => {
      const worker = await start("");
      assert.match(worker.lines.join("\n"), /units=frame,segment/);
      const live = await queue.workers();
      assert.deepEqual(live.map((w) => w.id), [worker.id]);
      const progress: number[] = [];
      const o = okOf(await queue.process({ ...task1, onProgress: (n) => progress.push(n) }));
      assert.equal(o.worker, worker.id);
      assert.equal(o.attempts, 1);
      assert.equal(o.frames, task1.spec.frames);
      assert.equal(await encodedFrames(o.data), task1.spec.frames);
      assert.match(o.headerHash, /^sha256:[0-9a-f]{64}$/);
      assert.ok(o.level !== undefined && o.level >= 10, `level ${o.level}`);
      assert.ok(progress.length > 0 && progress.at(-1)! <= task1.spec.frames, `${progress}`);
      assert.deepEqual(await redis.keys("vframe:*"), []);
    });

    await t.step(
      "a worker with --codec wasm (no native ffmpeg needed) processes a segment",
      async () => {
        for (const w of workers.splice(0)) await w.stop();
        const wasm = await start("", ["--codec", "wasm"]);
        const o = okOf(await queue.process({ ...task1, jobId: "job-seg-wasm" }));
        assert.equal(o.worker, wasm.id);
        assert.equal(await encodedFrames(o.data), task1.spec.frames);
        assert.deepEqual(await redis.keys("vframe:*"), []);
      },
    );

    await t.step("a failed attempt is retried; a segment failing every attempt fails", async () => {
      // Frames 20..29 are segment 2's: flaky there fails its first attempt only; frame 35 (segment
      // 3) fails every attempt.
      for (const w of workers.splice(0)) await w.stop();
      await start("flaky=25;fail=35");
      const [retried, failed] = await Promise.all([queue.process(task2), queue.process(task3)]);
      const o = okOf(retried);
      assert.equal(o.attempts, 2);
      assert.equal(await encodedFrames(o.data), task2.spec.frames);
      assert.equal(failed.ok, false);
      assert.equal(failed.attempts, 3);
      assert.match(
        !failed.ok ? failed.reason : "",
        /FaultInjectedError: injected fault on segment 3 \(frame 35\), attempt 3/,
      );
      assert.deepEqual(await redis.keys("vframe:*"), []);
    });

    await t.step("a worker SIGKILLed mid-segment: the segment finishes on another", async () => {
      for (const w of workers.splice(0)) await w.stop();
      // Every frame of segment 0 keeps its filter thread busy 1 s: the segment takes ~10 s here.
      const doomed = await start("slow=0-9");
      let progressed = 0;
      const pending = queue.process({ ...task0, onProgress: (n) => progressed = n });
      const t0 = Date.now();
      while (progressed === 0 && Date.now() - t0 < 30_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(progressed > 0 && progressed < task0.spec.frames, `progress ${progressed}`);
      const survivor = await start("");
      doomed.kill("SIGKILL");
      await doomed.exited;
      // Its attempt folder is left behind (checked at once: any worker starting on this machine,
      // another test's too, removes it).
      const left = () =>
        Array.from(Deno.readDirSync(tmpdir()))
          .filter((e) => e.name.startsWith(`vframe-segment-${doomed.child.pid}-`));
      assert.equal(left().length, 1, "the killed worker could not remove its folder");
      const o = okOf(await pending);
      assert.equal(o.worker, survivor.id);
      assert.equal(o.attempts, 1, "a stalled job uses no attempt");
      assert.equal(await encodedFrames(o.data), task0.spec.frames);
      assert.deepEqual(await redis.keys("vframe:*"), []);
      await start(""); // the next worker to start on this machine removes it
      assert.deepEqual(left(), [], "removed when a worker starts");
    });
  } finally {
    await queue.close();
    for (const w of workers) await w.stop("SIGKILL");
    redis.disconnect();
    await server.stop();
  }
});
