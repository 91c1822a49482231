/**
 * Segment mode end to end: a real redis-server, real `vframe worker` processes, servers started as
 * the `server` command starts them (`--unit segment` and `--unit frame`), and the client. A job
 * in segment mode must give the frame path's frame count, frame times and audio; a segment that
 * keeps failing falls back to its original frames, listed as a frame range in the result JSON;
 * nothing is left in Redis; a variable frame rate keeps every frame's time; an input that cannot
 * be split runs frame by frame with a warning; the embedded pool runs segment mode too.
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { runJob } from "../../src/client/client.ts";
import { type ServerStack, startServerStack } from "../../src/commands/stack.ts";
import { startRedis } from "../helpers/redis.ts";
import {
  audioSeconds,
  ffprobe,
  GOP_CASES,
  makeCopiedVideo,
  makeGopVideo,
  videoPtsTimes,
} from "../helpers/gop_video.ts";
import { makeVfrVideo } from "../helpers/vfr_video.ts";
import { startWorker, type WorkerProcess } from "../queue/worker_process.ts";
import { compareOutput } from "./compare.ts";
import { decodeAll } from "./support.ts";

const POLICY = { attempts: 2, backoffMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 40_000 };

Deno.test("segment mode over BullMQ: frame-exact like frame mode, fallback ranges, no keys left", async (t) => {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const workers: WorkerProcess[] = [];
  const stacks: ServerStack[] = [];
  const dir = await Deno.makeTempDir({ prefix: "vframe-seg-e2e-" });
  try {
    // Frame 41 fails in every attempt, as a frame and in its segment.
    workers.push(
      ...await Promise.all(
        [0, 1].map(() => startWorker({ redisUrl: redis.url, fault: "fail=41" })),
      ),
    );
    const common = {
      port: 0,
      preview: false as const,
      codec: "native" as const,
      redisUrl: redis.url,
      policy: POLICY,
    };
    const segment = await startServerStack({ ...common, unit: "segment", segmentSeconds: 0.5 });
    stacks.push(segment);
    const frame = await startServerStack({ ...common, unit: "frame" });
    stacks.push(frame);
    assert.equal(segment.unit, "segment");
    assert.equal(frame.unit, "frame");

    await t.step(
      "same frames, times and audio as frame mode; the failing range falls back",
      async () => {
        const input = await makeGopVideo(GOP_CASES.withAudio);
        const [bySegment, byFrame] = await Promise.all(
          [segment, frame].map((s, i) =>
            runJob({
              input,
              filter: "invert",
              server: `127.0.0.1:${s.server.port}`,
              output: `${dir}/out-${i}.mp4`,
            })
          ),
        );
        assert.equal(bySegment.state, "done", bySegment.error);
        assert.equal(bySegment.unit, "segment");
        assert.equal(byFrame.unit, "frame");
        assert.equal(bySegment.backend.queue, "bullmq");
        assert.ok(bySegment.segments!.total >= 3, JSON.stringify(bySegment.segments));
        assert.equal(bySegment.frames.total, 60);
        // Frame 41's segment fell back, whole: a range, and each of its frames listed.
        const ranges = bySegment.fallbackRanges ?? [];
        assert.equal(ranges.length, 1, JSON.stringify(ranges));
        const [{ start, end, attempts, reason }] = ranges;
        assert.ok(start <= 41 && 41 < end, `${start}..${end}`);
        assert.equal(attempts, 2);
        assert.match(reason, /injected fault on segment \d+ \(frame 41\)/);
        assert.equal(bySegment.frames.fallback, end - start);
        assert.equal(bySegment.frames.processed, 60 - (end - start));
        assert.deepEqual(
          bySegment.fallbackFrames.map((f) => f.index),
          Array.from({ length: end - start }, (_, i) => start + i),
        );
        assert.equal(bySegment.segments!.fallback, 1);
        const perWorker = Object.values(bySegment.framesPerWorker).reduce((a, b) => a + b, 0);
        assert.equal(perWorker, bySegment.frames.processed);
        assert.ok(Object.keys(bySegment.framesPerWorker).length >= 1);

        const [segTimes, frameTimes, inTimes] = await Promise.all(
          [`${dir}/out-0.mp4`, `${dir}/out-1.mp4`, input].map(videoPtsTimes),
        );
        assert.equal(segTimes.length, 60);
        assert.deepEqual(segTimes, frameTimes, "every frame's time as in frame mode");
        assert.deepEqual(segTimes, inTimes, "every frame's time as in the input");
        const [a, b, c] = await Promise.all(
          [input, `${dir}/out-0.mp4`, `${dir}/out-1.mp4`].map(audioSeconds),
        );
        assert.ok(Math.abs(b - a) <= 1 / 30 && Math.abs(c - a) <= 1 / 30, `audio ${a} ${b} ${c}`);

        // Content: the fallen-back range is the original, the rest inverted.
        const cmp = await compareOutput(input, `${dir}/out-0.mp4`, "invert");
        assert.equal(cmp.frames, 60);
        for (let i = 0; i < cmp.frames; i++) {
          const d = i >= start && i < end ? cmp.toOriginal[i] : cmp.toExpected[i];
          assert.ok(d < 4, `frame ${i}: ${d}`);
        }
        assert.deepEqual(await client.keys("vframe:*"), [], "no key left in Redis");
      },
    );

    await t.step("a variable frame rate keeps every frame's time, as frame mode does", async () => {
      const vfr = await makeVfrVideo({ audio: true });
      const [bySegment, byFrame] = await Promise.all(
        [segment, frame].map((s, i) =>
          runJob({
            input: vfr.path,
            filter: "grayscale",
            server: `127.0.0.1:${s.server.port}`,
            output: `${dir}/vfr-${i}.mp4`,
          })
        ),
      );
      assert.equal(bySegment.state, "done", bySegment.error);
      assert.equal(bySegment.unit, "segment");
      assert.equal(byFrame.state, "done", byFrame.error);
      const [segTimes, frameTimes, inTimes] = await Promise.all(
        [`${dir}/vfr-0.mp4`, `${dir}/vfr-1.mp4`, vfr.path].map(videoPtsTimes),
      );
      assert.equal(segTimes.length, vfr.pts.length);
      assert.deepEqual(segTimes, inTimes, "every frame's time as in the input");
      assert.deepEqual(segTimes, frameTimes, "every frame's time as in frame mode");
    });

    await t.step("an input that cannot be split runs frame by frame, with a warning", async () => {
      const input = await makeCopiedVideo("raw-h264");
      const result = await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${segment.server.port}`,
        output: `${dir}/raw.mp4`,
      });
      assert.equal(result.state, "done", result.error);
      assert.equal(result.unit, "frame");
      assert.ok(
        result.warnings?.some((w) =>
          /segment mode cannot split this input .*no presentation timestamp/.test(w)
        ),
        JSON.stringify(result.warnings),
      );
      assert.equal(result.frames.total, 60);
      assert.deepEqual(await client.keys("vframe:*"), [], "no key left in Redis");
    });

    await t.step("progress is frame by frame; a cancel drops the segments everywhere", async () => {
      for (const w of workers.splice(0)) await w.stop("SIGKILL");
      // Every frame keeps the worker's one filter thread busy for 1 s.
      workers.push(await startWorker({ redisUrl: redis.url, fault: "slow=0-59" }));
      const input = await makeGopVideo(GOP_CASES.keyframeEverySecond);
      const seen: number[] = [];
      const abort = new AbortController();
      let jobId = "";
      const running = runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${segment.server.port}`,
        output: `${dir}/cancelled.mp4`,
        signal: abort.signal,
        onAccepted: (id) => jobId = id,
        onProgress: (p) => {
          if (p.phase !== "process") return;
          seen.push(p.progress.framesProcessed);
          if (p.progress.framesProcessed >= 2) abort.abort();
        },
      });
      await assert.rejects(running, /cancel/i);
      assert.ok(seen.some((n) => n > 0 && n < 60), `frames processed seen: ${seen}`);
      const deadline = Date.now() + 10_000;
      while (segment.server.registry.get(jobId)?.result.state === "running") {
        assert.ok(Date.now() < deadline, "the job ends after the cancel");
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(segment.server.registry.get(jobId)?.result.state, "cancelled");
      const left = (await client.keys("vframe:*")).filter((k) => !k.endsWith(":cancelled"));
      assert.deepEqual(left, [], "only the cancel marker (with its TTL) is left");
    });
  } finally {
    for (const s of stacks) await s.close();
    for (const w of workers) await w.stop("SIGKILL");
    client.disconnect();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment mode on the embedded pool: frame-exact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-seg-emb-" });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    codec: "native",
    unit: "segment",
    segmentSeconds: 0.5,
    // One segment of the wanted length in flight: a longer one must still go (see the end).
    segmentsInFlight: 1,
    threads: 2,
  });
  try {
    const input = await makeGopVideo(GOP_CASES.openGop);
    const result = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/out.mp4`,
    });
    assert.equal(result.state, "done", result.error);
    assert.equal(result.unit, "segment");
    assert.equal(result.backend.queue, "embedded");
    assert.equal(result.frames.processed, 60);
    assert.deepEqual(await videoPtsTimes(`${dir}/out.mp4`), await videoPtsTimes(input));
    const cmp = await compareOutput(input, `${dir}/out.mp4`, "invert");
    for (let i = 0; i < cmp.frames; i++) assert.ok(cmp.toExpected[i] < 4, `frame ${i}`);

    // A chain that changes the size: every chunk is encoded at the chain's output size.
    const scaled = await runJob({
      input,
      filter: "scale=80:60",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/scaled.mp4`,
    });
    assert.equal(scaled.state, "done", scaled.error);
    assert.equal(scaled.unit, "segment");
    const size = await ffprobe([
      ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height"],
      ...["-of", "csv=p=0", `${dir}/scaled.mp4`],
    ]);
    assert.equal(size.trim(), "80,60");
    assert.deepEqual(await videoPtsTimes(`${dir}/scaled.mp4`), await videoPtsTimes(input));

    // A filter that depends on the frame's time: every chunk's frames are faded at their time
    // in the whole input, so the picture brightens steadily across the segments' joins (a chunk
    // that counted from its own start would start black again).
    const faded = await runJob({
      input,
      filter: "grayscale,fade=t=in:st=0:d=2",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/faded.mp4`,
    });
    assert.equal(faded.state, "done", faded.error);
    assert.ok(faded.segments!.total >= 3, JSON.stringify(faded.segments));
    const luma = (await decodeAll(`${dir}/faded.mp4`)).map((f) => {
      let sum = 0;
      for (let i = 0; i < f.width * f.height; i++) sum += f.data[i];
      return sum / (f.width * f.height);
    });
    assert.equal(luma.length, 60);
    for (let i = 1; i < luma.length; i++) {
      assert.ok(luma[i] >= luma[i - 1] - 1.5, `frame ${i}: luma ${luma[i]} after ${luma[i - 1]}`);
    }
    assert.ok(luma[59] > luma[0] + 20, `faded in: ${luma[0]} → ${luma[59]}`);

    // One keyframe, one worker: the segment grows to the end (no keyframe to stop at), four times
    // the wanted 15 frames, so it weighs 4 slots of the in-flight limit — capped at the limit's 1,
    // or it would wait forever.
    const single = await makeGopVideo(GOP_CASES.oneKeyframe);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const whole = await Promise.race([
      runJob({
        input: single,
        filter: "invert",
        server: `127.0.0.1:${stack.server.port}`,
        output: `${dir}/single.mp4`,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the job did not end in 60 s")), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(whole.state, "done", whole.error);
    assert.equal(whole.segments?.total, 1, JSON.stringify(whole.segments));
    assert.equal(whole.frames.total, 60);
    assert.deepEqual(await videoPtsTimes(`${dir}/single.mp4`), await videoPtsTimes(single));
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment mode: a straggler gets a second copy on an idle worker, the first to finish wins", async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const workers: WorkerProcess[] = [];
  const dir = await Deno.makeTempDir({ prefix: "vframe-seg-straggler-" });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    codec: "native",
    redisUrl: redis.url,
    unit: "segment",
    segmentSeconds: 0.5,
    policy: POLICY,
  });
  try {
    // The first worker keeps its one filter thread busy 1 s per frame of segment 0 (15 frames).
    // One segment at a time, so that the first it takes is segment 0 (with two at once, a loaded
    // machine could let it report a frame of segment 1 first and the fast worker take segment 0).
    const slow = await startWorker({
      redisUrl: redis.url,
      fault: "slow=0-14",
      args: ["--segment-concurrency", "1"],
    });
    workers.push(slow);
    // A keyframe every 0.5 s, so that the plan (made for one worker, which cuts only at
    // keyframes) has four segments of 15 frames.
    const input = await makeGopVideo({ x264: "keyint=15:min-keyint=15:scenecut=0" });
    let jobId = "";
    const t0 = performance.now();
    const running = runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/out.mp4`,
      onAccepted: (id) => jobId = id,
    });
    const deadline = Date.now() + 20_000;
    while ((stack.server.registry.get(jobId)?.done ?? 0) < 1) {
      assert.ok(Date.now() < deadline, "the slow worker reports its first frame");
      await new Promise((r) => setTimeout(r, 100));
    }
    // The second worker does the other segments, then sits idle beside the straggler.
    const fast = await startWorker({ redisUrl: redis.url });
    workers.push(fast);
    const result = await running;
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(result.state, "done", result.error);
    assert.equal(result.segments?.total, 4, JSON.stringify(result.segments));
    assert.equal(result.segments?.duplicated, 1);
    // Segment 0 takes the slow worker 15 s: done sooner, the fast worker's copy won it. Which of the
    // other segments the slow worker took before the fast one was up depends on the machine's load.
    const perWorker = result.framesPerWorker;
    assert.ok(
      (perWorker[fast.id] ?? 0) >= 15,
      `the copy won segment 0: ${JSON.stringify(perWorker)}`,
    );
    assert.ok(
      (perWorker[slow.id] ?? 0) <= 45,
      `segment 0 not the slow one's: ${JSON.stringify(perWorker)}`,
    );
    assert.equal(Object.values(perWorker).reduce((a, b) => a + b, 0), 60);
    assert.ok(seconds < 14, `the job took ${seconds.toFixed(1)} s: segment 0 alone takes 15 s`);
    assert.deepEqual(await videoPtsTimes(`${dir}/out.mp4`), await videoPtsTimes(input));
    assert.deepEqual(await client.keys("vframe:*"), [], "the losing copy's keys are gone too");
  } finally {
    await stack.close();
    for (const w of workers) await w.stop("SIGKILL");
    client.disconnect();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
