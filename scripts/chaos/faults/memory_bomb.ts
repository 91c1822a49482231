/**
 * Fault 4: a memory bomb — a ~100 KB upload of ten black 7680×4320 frames (≈ 47 MiB each once
 * decoded). Against `--max-memory-mb 1024` the job must be refused (`too-large`, with the
 * estimate) before its frames pile up; against `--max-memory-mb 3072` (long form only) it must
 * run with its frames in flight capped. Either way the server's process tree (server + ffmpeg
 * children, from /proc) stays within the limit above idle, and its RSS comes back near idle.
 */
import {
  checkJob,
  lastLine,
  poll,
  runClient,
  type ServerHandle,
  sleep,
  startServer,
} from "../harness.ts";
import { mib } from "../rss.ts";
import { checkAlive, type Fault, type FaultContext } from "../suite.ts";

/** How far above idle "back near idle" may be: allocator slack and garbage not yet collected
 * (written frames are freed at once, grown filter threads replaced; measured 48–65 MiB). */
const NEAR_IDLE = 128 * 1024 ** 2;

/** RSS of the server tree once it has settled (the lowest of a few readings). */
async function settledRss(server: ServerHandle): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 5; i++) {
    low = Math.min(low, server.rss.sample());
    await sleep(200);
  }
  return low;
}

async function bomb(
  ctx: FaultContext,
  server: ServerHandle,
  limitMiB: number,
  run: number,
  expectRefusal: boolean,
): Promise<void> {
  const input = await ctx.samples.black8k();
  const idle = await settledRss(server);
  server.rss.startWindow();
  const r = await runClient(ctx.scope, server, input.path, {
    name: "bomb-client",
    timeoutMs: 120_000,
    filter: "invert",
  });
  const peak = server.rss.windowPeak;
  const label = `run ${run}, --max-memory-mb ${limitMiB}`;
  if (expectRefusal) {
    // Refused at admission (ack, exit 4) or at its first frame (error too-large, exit 5).
    ctx.rec.check(
      `${label}: refused too-large`,
      (r.code === 4 || r.code === 5) && /too-large/.test(r.stderr),
      `exit ${r.code}: ${lastLine(r.stderr)}`,
    );
    if (run === 1) {
      ctx.rec.note(
        `refusal (client exit ${r.code}): ${lastLine(r.stderr).replace(/^vframe client: /, "")}`,
      );
    }
  } else {
    const c = await checkJob(r, input);
    ctx.rec.addFrames(c.expected, c.out, c.fallback);
    ctx.rec.check(`${label}: admitted and done, every frame filtered`, c.ok, c.detail);
    const capped = server.proc.lines.find((l) => /7680x4320 frames, \d+ in flight/.test(l.text));
    ctx.rec.check(
      `${label}: frames in flight capped`,
      capped !== undefined,
      capped?.text ?? "no cap logged",
    );
  }
  ctx.rec.check(
    `${label}: peak RSS within the limit above idle`,
    peak - idle <= limitMiB * 1024 ** 2,
    `idle ${mib(idle)}, peak ${mib(peak)}`,
  );
  const back = await poll(() => server.rss.sample() - idle < NEAR_IDLE, 15_000, 250);
  const after = server.rss.sample();
  ctx.rec.check(
    `${label}: RSS back near idle (< idle + ${mib(NEAR_IDLE)}) within 15 s`,
    back === true,
    `idle ${mib(idle)}, after ${mib(after)}`,
  );
  ctx.rec.note(`${label}: idle ${mib(idle)}, peak ${mib(peak)}, after ${mib(after)}`);
}

export const memoryBomb: Fault = {
  n: 4,
  id: "memory-bomb",
  title: "memory bomb: ten 8K black frames in a ~100 KB upload",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 40, perRunS: 120 },
  async run(ctx) {
    const refusing = await startServer(ctx.scope, {
      name: "server-1g",
      args: ["--max-memory-mb", "1024"],
    });
    const bounded = ctx.short
      ? undefined
      : await startServer(ctx.scope, { name: "server-3g", args: ["--max-memory-mb", "3072"] });
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      await bomb(ctx, refusing, 1024, run, true);
      await checkAlive(ctx, refusing);
      if (bounded) {
        await bomb(ctx, bounded, 3072, run, false);
        await checkAlive(ctx, bounded);
      }
    }
  },
};
