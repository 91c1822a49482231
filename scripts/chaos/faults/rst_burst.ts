/**
 * Fault 1: connections reset before accept. The server process is stopped (SIGSTOP) while a
 * burst of connections completes the TCP handshake in the kernel's backlog and is reset (RST);
 * on SIGCONT the server accepts sockets that are already dead. Then a second burst while it runs.
 * The listener must survive both and serve the next client.
 */
import { Proc } from "../proc.ts";
import { RST_BURST } from "../paths.ts";
import { startServer } from "../harness.ts";
import { checkAlive, type Fault, type FaultContext } from "../suite.ts";

async function burst(ctx: FaultContext, port: number, count: number): Promise<string> {
  const p = ctx.scope.track(
    Proc.deno("rst-burst", ["run", "-A", RST_BURST, "127.0.0.1", String(port), String(count)]),
  );
  const status = await p.exitWithin(60_000) ?? await p.stop("SIGKILL", 0);
  const line = p.lines.find((l) => l.text.startsWith("reset"))?.text ?? p.text().slice(-200);
  return status.code === 0 ? line : `failed (${status.signal ?? status.code}): ${line}`;
}

export const rstBurst: Fault = {
  n: 1,
  id: "rst-burst",
  title: "connections reset before accept (RST burst)",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 20, perRunS: 40 },
  async run(ctx) {
    const count = ctx.short ? 50 : 100;
    const server = await startServer(ctx.scope);
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      server.proc.signal("SIGSTOP");
      let stopped: string;
      try {
        stopped = await burst(ctx, server.port, count);
      } finally {
        server.proc.signal("SIGCONT");
      }
      ctx.rec.check(
        `run ${run}: ${count} connections reset while the server was stopped (before accept)`,
        stopped === `reset ${count}`,
        stopped,
      );
      const running = await burst(ctx, server.port, count);
      ctx.rec.check(
        `run ${run}: ${count} connections reset while it runs`,
        running === `reset ${count}`,
        running,
      );
      const dead = server.proc.lines.find((l) =>
        /listener stopped|uncaught|panicked/i.test(l.text)
      );
      ctx.rec.check(
        `run ${run}: no listener failure in the server log`,
        !dead,
        dead?.text ?? "",
      );
      await checkAlive(ctx, server);
    }
    ctx.rec.note(`${count} resets before accept + ${count} while accepting, per run`);
  },
};
