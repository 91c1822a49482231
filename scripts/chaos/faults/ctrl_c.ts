/**
 * Fault 13: one Ctrl-C on `deno task worker`. The worker is started as a person does, in its own
 * process group (`setsid deno task worker …`), and holds a frame that takes a second
 * (`VFRAME_FAULT=slow=0`) when SIGINT goes to the whole group — as a terminal sends it, so the
 * worker gets it twice (from the terminal and forwarded by `deno task`). It must take that as one
 * request: finish the active frame, exit 0. A second worker then finishes the job, which must have
 * no fallback frame and count the first worker's frame.
 */
import { checkJob, poll, sleep, startClient, startServer, startWorker } from "../harness.ts";
import { activeJobs, describeKeys, settledKeys } from "../redis.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const ctrlC: Fault = {
  n: 13,
  id: "ctrl-c-worker",
  title: "one Ctrl-C (SIGINT to the process group of `deno task worker`)",
  short: false,
  needs: ["ffmpeg", "redis-server"],
  budget: { setupS: 40, perRunS: 90 },
  async run(ctx) {
    const redis = await ctx.scope.redis();
    const server = await startServer(ctx.scope, { redisUrl: redis.url });
    const input = ctx.samples.long;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const w = await startWorker(ctx.scope, {
        redisUrl: redis.url,
        viaTask: true,
        fault: "slow=0",
        name: "task-worker",
      });
      const client = startClient(ctx.scope, server, input.path, { name: "client-ctrl-c" });
      const held = await poll(
        async () => (await activeJobs(redis.port)).find((j) => j.worker === w.id),
        30_000,
        20,
      );
      ctx.rec.check(`run ${run}: the worker holds a frame`, held !== undefined, "it never did");
      await sleep(200);
      w.proc.signal("SIGINT", { group: true });
      const st = await w.proc.exitWithin(20_000);
      const out = w.proc.text();
      const stopping = w.proc.lines.filter((l) => /^vframe worker stopping:/.test(l.text)).length;
      const processed = Number(
        /^vframe worker stopped: id=\S+ processed=(\d+)$/m.exec(out)?.[1] ?? -1,
      );
      ctx.rec.check(
        `run ${run}: exit 0, one stop request, active frame finished`,
        st?.code === 0 && stopping === 1 && !/second SIGINT/.test(out) && processed >= 1,
        `${
          st ? `exit ${st.signal ?? st.code}` : "still running after 20 s"
        }, ${stopping} 'stopping' lines, processed=${processed}${
          /second SIGINT/.test(out) ? ", took it as a second Ctrl-C" : ""
        }`,
      );
      const finisher = await startWorker(ctx.scope, {
        redisUrl: redis.url,
        name: "worker-finisher",
      });
      const r = await client.done;
      const c = await checkJob(r, input);
      ctx.rec.addFrames(c.expected, c.out, c.fallback);
      ctx.rec.check(`run ${run}: the job finishes with no fallback`, c.ok, c.detail);
      const mine = r.result?.framesPerWorker[w.id] ?? 0;
      ctx.rec.check(
        `run ${run}: the stopped worker's frames are in the output`,
        mine >= 1 && mine === processed,
        `${mine} frames from ${w.id}, it reported processed=${processed}`,
      );
      ctx.rec.note(
        `run ${run}: held frame ${held?.index}; ${
          st ? `exit ${st.code}` : "no exit"
        }, processed=${processed}`,
      );
      const keys = await settledKeys(redis.port);
      ctx.rec.addKeys(keys.leaked);
      ctx.rec.check(`run ${run}: 0 keys leaked`, keys.leaked === 0, describeKeys(keys));
      await checkAlive(ctx, server);
      await finisher.proc.stop("SIGTERM", 10_000);
    }
  },
};
