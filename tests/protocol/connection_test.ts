import assert from "node:assert/strict";
import { sha256Hex } from "../../src/protocol/checksum.ts";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import {
  ConnectionClosedError,
  ProtocolError,
  ReadTimeoutError,
  WriteTimeoutError,
} from "../../src/protocol/errors.ts";
import { MAX_CHUNK_DATA, type Message, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { concat, counting, sampleResult } from "./samples.ts";

/** A connected socket pair over TCP loopback: [server side, client side]. */
async function tcpPair(): Promise<[Deno.Conn, Deno.Conn]> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
  ]);
  return [server, client];
}

/** A connected socket pair over a unix socket in a temporary directory. */
async function unixPair(): Promise<[Deno.Conn, Deno.Conn, () => Promise<void>]> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/vframe.sock`;
  using listener = Deno.listen({ transport: "unix", path });
  const [server, client] = await Promise.all([
    listener.accept(),
    Deno.connect({ transport: "unix", path }),
  ]);
  return [server, client, () => Deno.remove(dir, { recursive: true })];
}

/** Reads everything a raw connection receives until the peer closes. */
async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const buffer = new Uint8Array(65_536);
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buffer);
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) break;
      throw error;
    }
    if (n === null) break;
    parts.push(buffer.slice(0, n));
  }
  return concat(parts);
}

/** Runs a whole job's conversation: upload in chunks, progress, result, download in chunks. */
async function session(server: MessageConnection, client: MessageConnection): Promise<void> {
  const input = counting(2 * MAX_CHUNK_DATA + 12_345, 1);
  const output = counting(MAX_CHUNK_DATA + 777, 5);

  const serverSide = async () => {
    const hello = await server.next();
    assert.equal(hello?.type, "hello");
    if (hello?.type !== "hello") return;
    await server.send({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId: "job-1" });
    const received: Uint8Array[] = [];
    while (true) {
      const msg = await server.next();
      assert.ok(msg, "client closed during upload");
      if (msg.type === "upload-end") {
        const whole = concat(received);
        assert.equal(msg.size, hello.size);
        assert.equal(whole.length, msg.size);
        assert.equal(sha256Hex(whole), msg.sha256);
        break;
      }
      assert.equal(msg.type, "upload-chunk");
      if (msg.type === "upload-chunk") received.push(msg.data);
    }
    await server.send({
      type: "progress",
      stage: "process",
      bytesReceived: input.length,
      framesTotal: 10,
      framesDecoded: 10,
      framesProcessed: 5,
      framesEncoded: 2,
      fallbackFrames: 0,
      fps: 12.5,
      elapsedMs: 800,
    });
    await server.send({
      type: "result",
      result: { ...sampleResult(), outputBytes: output.length },
    });
    for (let at = 0; at < output.length; at += MAX_CHUNK_DATA) {
      await server.send({ type: "output-chunk", data: output.subarray(at, at + MAX_CHUNK_DATA) });
    }
    await server.send({ type: "output-end", size: output.length, sha256: sha256Hex(output) });
    await server.closeGracefully();
  };

  const clientSide = async () => {
    await client.send({
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: "in.mp4",
      size: input.length,
      filter: "invert",
      options: {},
    });
    const ack = await client.next();
    assert.deepEqual(ack, { type: "ack", ok: true, version: PROTOCOL_VERSION, jobId: "job-1" });
    for (let at = 0; at < input.length; at += MAX_CHUNK_DATA) {
      await client.send({ type: "upload-chunk", data: input.subarray(at, at + MAX_CHUNK_DATA) });
    }
    await client.send({ type: "upload-end", size: input.length, sha256: sha256Hex(input) });
    const seen: string[] = [];
    const parts: Uint8Array[] = [];
    for await (const msg of client) {
      seen.push(msg.type);
      if (msg.type === "output-chunk") parts.push(msg.data);
      if (msg.type === "output-end") {
        assert.equal(msg.sha256, sha256Hex(concat(parts)));
        assert.deepEqual(concat(parts), output);
      }
    }
    assert.deepEqual(seen, ["progress", "result", "output-chunk", "output-chunk", "output-end"]);
    client.close();
  };

  await Promise.all([serverSide(), clientSide()]);
}

Deno.test("MessageConnection carries a whole job over TCP loopback", async () => {
  const [s, c] = await tcpPair();
  await session(
    new MessageConnection(s, { from: "client", readTimeoutMs: 10_000 }),
    new MessageConnection(c, { from: "server", readTimeoutMs: 10_000 }),
  );
});

Deno.test("MessageConnection carries a whole job over a unix socket", async () => {
  const [s, c, cleanup] = await unixPair();
  try {
    await session(
      new MessageConnection(s, { from: "client", readTimeoutMs: 10_000 }),
      new MessageConnection(c, { from: "server", readTimeoutMs: 10_000, readBufferBytes: 1000 }),
    );
  } finally {
    await cleanup();
  }
});

Deno.test("concurrent sends go out whole and in call order", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  const client = new MessageConnection(c, { from: "server" });
  const sent: Message[] = [];
  for (let i = 0; i < 40; i++) {
    sent.push(
      i % 4 === 0
        ? { type: "error", code: "internal", message: `note ${i}` }
        : { type: "output-chunk", data: counting(50_000 + i * 1000, i) },
    );
  }
  const sending = Promise.all(sent.map((msg) => server.send(msg)));
  const received: Message[] = [];
  while (received.length < sent.length) {
    const msg = await client.next(10_000);
    assert.ok(msg);
    received.push(msg);
  }
  await sending;
  assert.deepEqual(received, sent);
  server.close();
  assert.equal(await client.next(), null);
  client.close();
});

Deno.test("a read timeout leaves the connection usable, even mid-message", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client", readTimeoutMs: 60 });
  const bytes = encodeMessage({ type: "cancel", reason: "later" });
  await assert.rejects(
    () => server.next(),
    (e) => e instanceof ReadTimeoutError && e.timeoutMs === 60,
  );
  await c.write(bytes.subarray(0, 7));
  await assert.rejects(() => server.next(50), ReadTimeoutError);
  await c.write(bytes.subarray(7));
  assert.deepEqual(await server.next(5_000), { type: "cancel", reason: "later" });
  c.close();
  assert.equal(await server.next(), null);
  server.close();
});

Deno.test("the end of the stream is null at a message boundary and truncated inside one", async () => {
  {
    const [s, c] = await tcpPair();
    const server = new MessageConnection(s, { from: "client" });
    await c.write(concat([encodeMessage({ type: "cancel" }), encodeMessage({ type: "cancel" })]));
    c.close();
    const types: string[] = [];
    for await (const msg of server) types.push(msg.type);
    assert.deepEqual(types, ["cancel", "cancel"]);
    assert.equal(await server.next(), null);
    server.close();
  }
  {
    const [s, c] = await tcpPair();
    const server = new MessageConnection(s, { from: "client" });
    const bytes = encodeMessage({ type: "upload-chunk", data: counting(1000) });
    await c.write(bytes.subarray(0, 500));
    c.close();
    await assert.rejects(
      () => server.next(5_000),
      (e) => e instanceof ProtocolError && e.code === "truncated",
    );
    // The error sticks.
    await assert.rejects(() => server.next(), ProtocolError);
    server.close();
  }
});

Deno.test("malformed input rejects next(); fail() sends an error message and closes", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  await c.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  const error = await server.next(5_000).then(
    () => assert.fail("expected a ProtocolError"),
    (e) => e,
  );
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.code, "unknown-type");
  const started = Date.now();
  const failing = server.fail(error.code, error.message, { lingerMs: 5_000 });
  const decoder = new MessageDecoder({ from: "server" });
  const replies = decoder.push(await readAll(c));
  decoder.end();
  c.close();
  await failing;
  assert.equal(server.isClosed, true);
  assert.deepEqual(replies, [{ type: "error", code: "unknown-type", message: error.message }]);
  // The linger ends as soon as the peer closes, not after lingerMs.
  assert.ok(Date.now() - started < 4_000, `fail() took ${Date.now() - started} ms`);
});

Deno.test("a message from the wrong side is refused with unexpected-type", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  await c.write(encodeMessage({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId: "x" }));
  await assert.rejects(
    () => server.next(5_000),
    (e) => e instanceof ProtocolError && e.code === "unexpected-type",
  );
  server.close();
  c.close();
});

Deno.test("fail() reaches a peer that is still uploading (no reset eats the error)", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  const client = new MessageConnection(c, { from: "server" });
  // The client keeps sending 4 MiB without reading; the server gives up after the first chunk.
  const uploading = (async () => {
    for (let i = 0; i < 4; i++) {
      if (!await client.trySend({ type: "upload-chunk", data: counting(MAX_CHUNK_DATA, i) })) {
        return false;
      }
    }
    return true;
  })();
  assert.equal((await server.next(5_000))?.type, "upload-chunk");
  const failing = server.fail("size-mismatch", "upload is larger than announced", {
    lingerMs: 5_000,
  });
  assert.equal(await uploading, true);
  assert.deepEqual(await client.next(5_000), {
    type: "error",
    code: "size-mismatch",
    message: "upload is larger than announced",
  });
  assert.equal(await client.next(5_000), null);
  client.close();
  await failing;
  assert.equal(server.isClosed, true);
});

Deno.test("sending to a vanished peer rejects with ConnectionClosedError; trySend says false", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  c.close();
  let error: unknown;
  // The first writes may still land in the kernel's buffer; the reset comes soon after.
  for (let i = 0; i < 200 && error === undefined; i++) {
    try {
      await server.send({ type: "output-chunk", data: counting(65_536) });
    } catch (e) {
      error = e;
    }
  }
  assert.ok(error instanceof ConnectionClosedError, String(error));
  assert.equal(
    await server.trySend({ type: "output-end", size: 1, sha256: "0".repeat(64) }),
    false,
  );
  assert.equal(await server.next(), null);
  await server.closeGracefully();
  assert.equal(server.isClosed, true);
});

Deno.test("close() ends a pending next() with null and makes send() reject", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  const pending = server.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  server.close();
  server.close(); // idempotent
  assert.equal(await pending, null);
  await assert.rejects(() => server.send({ type: "progress" } as Message), ProtocolError);
  await assert.rejects(
    () => server.send({ type: "error", code: "internal", message: "x" }),
    ConnectionClosedError,
  );
  assert.equal(await server.trySend({ type: "error", code: "internal", message: "x" }), false);
  await server.fail("internal", "after close"); // no throw
  c.close();
});

Deno.test("a peer that stops reading makes send() time out and closes the connection", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client", writeTimeoutMs: 200 });
  let error: unknown;
  for (let i = 0; i < 200 && error === undefined; i++) {
    try {
      await server.send({ type: "output-chunk", data: counting(MAX_CHUNK_DATA) });
    } catch (e) {
      error = e;
    }
  }
  assert.ok(error instanceof WriteTimeoutError, String(error));
  assert.equal(error.timeoutMs, 200);
  assert.equal(server.isClosed, true);
  c.close();
});

Deno.test("two next() calls at once are refused", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  const first = server.next();
  await assert.rejects(() => server.next(), /another is pending/);
  await c.write(encodeMessage({ type: "cancel" }));
  assert.deepEqual(await first, { type: "cancel" });
  server.close();
  c.close();
});

Deno.test("MessageConnection checks its options", async () => {
  const [s, c] = await tcpPair();
  try {
    assert.throws(() => new MessageConnection(s, { readTimeoutMs: -1 }), /readTimeoutMs/);
    assert.throws(() => new MessageConnection(s, { writeTimeoutMs: 1.5 }), /writeTimeoutMs/);
    assert.throws(() => new MessageConnection(s, { readBufferBytes: 0 }), /readBufferBytes/);
    assert.throws(() => new MessageConnection(s, { from: "both" as "client" }), TypeError);
    const ok = new MessageConnection(s);
    await assert.rejects(() => ok.next(-5), /timeoutMs/);
  } finally {
    s.close();
    c.close();
  }
});

Deno.test("trySend of an invalid message resolves false and reports it on console.error", async () => {
  const [s, c] = await tcpPair();
  const server = new MessageConnection(s, { from: "client" });
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args.join(" "));
  try {
    const bad = { type: "progress", stage: "process", fps: NaN } as unknown as Message;
    assert.equal(await server.trySend(bad), false);
  } finally {
    console.error = original;
  }
  assert.equal(logged.length, 1);
  assert.match(logged[0], /invalid message: progress\./);
  // Nothing was written: the connection still works.
  assert.equal(await server.trySend({ type: "output-end", size: 1, sha256: "0".repeat(64) }), true);
  const client = new MessageConnection(c, { from: "server" });
  assert.equal((await client.next(5_000))?.type, "output-end");
  server.close();
  client.close();
});
