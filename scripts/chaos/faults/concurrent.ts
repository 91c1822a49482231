/**
 * Fault 11: eight good clients at once on one server (`--max-jobs 8`, embedded pool). Every job
 * must succeed, and every output must be identical, frame by frame (`ffmpeg -f framemd5` of the
 * decoded video), to the output of the same job run alone.
 */
import { checkJob, runClient, startClient, startServer } from "../harness.ts";
import { diffHashes } from "../media.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const concurrent: Fault = {
  n: 11,
  id: "concurrent-8",
  title: "8 concurrent good clients — outputs identical to a single run",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 40, perRunS: 120 },
  async run(ctx) {
    const clients = 8;
    const input = ctx.short ? ctx.samples.small : ctx.samples.long;
    const server = await startServer(ctx.scope, { args: ["--max-jobs", String(clients)] });
    const single = await checkJob(
      await runClient(ctx.scope, server, input.path, { name: "client-single" }),
      input,
    );
    if (!ctx.rec.check("the single run succeeds", single.ok, single.detail)) return;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const t0 = performance.now();
      const runs = await Promise.all(
        Array.from(
          { length: clients },
          (_, i) => startClient(ctx.scope, server, input.path, { name: `client-${i + 1}` }).done,
        ),
      );
      const ms = performance.now() - t0;
      const bad: string[] = [];
      const differ: string[] = [];
      for (const [i, r] of runs.entries()) {
        const c = await checkJob(r, input);
        ctx.rec.addFrames(c.expected, c.out, c.fallback);
        if (!c.ok) bad.push(`client ${i + 1}: ${c.detail}`);
        const d = diffHashes(single.hashes, c.hashes);
        if (d !== "identical") differ.push(`client ${i + 1}: ${d}`);
      }
      ctx.rec.check(
        `run ${run}: all ${clients} jobs done, no fallback`,
        bad.length === 0,
        bad.join(" | "),
      );
      ctx.rec.check(
        `run ${run}: every output identical to the single run (framemd5)`,
        differ.length === 0,
        differ.join(" | "),
      );
      ctx.rec.note(
        `run ${run}: ${clients} × ${input.frames} frames in ${(ms / 1000).toFixed(1)} s`,
      );
      await checkAlive(ctx, server);
    }
  },
};
