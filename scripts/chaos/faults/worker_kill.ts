/**
 * Fault 8: a worker SIGKILLed while it holds a frame. Two workers share the queue; the victim
 * takes a second per frame (`VFRAME_FAULT=slow=0-100000`), so it surely holds one when it is
 * killed. BullMQ's stalled-job check must hand that frame to the survivor: the job finishes with
 * every frame filtered and no key left behind.
 */
import { checkJob, poll, sleep, startClient, startServer, startWorker } from "../harness.ts";
import { activeJobs, describeKeys, settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const workerKill: Fault = {
  n: 8,
  id: "worker-kill",
  title: "a worker SIGKILLed mid-job",
  short: false,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 90 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    await startWorker(ctx.scope, { redisUrl: redis.url, name: "worker-survivor" });
    const server = await startServer(ctx.scope, { redisUrl: redis.url });
    const input = ctx.samples.long;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const victim = await startWorker(ctx.scope, {
        redisUrl: redis.url,
        fault: "slow=0-100000",
        name: "worker-victim",
      });
      const client = startClient(ctx.scope, server, input.path, { name: "client-worker-kill" });
      const held = await poll(
        async () => {
          const a = await activeJobs(redis.port);
          return a.find((j) => j.worker === victim.id);
        },
        30_000,
        20,
      );
      ctx.rec.check(
        `run ${run}: the victim holds a frame`,
        held !== undefined,
        `${victim.id} never held a frame`,
      );
      await sleep(200);
      victim.proc.signal("SIGKILL", { group: true });
      const killedAt = performance.now();
      await victim.proc.exited;
      const r = await client.done;
      const doneAt = performance.now();
      const c = await checkJob(r, input);
      ctx.rec.addFrames(c.expected, c.out, c.fallback);
      ctx.rec.check(`run ${run}: job done, 0 frames lost (no fallback)`, c.ok, c.detail);
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(`run ${run}: 0 keys leaked`, keys.leaked === 0, describeKeys(keys));
      ctx.rec.note(
        `run ${run}: killed ${victim.id} holding frame ${held?.index}; client done ${
          ((doneAt - killedAt) / 1000).toFixed(1)
        } s after the kill; frames per worker ${JSON.stringify(r.result?.framesPerWorker ?? {})}`,
      );
      await checkAlive(ctx, server);
    }
  },
};
