/**
 * A frame's time reaches fade through the queue: the embedded backend hands FrameTask.time to the
 * pool; the BullMQ frame unit puts it in the job data, whose check accepts it; the offline
 * command's processor passes each frame's pts and index.
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { poolProcessor } from "../../src/commands/filter_pool.ts";
import { compileChain } from "../../src/filters/compile.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { checkJobData } from "../../src/queue/bullmq/job_data.ts";
import { FRAME_BULLMQ_UNIT } from "../../src/queue/bullmq/transport.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { randomBytes } from "../filters/helpers.ts";

const CHAIN = "fade=t=in:st=0:d=1";

Deno.test("fade through the embedded queue: each frame faded by its own time", async () => {
  const engine = await FilterEngine.create();
  const queue = await EmbeddedQueue.create({ threads: 1 });
  try {
    const w = 17;
    const h = 9;
    const data = randomBytes(planeLayout(w, h).total, 5);
    const chain = compileChain(CHAIN);
    for (const time of [0.25, 0.75]) {
      const outcome = await queue.process({
        jobId: "j",
        index: 0,
        width: w,
        height: h,
        chain,
        data,
        time,
      });
      assert.ok(outcome.ok, outcome.ok ? "" : outcome.reason);
      assert.deepEqual(outcome.data, engine.apply(chain, w, h, data, undefined, { time }));
      assert.notDeepEqual(outcome.data, engine.apply(chain, w, h, data));
    }
  } finally {
    await queue.close();
  }
});

Deno.test("fade over BullMQ: the frame's time is in the job data, checked when read", () => {
  const task = {
    jobId: "j1",
    index: 3,
    width: 16,
    height: 8,
    chain: compileChain(CHAIN),
    data: new Uint8Array(planeLayout(16, 8).total),
    time: 0.12,
  };
  const keys = {
    inKey: "in",
    outKey: "out",
    cancelKey: "cancel",
    attempt: 1,
    timeoutMs: 1000,
    ttlMs: 1000,
  };
  const data = FRAME_BULLMQ_UNIT.jobData(task, FRAME_BULLMQ_UNIT.prepare(task), keys);
  assert.equal(data.time, 0.12);
  assert.equal(checkJobData(data).time, 0.12);
  const noTime = FRAME_BULLMQ_UNIT.jobData({ ...task, time: undefined }, "v1:fade", keys);
  assert.equal("time" in noTime, false);
  assert.equal(checkJobData(noTime).time, undefined);
  assert.throws(() => checkJobData({ ...data, time: -1 }), /data\.time must be a number >= 0/);
  assert.throws(() => checkJobData({ ...data, time: "1" }), /data\.time must be a number >= 0/);
});

Deno.test("the offline command's processor passes each frame's pts and index to the pool", async () => {
  const seen: unknown[] = [];
  const pool = {
    run(_c: unknown, _w: number, _h: number, data: Uint8Array, options?: unknown) {
      seen.push(options);
      return Promise.resolve({ data });
    },
    close: () => Promise.resolve(),
  };
  const process = poolProcessor(pool, parseChain(CHAIN), 500);
  const frame = { index: 7, pts: 0.28, width: 2, height: 2, data: new Uint8Array(6) };
  await process(frame, undefined as unknown as AbortSignal);
  assert.equal(seen.length, 1);
  const options = seen[0] as Record<string, unknown>;
  assert.equal(options.time, 0.28);
  assert.equal(options.index, 7);
  assert.equal(options.transfer, true);
});
