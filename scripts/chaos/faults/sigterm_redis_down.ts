/**
 * Fault 12: SIGTERM to workers while Redis is unreachable. One idle worker (on a queue nobody
 * uses) and one holding a frame that never finishes (`VFRAME_FAULT=hang=0`, `--stop-timeout
 * 2000`); Redis is SIGKILLed, then both get SIGTERM. Both must exit 0 within 10 s. Redis then
 * comes back on its port with a fresh worker, and the interrupted job must still finish.
 */
import { checkJob, poll, sleep, startClient, startServer, startWorker } from "../harness.ts";
import { activeJobs, describeKeys, settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const sigtermRedisDown: Fault = {
  n: 12,
  id: "sigterm-redis-down",
  title: "SIGTERM to a worker while Redis is unreachable — exits within 10 s",
  short: false,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 100 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    const server = await startServer(ctx.scope, { redisUrl: redis.url });
    const input = ctx.samples.long;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const [idle, busy] = await Promise.all([
        startWorker(ctx.scope, {
          redisUrl: redis.url,
          name: "worker-idle",
          args: ["--queue", "vframe-chaos-idle"],
        }),
        startWorker(ctx.scope, {
          redisUrl: redis.url,
          name: "worker-busy",
          fault: "hang=0",
          args: ["--stop-timeout", "2000"],
        }),
      ]);
      const client = startClient(ctx.scope, server, input.path, { name: "client-redis-down" });
      const held = await poll(
        async () => (await activeJobs(redis.port)).find((j) => j.worker === busy.id),
        30_000,
        20,
      );
      ctx.rec.check(
        `run ${run}: the busy worker holds a frame`,
        held !== undefined,
        "it never did",
      );
      await redis.kill();
      await sleep(500);
      const t0 = performance.now();
      idle.proc.signal("SIGTERM");
      busy.proc.signal("SIGTERM");
      const [a, b] = await Promise.all([
        idle.proc.exitWithin(15_000),
        busy.proc.exitWithin(15_000),
      ]);
      const ms = performance.now() - t0;
      const sa = a ? `exit ${a.signal ?? a.code}` : "still running";
      const sb = b ? `exit ${b.signal ?? b.code}` : "still running";
      ctx.rec.check(
        `run ${run}: both workers exit 0 within 10 s of SIGTERM, Redis down`,
        a?.code === 0 && b?.code === 0 && ms < 10_000,
        `idle ${sa}, busy ${sb}, after ${(ms / 1000).toFixed(1)} s`,
      );
      ctx.rec.note(
        `run ${run}: idle ${sa}, busy ${sb}; both gone ${(ms / 1000).toFixed(1)} s after SIGTERM`,
      );
      await redis.restart();
      const fresh = await startWorker(ctx.scope, { redisUrl: redis.url, name: "worker-fresh" });
      const r = await client.done;
      const c = await checkJob(r, input);
      ctx.rec.addFrames(c.expected, c.out, c.fallback);
      ctx.rec.check(
        `run ${run}: the job finishes, no fallback, once Redis and a worker are back`,
        c.ok,
        c.detail,
      );
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(`run ${run}: 0 keys leaked`, keys.leaked === 0, describeKeys(keys));
      await checkAlive(ctx, server);
      await fresh.proc.stop("SIGTERM", 10_000);
    }
  },
};
