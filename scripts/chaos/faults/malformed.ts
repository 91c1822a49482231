/**
 * Fault 10: malformed input. Garbage bytes (HTTP, TLS), other protocol versions, truncated and
 * oversized messages, bad JSON, unknown fields, a server-side message type, out-of-order
 * messages, a corrupted chunk, an upload that overruns its size or fails its SHA-256, an unknown
 * filter, and a text file sent as a video with the real client. Each must get the error or
 * refusal docs/protocol.md documents for it, the server must close the connection, hold no job
 * afterwards, and keep serving.
 */
import { encodeMessage, PROTOCOL_VERSION, TYPE_CODES } from "../../../src/protocol/mod.ts";
import { lastLine, poll, runClient, startServer } from "../harness.ts";
import { bytesOf, hello, RawConn, rawFrame } from "../raw.ts";
import { checkAlive, type Fault, type FaultContext } from "../suite.ts";
import type { ServerHandle } from "../harness.ts";

const te = new TextEncoder();

interface Case {
  name: string;
  /** The documented answer: an error code, or `ack:<refusal code>`. */
  expect: string;
  /** Authenticate (and be admitted) first, with this hello. */
  admitted?: ReturnType<typeof hello>;
  /** Bytes to send (after the handshake, when `admitted`). */
  bytes: Uint8Array;
  /** Half-close after sending. */
  closeWrite?: boolean;
}

function cases(): Case[] {
  const h = bytesOf(hello(100));
  const badCrc = encodeMessage({ type: "upload-chunk", data: new Uint8Array([1, 2, 3, 4]) });
  badCrc[badCrc.length - 1] ^= 0xff;
  return [
    {
      name: "HTTP request",
      expect: "unknown-type",
      bytes: te.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    },
    {
      name: "TLS ClientHello bytes",
      expect: "unknown-type",
      bytes: new Uint8Array([0x16, 3, 1, 0, 0x40, ...new Uint8Array(64)]),
    },
    {
      name: "random bytes",
      expect: "unknown-type",
      bytes: new Uint8Array([0x00, ...crypto.getRandomValues(new Uint8Array(256))]),
    },
    {
      name: "hello of version 1",
      expect: "ack:version-mismatch",
      bytes: bytesOf({ ...hello(100), version: 1 }),
    },
    {
      name: "hello of version 99",
      expect: "ack:version-mismatch",
      bytes: bytesOf({ ...hello(100), version: 99 }),
    },
    {
      name: "length 4 GiB in the header",
      expect: "too-large",
      bytes: rawFrame(TYPE_CODES.hello, new Uint8Array(0), 0xffff_ffff),
    },
    {
      name: "hello that is not JSON",
      expect: "bad-json",
      bytes: rawFrame(TYPE_CODES.hello, te.encode("{not json")),
    },
    {
      name: "hello with an unknown field",
      expect: "bad-message",
      bytes: rawFrame(
        TYPE_CODES.hello,
        te.encode(
          JSON.stringify({
            version: PROTOCOL_VERSION,
            fileName: "a.mp4",
            size: 1,
            filter: "invert",
            options: {},
            evil: 1,
          }),
        ),
      ),
    },
    {
      name: "a server message type (ack) from the client",
      expect: "unexpected-type",
      bytes: rawFrame(TYPE_CODES.ack, te.encode("{}")),
    },
    {
      name: "upload chunk before hello",
      expect: "unexpected-message",
      bytes: bytesOf({ type: "upload-chunk", data: new Uint8Array(9) }),
    },
    {
      name: "hello cut off after 7 bytes, then FIN",
      expect: "truncated",
      bytes: h.subarray(0, 7),
      closeWrite: true,
    },
    {
      name: "unknown filter",
      expect: "ack:unknown-filter",
      admitted: hello(100, { filter: "blurr" }),
      bytes: new Uint8Array(0),
    },
    {
      name: "chunk with a bad CRC-32",
      expect: "bad-checksum",
      admitted: hello(100),
      bytes: badCrc,
    },
    {
      name: "chunks over the announced size",
      expect: "size-mismatch",
      admitted: hello(10),
      bytes: bytesOf({ type: "upload-chunk", data: new Uint8Array(20) }),
    },
    {
      name: "upload-end with a wrong SHA-256",
      expect: "file-checksum",
      admitted: hello(10),
      bytes: bytesOf({ type: "upload-chunk", data: new Uint8Array(10) }, {
        type: "upload-end",
        size: 10,
        sha256: "0".repeat(64),
      }),
    },
    {
      name: "second hello after the ack",
      expect: "unexpected-message",
      admitted: hello(100),
      bytes: h,
    },
  ];
}

async function runCase(
  ctx: FaultContext,
  server: ServerHandle,
  c: Case,
): Promise<{ ok: boolean; got: string }> {
  const conn = await RawConn.connect(server.port);
  try {
    if (c.admitted) {
      const ack = await conn.handshake(c.admitted, ctx.scope.token);
      if (c.expect.startsWith("ack:")) {
        await conn.until(() => conn.closed, 5_000);
        return { ok: `ack:${conn.code()}` === c.expect && conn.closed, got: conn.describe() };
      }
      if (!ack?.ok) return { ok: false, got: `not admitted: ${conn.describe()}` };
    }
    await conn.write(c.bytes);
    if (c.closeWrite) await conn.closeWrite();
    await conn.until(() => conn.closed, 10_000);
    const code = conn.code();
    const got = code === undefined
      ? conn.describe()
      : (conn.first("ack") && !conn.first("error") ? `ack:${code}` : code);
    return { ok: got === c.expect && conn.closed, got: conn.describe() };
  } finally {
    await conn.close();
  }
}

export const malformed: Fault = {
  n: 10,
  id: "malformed",
  title: "malformed input: garbage, bad versions, truncated messages, a text file as video",
  short: true,
  needs: ["ffmpeg"],
  budget: { setupS: 20, perRunS: 90 },
  async run(ctx) {
    const server = await startServer(ctx.scope);
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.rec.runs = run;
      const failed: string[] = [];
      const all = cases();
      for (const c of all) {
        const r = await runCase(ctx, server, c);
        if (!r.ok) failed.push(`${c.name}: expected ${c.expect}, got ${r.got}`);
      }
      ctx.rec.check(
        `run ${run}: ${all.length} malformed conversations get their documented error and are closed`,
        failed.length === 0,
        failed.join(" | "),
      );
      const text = await runClient(ctx.scope, server, ctx.samples.text.path, {
        name: "client-text-file",
      });
      ctx.rec.check(
        `run ${run}: a text file as video → job failed, client exit 5`,
        text.code === 5 && /fail/i.test(text.stderr),
        `exit ${text.code}: ${lastLine(text.stderr)}`,
      );
      if (run === 1) {
        ctx.rec.note(`${all.length} raw cases: ${all.map((c) => c.expect).join(", ")}`);
        ctx.rec.note(`text file: ${lastLine(text.stderr).replace(/^vframe client: /, "")}`);
      }
      const idle = await poll(async () => (await server.activeJobs()) === 0, 10_000);
      ctx.rec.check(
        `run ${run}: no job held afterwards`,
        idle === true,
        `${await server.activeJobs()} jobs held`,
      );
      await checkAlive(ctx, server);
    }
  },
};
