/**
 * Fault 6: a BullMQ server (`--redis`) with no worker process running. A job sent to it must fail
 * clearly — the client exits non-zero — rather than "succeed" with every frame replaced by its
 * original. The waits are shortened so the suite does not sit through the defaults: the frame
 * deadline (`--frame-deadline 5000`) and, on a server that has it, `--no-worker-timeout 5`.
 * Afterwards a worker joins and a good job must run.
 */
import { checkJob, lastLine, runClient, serverHelp, startServer, startWorker } from "../harness.ts";
import { settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const noWorker: Fault = {
  n: 6,
  id: "no-worker",
  title: "BullMQ with no worker running — the job fails clearly",
  short: true,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 90 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    const noWorkerFlag = /--no-worker-timeout\b/.test(await serverHelp());
    const server = await startServer(ctx.scope, {
      redisUrl: redis.url,
      args: [
        "--frame-deadline",
        "5000",
        "--frame-timeout",
        "2000",
        ...(noWorkerFlag ? ["--no-worker-timeout", "5"] : []),
      ],
    });
    const input = ctx.samples.small;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const r = await runClient(ctx.scope, server, input.path, {
        name: "client-no-worker",
        timeoutMs: 90_000,
      });
      const c = await checkJob(r, input);
      ctx.rec.addFrames(input.frames, c.out, r.result?.frames.fallback ?? 0);
      const what = r.timedOut
        ? `client still running after ${Math.round(r.ms / 1000)} s`
        : r.code === 0
        ? `exit 0 after ${
          (r.ms / 1000).toFixed(1)
        } s: state ${r.result?.state}, ${r.result?.frames.fallback}/${r.result?.frames.total} frames fell back (${
          r.result?.fallbackFrames[0]?.reason
        })`
        : `exit ${r.code} after ${(r.ms / 1000).toFixed(1)} s: ${lastLine(r.stderr)}`;
      ctx.rec.check(
        `run ${run}: job fails clearly (client exits non-zero) with no worker`,
        !r.timedOut && r.code !== 0,
        what,
      );
      if (run === 1) ctx.rec.note(`no worker: ${what}`);
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(
        `run ${run}: no keys left in Redis`,
        keys.leaked === 0,
        `${keys.leaked} leaked: ${keys.sample.join(", ")}`,
      );
    }
    await startWorker(ctx.scope, { redisUrl: redis.url });
    await checkAlive(ctx, server);
  },
};
