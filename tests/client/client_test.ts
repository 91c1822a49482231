/**
 * The client against a scripted server (a real socket speaking the protocol): a corrupted
 * output is refused and leaves no file; a failed job and a server that vanishes are reported.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { sha256Hex } from "../../src/protocol/checksum.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import { PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { resultFor } from "./fake_server.ts";

type Script = (c: MessageConnection) => Promise<void>;

/** One-connection server running `script` after consuming hello and the upload. */
async function withScriptedServer(script: Script, fn: (port: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const c = new MessageConnection(conn, { from: "client" });
    try {
      const hello = await c.next();
      assert.equal(hello?.type, "hello");
      // A server without access control answers hello with ack (no challenge).
      await c.send({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId: "job-x" });
      while (true) {
        const m = await c.next();
        if (m === null || m.type === "upload-end") break;
      }
      await script(c);
    } finally {
      await c.closeGracefully({ lingerMs: 500 });
    }
  })();
  try {
    await fn(listener.addr.port);
  } finally {
    listener.close();
    await served;
  }
}

// The job of these tests: 4 output bytes, job id job-x.
const done: JobResult = resultFor(new Uint8Array(4), "job-x");

async function inputFile(dir: string): Promise<string> {
  await Deno.writeFile(`${dir}/in.mp4`, new Uint8Array([1, 2, 3, 4, 5]));
  return `${dir}/in.mp4`;
}

Deno.test("client: a good output is written with the download timing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await inputFile(dir);
    const data = new Uint8Array([9, 8, 7, 6]);
    await withScriptedServer(async (c) => {
      await c.send({ type: "result", result: done });
      await c.send({ type: "output-chunk", data });
      await c.send({ type: "output-end", size: 4, sha256: sha256Hex(data) });
    }, async (port) => {
      const r = await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${port}`,
        output: `${dir}/o.mp4`,
      });
      assert.equal(r.jobId, "job-x");
      assert.ok(r.timings.download! >= 0);
      assert.deepEqual(await Deno.readFile(`${dir}/o.mp4`), data);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client: a checksum mismatch is an error and leaves no output file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await inputFile(dir);
    await withScriptedServer(async (c) => {
      await c.send({ type: "result", result: done });
      await c.send({ type: "output-chunk", data: new Uint8Array([9, 8, 7, 6]) });
      await c.send({ type: "output-end", size: 4, sha256: "a".repeat(64) });
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) =>
          e instanceof Error && e.name === "ChecksumMismatchError" &&
          /SHA-256 mismatch/.test(e.message),
      );
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client: a failed job and a vanished server are reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await inputFile(dir);
    await withScriptedServer(async (c) => {
      await c.send({
        type: "result",
        result: { ...done, state: "failed", error: "no video stream" },
      });
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) =>
          e instanceof Error && e.name === "JobFailedError" && /no video stream/.test(e.message),
      );
    });
    await withScriptedServer(async (c) => {
      await c.send({ type: "result", result: done });
      await c.send({ type: "output-chunk", data: new Uint8Array([1]) });
      c.close();
    }, async (port) => {
      await assert.rejects(
        runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${port}`,
          output: `${dir}/o.mp4`,
          // The scripted server takes one connection: no re-attach attempts to wait through.
          reattachDelaysMs: [],
        }),
        (e) =>
          e instanceof Error && e.name === "ServerProtocolError" &&
          /during the download/.test(e.message),
      );
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A one-connection server that reads the hello and then runs `answer` (raw bytes welcome). */
async function withHelloServer(
  answer: (conn: Deno.Conn, hello: unknown) => Promise<void>,
  fn: (port: number) => Promise<void>,
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const c = new MessageConnection(conn, { from: "client" });
    try {
      await answer(conn, await c.next());
    } finally {
      c.close();
    }
  })();
  try {
    await fn(listener.addr.port);
  } finally {
    listener.close();
    await served;
  }
}

Deno.test("client: an older server's version-mismatch says which versions meet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await inputFile(dir);
    await withHelloServer(async (conn, hello) => {
      // What a version-1 server does with this client's hello: decode it by its frozen fields
      // and refuse it.
      assert.equal((hello as { version: number }).version, PROTOCOL_VERSION);
      const c = new MessageConnection(conn, { from: "client" });
      await c.send({
        type: "ack",
        ok: false,
        version: 1,
        code: "version-mismatch",
        reason: `this server speaks protocol version 1, the client sent ${PROTOCOL_VERSION}`,
      });
      await c.closeGracefully({ lingerMs: 200 });
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) =>
          e instanceof Error && e.name === "JobRefusedError" &&
          new RegExp(`server speaks protocol version 1, this client ${PROTOCOL_VERSION}`).test(
            e.message,
          ),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client: a peer that is not a vframe server is named as such", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const input = await inputFile(dir);
    // Silent after hello.
    let release = () => {};
    const held = new Promise<void>((r) => release = r);
    await withHelloServer(() => held, async (port) => {
      await assert.rejects(
        runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${port}`,
          output: `${dir}/o.mp4`,
          handshakeTimeoutMs: 200,
        }),
        (e) =>
          e instanceof Error && e.name === "ServerProtocolError" &&
          /no answer to hello within 200 ms: is 127\.0\.0\.1:\d+ a vframe server\?/.test(e.message),
      );
      release();
    });
    // Answers in another protocol.
    await withHelloServer(async (conn) => {
      await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) =>
          e instanceof Error && e.name === "ServerProtocolError" &&
          /is an HTTP server, not a vframe job port \(it answered .HTTP\/1\.1 400 Bad Request.\) — the preview\?/
            .test(e.message),
      );
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
