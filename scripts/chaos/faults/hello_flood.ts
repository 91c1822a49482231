/**
 * Fault 2: 20 clients send `hello` at the same moment to a server started with `--max-jobs 2`.
 * Every one gets its challenge and proves the token; exactly two are admitted, the other 18 are
 * refused `server-busy`. When the two leave, their slots come back (the next three hellos again
 * get exactly two admissions) and a good job runs.
 */
import { authProof } from "../../../src/protocol/mod.ts";
import { poll, startServer } from "../harness.ts";
import { bytesOf, hello, RawConn } from "../raw.ts";
import { checkAlive, type Fault, type FaultContext } from "../suite.ts";
import type { ServerHandle } from "../harness.ts";

/** n clients: hellos at once, auths at once; returns [admitted, busy, other answers]. */
async function flood(
  ctx: FaultContext,
  server: ServerHandle,
  n: number,
): Promise<{ conns: RawConn[]; admitted: number; busy: number; other: string[] }> {
  const conns = await Promise.all(Array.from({ length: n }, () => RawConn.connect(server.port)));
  const h = hello(1000);
  const bytes = bytesOf(h);
  await Promise.all(conns.map((c) => c.write(bytes)));
  const challenges = await Promise.all(conns.map((c) => c.next("challenge", 10_000)));
  await Promise.all(conns.map((c, i) => {
    const ch = challenges[i];
    return ch
      ? c.write(bytesOf({ type: "auth", proof: authProof(ctx.scope.token, ch.nonce, h) }))
      : false;
  }));
  const acks = await Promise.all(conns.map((c) => c.next("ack", 10_000)));
  const other: string[] = [];
  let admitted = 0;
  let busy = 0;
  acks.forEach((a, i) => {
    if (a?.ok) admitted++;
    else if (a && a.code === "server-busy") busy++;
    else other.push(conns[i].describe());
  });
  return { conns, admitted, busy, other };
}

export const helloFlood: Fault = {
  n: 2,
  id: "hello-flood",
  title: "20 simultaneous hellos with --max-jobs 2",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 20, perRunS: 45 },
  async run(ctx) {
    const server = await startServer(ctx.scope, { args: ["--max-jobs", "2"] });
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const f = await flood(ctx, server, 20);
      ctx.rec.check(
        `run ${run}: exactly 2 of 20 admitted, 18 refused server-busy`,
        f.admitted === 2 && f.busy === 18,
        `admitted ${f.admitted}, busy ${f.busy}${
          f.other.length ? `, other: ${f.other.join(" | ")}` : ""
        }`,
      );
      const held = await server.activeJobs();
      ctx.rec.check(`run ${run}: the server holds 2 jobs (metrics)`, held === 2, `${held} jobs`);
      await Promise.all(f.conns.map((c) => c.close()));
      const freed = await poll(async () => (await server.activeJobs()) === 0, 10_000);
      ctx.rec.check(
        `run ${run}: both slots freed after the clients left`,
        freed === true,
        `${await server.activeJobs()} jobs still held after 10 s`,
      );
      const again = await flood(ctx, server, 3);
      ctx.rec.check(
        `run ${run}: afterwards 3 hellos get exactly 2 admissions`,
        again.admitted === 2 && again.busy === 1,
        `admitted ${again.admitted}, busy ${again.busy}`,
      );
      await Promise.all(again.conns.map((c) => c.close()));
      await poll(async () => (await server.activeJobs()) === 0, 10_000);
      await checkAlive(ctx, server);
    }
  },
};
