/**
 * Fault 7: Redis killed with SIGKILL in the middle of a job and started again, empty, on the same
 * port 3 s later. The job must still finish with every frame filtered (no fallback: a Redis
 * restart costs time, not frames) and leave no key behind. The worker holds frame 40 for a
 * second (`VFRAME_FAULT=slow=40`), so frames are surely waiting in Redis when it dies.
 */
import { checkJob, poll, sleep, startClient, startServer, startWorker } from "../harness.ts";
import { describeKeys, redisCall, settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";

/** Frames stored in Redis for workers right now. */
export async function framesInRedis(port: number, jobId = "*"): Promise<number> {
  const [keys] = await redisCall(port, [["KEYS", `vframe:${jobId}:in:*`]], 1_000);
  return Array.isArray(keys) ? keys.length : 0;
}

export const redisRestart: Fault = {
  n: 7,
  id: "redis-restart",
  title: "Redis SIGKILLed mid-job, back on the same port 3 s later",
  short: true,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 90 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    await startWorker(ctx.scope, { redisUrl: redis.url, fault: "slow=40" });
    const server = await startServer(ctx.scope, { redisUrl: redis.url });
    const input = ctx.samples.long;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const client = startClient(ctx.scope, server, input.path, { name: "client-redis-kill" });
      const outstanding = await poll(
        async () => {
          const n = await framesInRedis(redis.port);
          return n >= 4 ? n : 0;
        },
        30_000,
        20,
      );
      ctx.rec.check(
        `run ${run}: frames in Redis when it is killed`,
        outstanding !== undefined,
        "never saw 4 frames waiting",
      );
      await redis.kill();
      const killedAt = performance.now();
      await sleep(3_000);
      await redis.restart();
      const backAt = performance.now();
      const r = await client.done;
      const doneAt = performance.now();
      const c = await checkJob(r, input);
      ctx.rec.addFrames(c.expected, c.out, c.fallback);
      ctx.rec.check(`run ${run}: job done, 0 frames lost (no fallback)`, c.ok, c.detail);
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(`run ${run}: 0 keys leaked`, keys.leaked === 0, describeKeys(keys));
      ctx.rec.note(
        `run ${run}: ${outstanding ?? 0} frames in Redis at the kill; back after ${
          ((backAt - killedAt) / 1000).toFixed(1)
        } s; client done ${((doneAt - backAt) / 1000).toFixed(1)} s after that`,
      );
      await checkAlive(ctx, server);
    }
  },
};
