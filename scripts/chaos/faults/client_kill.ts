/**
 * Fault 9: the client SIGKILLed in the middle of its job (BullMQ backend, one worker that holds
 * frame 20 for a second so the job is surely running). The server must cancel the job: its work
 * folder removed, its frames' keys and BullMQ jobs gone from Redis (the documented
 * `vframe:<job>:cancelled` marker, kept for the frame TTL, is reported but is no leak).
 */
import { poll, startClient, startServer, startWorker } from "../harness.ts";
import { describeKeys, settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";
import { framesInRedis } from "./redis_restart.ts";

export const clientKill: Fault = {
  n: 9,
  id: "client-kill",
  title: "the client killed mid-job — cancelled, nothing left",
  short: true,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 60 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    await startWorker(ctx.scope, { redisUrl: redis.url, fault: "slow=20" });
    const server = await startServer(ctx.scope, { redisUrl: redis.url });
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const seen = server.proc.lines.length;
      const client = startClient(ctx.scope, server, ctx.samples.long.path, {
        name: "client-killed",
      });
      const jobId = await poll(() => {
        for (const l of server.proc.lines.slice(seen)) {
          const m = /job (\S+) from /.exec(l.text);
          if (m) return m[1];
        }
        return undefined;
      }, 30_000);
      if (
        !ctx.rec.check(`run ${run}: the job started`, jobId !== undefined, "no 'job … from' line")
      ) {
        await client.done;
        continue;
      }
      const inFlight = await poll(
        async () => (await framesInRedis(redis.port, jobId)) > 0,
        30_000,
        20,
      );
      const dirThere = server.workEntries().includes(jobId!);
      ctx.rec.check(
        `run ${run}: frames in flight and a work folder when killed`,
        inFlight === true && dirThere,
        `frames in Redis: ${inFlight === true}, work folder: ${dirThere}`,
      );
      client.proc.signal("SIGKILL", { group: true });
      await client.done;
      const cancelled = await poll(
        () => server.proc.lines.slice(seen).find((l) => l.text.includes(`job ${jobId} cancelled`)),
        10_000,
      );
      ctx.rec.check(
        `run ${run}: server cancelled the job`,
        cancelled !== undefined,
        "no 'job … cancelled' line in 10 s",
      );
      const gone = await poll(() => !server.workEntries().includes(jobId!), 10_000);
      ctx.rec.check(
        `run ${run}: work folder removed`,
        gone === true,
        `${server.workDir}/${jobId} still there`,
      );
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(
        `run ${run}: no Redis keys or jobs left`,
        keys.leaked === 0 && Object.keys(keys.lists).length === 0,
        describeKeys(keys),
      );
      if (run === 1) {
        ctx.rec.note(
          `after the kill: ${cancelled?.text.replace(/^\[[^\]]+\] /, "") ?? "?"}; Redis: ${
            describeKeys(keys)
          }`,
        );
      }
      await checkAlive(ctx, server);
    }
  },
};
