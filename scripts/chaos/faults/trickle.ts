/**
 * Fault 3: an upload that trickles (one byte a second) into a server with `--max-jobs 1`, a
 * 4 s `--upload-timeout` and `--min-upload-rate 1` KiB/s over a 2 s window. The server must drop
 * it with `error timeout` within seconds and free the slot: the good job that follows would be
 * refused `server-busy` otherwise.
 */
import { poll, startServer } from "../harness.ts";
import { bytesOf, hello, RawConn } from "../raw.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const trickle: Fault = {
  n: 3,
  id: "trickle-upload",
  title: "a trickling upload (1 byte/s) — dropped, slot freed",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 20, perRunS: 45 },
  async run(ctx) {
    const server = await startServer(ctx.scope, {
      args: [
        "--max-jobs",
        "1",
        "--upload-timeout",
        "4",
        "--min-upload-rate",
        "1",
        "--upload-rate-window",
        "2",
      ],
    });
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const c = await RawConn.connect(server.port);
      try {
        const ack = await c.handshake(hello(2_000_000), ctx.scope.token);
        if (!ctx.rec.check(`run ${run}: upload admitted`, ack?.ok === true, c.describe())) continue;
        const t0 = performance.now();
        let sent = 0;
        while (performance.now() - t0 < 20_000 && !c.closed && !c.first("error")) {
          if (
            !(await c.write(bytesOf({ type: "upload-chunk", data: new Uint8Array([sent & 255]) })))
          ) {
            break;
          }
          sent++;
          await c.until(() => c.first("error") !== undefined, 1_000);
        }
        await c.until(() => c.closed, 3_000);
        const took = (performance.now() - t0) / 1000;
        const e = c.first("error");
        ctx.rec.check(
          `run ${run}: dropped with error timeout within 8 s`,
          e?.code === "timeout" && took < 8,
          `${e ? `${e.code}: ${e.message}` : c.describe()} after ${
            took.toFixed(1)
          } s, ${sent} bytes sent`,
        );
        ctx.rec.check(`run ${run}: connection closed by the server`, c.closed, c.describe());
        if (run === 1 && e) {
          ctx.rec.note(`server said: ${e.code}: ${e.message} (${took.toFixed(1)} s)`);
        }
      } finally {
        await c.close();
      }
      const freed = await poll(async () => (await server.activeJobs()) === 0, 5_000);
      ctx.rec.check(`run ${run}: job slot freed`, freed === true, "a job is still held after 5 s");
      await checkAlive(ctx, server);
    }
  },
};
