/**
 * Fault 5: clients without the right token. The real client with a wrong token and with none at
 * all (no variable, no token file) must exit 4 saying `unauthorized`; hand-made conversations — a
 * proof made with another token, a proof replayed from another connection's nonce, an upload
 * chunk instead of `auth` — must be refused before any admission, and no job may appear.
 */
import { authProof } from "../../../src/protocol/mod.ts";
import { lastLine, runClient, startServer } from "../harness.ts";
import { bytesOf, hello, RawConn } from "../raw.ts";
import { checkAlive, type Fault } from "../suite.ts";

export const auth: Fault = {
  n: 5,
  id: "bad-token",
  title: "wrong token / no token — refused unauthorized",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 20, perRunS: 45 },
  async run(ctx) {
    const server = await startServer(ctx.scope);
    const input = ctx.samples.small.path;
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const jobsBefore = (await server.jobs()).length;
      const wrong = await runClient(ctx.scope, server, input, {
        name: "client-wrong-token",
        token: "not-the-token-but-long-enough-0123456789",
      });
      ctx.rec.check(
        `run ${run}: client with a wrong token exits 4, unauthorized`,
        wrong.code === 4 && /unauthorized/.test(wrong.stderr),
        `exit ${wrong.code}: ${lastLine(wrong.stderr)}`,
      );
      const none = await runClient(ctx.scope, server, input, {
        name: "client-no-token",
        token: null,
      });
      ctx.rec.check(
        `run ${run}: client with no token exits 4, unauthorized`,
        none.code === 4 && /unauthorized/.test(none.stderr),
        `exit ${none.code}: ${lastLine(none.stderr)}`,
      );
      if (run === 1) {
        ctx.rec.note(`wrong token: ${lastLine(wrong.stderr).replace(/^vframe client: /, "")}`);
        ctx.rec.note(`no token: ${lastLine(none.stderr).replace(/^vframe client: /, "")}`);
      }

      const h = hello(1000);
      const other = await RawConn.connect(server.port);
      const forged = await other.handshake(h, "another-token-of-sufficient-length");
      await other.until(() => other.closed, 5_000);
      ctx.rec.check(
        `run ${run}: proof made with another token → ack unauthorized, closed`,
        forged?.ok === false && forged.code === "unauthorized" && other.closed,
        other.describe(),
      );
      await other.close();

      // A proof that was right for another connection's nonce (a recorded exchange).
      const first = await RawConn.connect(server.port);
      await first.write(bytesOf(h));
      const ch1 = await first.next("challenge", 10_000);
      await first.close();
      const replay = await RawConn.connect(server.port);
      const replayed = await replay.handshake(h, ctx.scope.token, {
        proof: ch1 ? authProof(ctx.scope.token, ch1.nonce, h) : "0".repeat(64),
      });
      await replay.until(() => replay.closed, 5_000);
      ctx.rec.check(
        `run ${run}: proof replayed from another nonce → ack unauthorized`,
        replayed?.ok === false && replayed.code === "unauthorized",
        replay.describe(),
      );
      await replay.close();

      const skip = await RawConn.connect(server.port);
      await skip.write(bytesOf(h));
      await skip.next("challenge", 10_000);
      await skip.write(bytesOf({ type: "upload-chunk", data: new Uint8Array(100) }));
      await skip.until(() => skip.closed, 5_000);
      ctx.rec.check(
        `run ${run}: upload instead of auth → error unexpected-message, no ack`,
        skip.code() === "unexpected-message" && !skip.first("ack"),
        skip.describe(),
      );
      await skip.close();

      const jobsAfter = (await server.jobs()).length;
      ctx.rec.check(
        `run ${run}: no job created by an unauthenticated client`,
        jobsAfter === jobsBefore,
        `${jobsAfter - jobsBefore} new jobs`,
      );
      const refusals = server.proc.lines.filter((l) => /unauthorized/.test(l.text)).length;
      if (run === ctx.runs) ctx.rec.note(`server logged ${refusals} unauthorized refusals`);
      await checkAlive(ctx, server);
    }
  },
};
