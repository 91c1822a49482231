/**
 * Hostile and broken clients: the server answers with an error or closes, never crashes, frees
 * what the connection held, and keeps serving the next client.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { VframeServer } from "../../src/server/server.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { sha256Hex } from "../../src/protocol/checksum.ts";
import { MessageDecoder } from "../../src/protocol/codec.ts";
import { type Message, PROTOCOL_VERSION, TYPE_CODES } from "../../src/protocol/messages.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { bytesOf, exists, waitUntil } from "./support.ts";

const hello = (over: Record<string, unknown> = {}): Message =>
  ({
    type: "hello",
    version: PROTOCOL_VERSION,
    fileName: "in.mp4",
    size: 100,
    filter: "invert",
    options: {},
    ...over,
  }) as Message;

/**
 * Connects, writes `bytes` (a list: each later part is written once the server has sent
 * something), optionally half-closes, and reads what the server says until EOF or `waitMs`.
 */
async function converse(
  port: number,
  bytes: Uint8Array | Uint8Array[],
  options: { closeWrite?: boolean; waitMs?: number } = {},
): Promise<{ messages: Message[]; closed: boolean }> {
  const parts = Array.isArray(bytes) ? [...bytes] : [bytes];
  const conn = await Deno.connect({ hostname: "::1", port });
  try {
    await conn.write(parts.shift()!);
    if (options.closeWrite && parts.length === 0) await conn.closeWrite();
    const decoder = new MessageDecoder({ from: "server" });
    const messages: Message[] = [];
    const buf = new Uint8Array(65536);
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    while (Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const n = await Promise.race([
        conn.read(buf).catch(() => null),
        new Promise<"wait">((r) => (timer = setTimeout(() => r("wait"), deadline - Date.now()))),
      ]).finally(() => clearTimeout(timer));
      if (n === "wait") return { messages, closed: false };
      if (n === null) return { messages, closed: true };
      messages.push(...decoder.push(buf.subarray(0, n)));
      if (messages.length > 0 && parts.length > 0) {
        await conn.write(parts.shift()!).catch(() => 0);
        if (options.closeWrite && parts.length === 0) await conn.closeWrite();
      }
    }
    return { messages, closed: false };
  } finally {
    conn.close();
  }
}

function errorCode(messages: Message[]): string | undefined {
  const e = messages.find((m) => m.type === "error");
  return e?.type === "error" ? e.code : undefined;
}

Deno.test("malformed clients get an error or a refusal, and the server keeps serving", async (t) => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const file = await Deno.readFile(input);
  const dir = await Deno.makeTempDir({ prefix: "vframe-bad-" });
  // Frame 0 hangs for a long time, so a job with this queue is surely still running when its
  // client goes away.
  const hangQueue = await EmbeddedQueue.create({
    threads: 1,
    policy: { attempts: 1, attemptTimeoutMs: 60_000, deadlineMs: 60_000 },
    fault: "hang=0",
  });
  const stack = await startServerStack({
    port: 0,
    preview: false,
    codec: "wasm",
    threads: 2,
    readTimeoutMs: 1500,
    maxUploadBytes: 50_000_000,
  });
  const server = stack.server;
  const hangServer = await VframeServer.start({
    port: 0,
    codec: "wasm",
    queue: hangQueue,
    maxJobs: 1,
  });
  const jobDirs = (s: VframeServer) => [...Deno.readDirSync(s.workDir)].map((e) => e.name);
  try {
    await t.step("garbage bytes → error unknown-type, closed", async () => {
      const r = await converse(server.port, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
      assert.equal(errorCode(r.messages), "unknown-type");
      assert.ok(r.closed);
    });
    await t.step("wrong protocol version → refusal version-mismatch", async () => {
      const r = await converse(server.port, bytesOf(hello({ version: 9 })));
      const ack = r.messages[0];
      assert.equal(ack?.type, "ack");
      assert.equal(ack.type === "ack" && !ack.ok ? ack.code : null, "version-mismatch");
      assert.ok(r.closed);
    });
    await t.step("unknown filter and too large → refusals", async () => {
      const r1 = await converse(server.port, bytesOf(hello({ filter: "blurr" })));
      const a1 = r1.messages[0];
      assert.equal(a1.type === "ack" && !a1.ok ? a1.code : null, "unknown-filter");
      const r2 = await converse(server.port, bytesOf(hello({ size: 60_000_000 })));
      const a2 = r2.messages[0];
      assert.equal(a2.type === "ack" && !a2.ok ? a2.code : null, "too-large");
    });
    await t.step("length over the limit → error too-large", async () => {
      const header = new Uint8Array(5);
      header[0] = TYPE_CODES.hello;
      new DataView(header.buffer).setUint32(1, 0xffff_ffff);
      const r = await converse(server.port, header);
      assert.equal(errorCode(r.messages), "too-large");
      assert.ok(r.closed);
    });
    await t.step("a chunk before hello → error unexpected-message", async () => {
      const r = await converse(
        server.port,
        bytesOf({ type: "upload-chunk", data: new Uint8Array(9) }),
      );
      assert.equal(errorCode(r.messages), "unexpected-message");
    });
    await t.step("bad JSON in hello → error bad-json", async () => {
      const body = new TextEncoder().encode("{not json");
      const bytes = new Uint8Array(5 + body.length);
      bytes[0] = TYPE_CODES.hello;
      new DataView(bytes.buffer).setUint32(1, body.length);
      bytes.set(body, 5);
      const r = await converse(server.port, bytes);
      assert.equal(errorCode(r.messages), "bad-json");
    });
    await t.step("half a message then close → connection closed, nothing left", async () => {
      const whole = bytesOf(hello());
      const r = await converse(server.port, whole.subarray(0, 7), { closeWrite: true });
      assert.ok(r.closed);
      assert.equal(server.activeJobs, 0);
    });
    await t.step("silence after connecting → error timeout", async () => {
      const r = await converse(server.port, new Uint8Array(0), { waitMs: 8000 });
      assert.equal(errorCode(r.messages), "timeout");
    });
    await t.step("chunk with a bad CRC → error bad-checksum, job dir removed", async () => {
      const good = bytesOf({ type: "upload-chunk", data: file.subarray(0, 50) });
      good[5] ^= 0xff; // corrupt the CRC-32
      const r = await converse(server.port, [bytesOf(hello({ size: file.length })), good]);
      assert.equal(r.messages[0].type, "ack");
      assert.equal(errorCode(r.messages), "bad-checksum");
      await waitUntil(() => jobDirs(server).length === 0, 5000, "job dir removal");
    });
    await t.step("upload-end with a wrong SHA-256 → error file-checksum", async () => {
      const r = await converse(
        server.port,
        bytesOf(
          hello({ size: file.length }),
          { type: "upload-chunk", data: file },
          { type: "upload-end", size: file.length, sha256: "0".repeat(64) },
        ),
      );
      assert.equal(errorCode(r.messages), "file-checksum");
      await waitUntil(() => jobDirs(server).length === 0, 5000, "job dir removal");
      const record = server.registry.list()[0];
      assert.equal(record.result.state, "cancelled");
    });
    await t.step("more bytes than announced → error size-mismatch", async () => {
      const r = await converse(
        server.port,
        bytesOf(hello({ size: 10 }), { type: "upload-chunk", data: file.subarray(0, 11) }),
      );
      assert.equal(errorCode(r.messages), "size-mismatch");
    });
    await t.step("client gone mid-upload → job cancelled, temp files gone", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(bytesOf(hello({ size: file.length }), {
        type: "upload-chunk",
        data: file.subarray(0, 100),
      }));
      await waitUntil(() => server.activeJobs === 1, 5000, "the job to start");
      assert.equal(jobDirs(server).length, 1);
      conn.close();
      await waitUntil(() => server.activeJobs === 0, 5000, "the job to end");
      assert.equal(server.registry.list()[0].result.state, "cancelled");
      await waitUntil(() => jobDirs(server).length === 0, 5000, "job dir removal");
    });
    await t.step(
      "busy server refuses; client gone while processing → job cancelled, files gone",
      async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: hangServer.port });
        await conn.write(bytesOf(
          hello({ size: file.length }),
          { type: "upload-chunk", data: file },
          { type: "upload-end", size: file.length, sha256: sha256Hex(file) },
        ));
        await waitUntil(
          () =>
            hangServer.registry.list()[0]?.result.state === "running" &&
            hangServer.activeJobs === 1,
          5000,
          "the job to run",
        );
        const jobId = hangServer.registry.list()[0].id;
        await waitUntil(
          () => (hangServer.registry.get(jobId)?.done ?? 0) > 0,
          20_000,
          "some frames to be processed",
        );
        assert.ok(await exists(`${hangServer.workDir}/${jobId}`));
        // Its one job slot is taken: the next client is told the server is busy.
        const busy = await converse(hangServer.port, bytesOf(hello({ size: file.length })));
        const ack = busy.messages[0];
        assert.equal(ack?.type === "ack" && !ack.ok ? ack.code : null, "server-busy");
        assert.ok(ack.type === "ack" && !ack.ok && ack.retryAfterMs! > 0);
        conn.close();
        await waitUntil(() => hangServer.activeJobs === 0, 10_000, "the job to end");
        assert.equal(hangServer.registry.get(jobId)!.result.state, "cancelled");
        await waitUntil(
          async () => !(await exists(`${hangServer.workDir}/${jobId}`)),
          5000,
          "dir removal",
        );
        assert.equal(await hangQueue.depth(), 0);
      },
    );
    await t.step("after all that, a good client is served", async () => {
      const result = await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${server.port}`,
        output: `${dir}/ok.mp4`,
      });
      assert.equal(result.state, "done");
      assert.ok((await Deno.stat(`${dir}/ok.mp4`)).size > 0);
    });
  } finally {
    await stack.close();
    await hangServer.close();
    await hangQueue.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client errors: unreachable server, refusal, no output file left", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-client-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const freePort = listener.addr.port;
  listener.close();
  try {
    await assert.rejects(
      runJob({ input, filter: "invert", server: `127.0.0.1:${freePort}`, output: `${dir}/x.mp4` }),
      (e) =>
        e instanceof Error && e.name === "ServerUnreachableError" && /127.0.0.1:/.test(e.message),
    );
    const stack = await startServerStack({ port: 0, preview: false, codec: "wasm", threads: 1 });
    const server = stack.server;
    try {
      await assert.rejects(
        runJob({
          input,
          filter: "nosuch",
          server: `127.0.0.1:${server.port}`,
          output: `${dir}/x.mp4`,
        }),
        (e) =>
          e instanceof Error && e.name === "JobRefusedError" && /unknown-filter/.test(e.message),
      );
      const garbage = `${dir}/garbage.mp4`;
      await Deno.writeTextFile(garbage, "this is not a video at all\n".repeat(100));
      await assert.rejects(
        runJob({
          input: garbage,
          filter: "invert",
          server: `127.0.0.1:${server.port}`,
          output: `${dir}/x.mp4`,
        }),
        (e) => e instanceof Error && e.name === "JobFailedError" && /failed/.test(e.message),
      );
    } finally {
      await stack.close();
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["garbage.mp4"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
