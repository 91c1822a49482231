/**
 * Clients that try to take more of the server than it gives: many hellos at the same moment
 * (`--max-jobs` must hold), and uploads that trickle (an overall deadline and a minimum rate,
 * with the job slot freed).
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { MessageDecoder } from "../../src/protocol/codec.ts";
import { type Message, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import type { VframeServer } from "../../src/server/server.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { bytesOf, waitUntil } from "./support.ts";

const hello = (size: number): Message => ({
  type: "hello",
  version: PROTOCOL_VERSION,
  fileName: "in.mp4",
  size,
  filter: "invert",
  options: {},
});

/** A hand-driven client: raw writes, every server message collected in the background. */
class RawClient {
  readonly messages: Message[] = [];
  closed = false;
  readonly #decoder = new MessageDecoder({ from: "server" });
  readonly #reading: Promise<void>;

  private constructor(readonly conn: Deno.Conn) {
    this.#reading = this.#read();
  }

  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        this.messages.push(...this.#decoder.push(buf.subarray(0, n)));
      }
    } catch { /* reset */ }
    this.closed = true;
  }

  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      let at = 0;
      while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
      return true;
    } catch {
      return false;
    }
  }

  first(type: string): Message | undefined {
    return this.messages.find((m) => m.type === type);
  }

  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* closed */ }
    await this.#reading;
  }
}

const ackOf = (c: RawClient) => c.first("ack") as Extract<Message, { type: "ack" }> | undefined;

Deno.test("max-jobs holds under 20 simultaneous hellos; the slots are freed afterwards", async () => {
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    maxJobs: 2,
  });
  const server = stack.server;
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < 20; i++) clients.push(await RawClient.connect(server.port));
    // Every hello leaves at once, so the server reads them all in the same few event loop turns.
    const bytes = bytesOf(hello(1000));
    await Promise.all(clients.map((c) => c.write(bytes)));
    await waitUntil(() => clients.every((c) => ackOf(c) !== undefined), 10_000, "20 acks");
    const acks = clients.map(ackOf);
    const accepted = acks.filter((a) => a?.ok);
    const refused = acks.filter((a) => a && !a.ok);
    assert.equal(accepted.length, 2, `accepted ${accepted.length} of 20 with --max-jobs 2`);
    assert.equal(refused.length, 18);
    for (const a of refused) {
      assert.equal(a && !a.ok ? a.code : null, "server-busy");
      assert.match(a && !a.ok ? a.reason : "", /--max-jobs 2/);
    }
    assert.equal(server.slotsInUse, 2);
    assert.equal(server.activeJobs, 2);
    for (const c of clients) await c.close();
    await waitUntil(
      () => server.slotsInUse === 0 && server.activeJobs === 0,
      10_000,
      "freed slots",
    );
    assert.equal(server.memory.reservedBytes, 0);

    // Freed: the next hellos are admitted again (and again exactly two).
    const again: RawClient[] = [];
    for (let i = 0; i < 3; i++) again.push(await RawClient.connect(server.port));
    await Promise.all(again.map((c) => c.write(bytes)));
    await waitUntil(() => again.every((c) => ackOf(c) !== undefined), 10_000, "3 acks");
    assert.equal(again.filter((c) => ackOf(c)?.ok).length, 2);
    for (const c of again) await c.close();
    await waitUntil(() => server.slotsInUse === 0, 10_000, "freed slots");
  } finally {
    for (const c of clients) await c.close();
    await stack.close();
  }
});

/** Sends a 1-byte chunk every `everyMs` until the server answers with an error or closes. */
async function trickle(c: RawClient, everyMs: number, maxMs: number): Promise<number> {
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < maxMs && !c.closed && !c.first("error")) {
    if (!(await c.write(bytesOf({ type: "upload-chunk", data: new Uint8Array([sent & 0xff]) })))) {
      break;
    }
    sent++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return performance.now() - t0;
}

async function withLimitedServer(
  fn: (server: VframeServer) => Promise<void>,
  limits: { uploadTimeoutMs?: number; minUploadBytesPerSecond?: number; windowMs?: number },
): Promise<void> {
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    maxJobs: 1,
    readTimeoutMs: 30_000,
    uploadTimeoutMs: limits.uploadTimeoutMs,
    minUploadBytesPerSecond: limits.minUploadBytesPerSecond,
    uploadRateWindowMs: limits.windowMs,
  });
  try {
    await fn(stack.server);
  } finally {
    await stack.close();
  }
}

Deno.test("an upload past its deadline is dropped with a timeout, and its slot is freed", async () => {
  await withLimitedServer(async (server) => {
    const c = await RawClient.connect(server.port);
    try {
      // 2 GB announced, then one byte every 200 ms: each message well within the read timeout.
      await c.write(bytesOf(hello(2_000_000_000)));
      await waitUntil(() => ackOf(c) !== undefined, 5_000, "the ack");
      assert.equal(ackOf(c)?.ok, true);
      assert.equal(server.slotsInUse, 1);
      const took = await trickle(c, 200, 15_000);
      const error = c.first("error");
      assert.equal(error?.type === "error" ? error.code : null, "timeout", `after ${took} ms`);
      assert.match(
        error?.type === "error" ? error.message : "",
        /upload not complete within 2 s \(--upload-timeout\): received \d+ of 2000000000 bytes/,
      );
      assert.ok(took >= 1_800 && took < 6_000, `dropped after ${took} ms`);
      await waitUntil(() => server.slotsInUse === 0 && server.activeJobs === 0, 5_000, "the slot");
      assert.equal(server.registry.list()[0].result.state, "cancelled");
    } finally {
      await c.close();
    }
  }, { uploadTimeoutMs: 2_000, minUploadBytesPerSecond: 0 });
});

Deno.test("an upload below the minimum rate is dropped; a normal one is not", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-rate-" });
  try {
    await withLimitedServer(async (server) => {
      const c = await RawClient.connect(server.port);
      try {
        await c.write(bytesOf(hello(2_000_000_000)));
        await waitUntil(() => ackOf(c) !== undefined, 5_000, "the ack");
        // ~50 bytes/s on the wire, against a minimum of 20 KiB/s over 1 s.
        const took = await trickle(c, 100, 15_000);
        const error = c.first("error");
        assert.equal(error?.type === "error" ? error.code : null, "timeout", `after ${took} ms`);
        assert.match(
          error?.type === "error" ? error.message : "",
          /upload too slow: \d+ bytes in the last 1 s \([\d.]+ KiB\/s\), below the minimum of 20 KiB\/s \(--min-upload-rate\)/,
        );
        assert.ok(took >= 900 && took < 5_000, `dropped after ${took} ms`);
        await waitUntil(() => server.slotsInUse === 0, 5_000, "the slot");
      } finally {
        await c.close();
      }
      // A real client on loopback is far above the minimum.
      const result = await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${server.port}`,
        output: `${dir}/ok.mp4`,
      });
      assert.equal(result.state, "done");
      await waitUntil(() => server.slotsInUse === 0, 10_000, "the slot");
    }, { minUploadBytesPerSecond: 20 * 1024, windowMs: 1_000 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a client that stops sending mid-upload is dropped by the rate check before the read timeout", async () => {
  await withLimitedServer(async (server) => {
    const c = await RawClient.connect(server.port);
    try {
      await c.write(
        bytesOf(hello(1_000_000), { type: "upload-chunk", data: new Uint8Array(50_000) }),
      );
      await waitUntil(() => c.first("error") !== undefined || c.closed, 10_000, "the drop");
      const error = c.first("error");
      assert.equal(error?.type === "error" ? error.code : null, "timeout");
      assert.match(error?.type === "error" ? error.message : "", /upload too slow: 0 bytes/);
      await waitUntil(() => server.slotsInUse === 0, 5_000, "the slot");
    } finally {
      await c.close();
    }
  }, { minUploadBytesPerSecond: 1024, windowMs: 1_500 });
});
