/**
 * A connection lost in the middle of the upload: a real server and the real client, with a TCP
 * proxy between them that cuts the first connection after half the file. The client re-attaches
 * (with the token proof), the upload resumes from the last byte the server stored — the byte
 * counts show it did not start over — the job keeps its id, and the output is right. Also: a
 * second connection that attaches replaces the first (`error detached`), and Ctrl-C (the abort
 * signal) still cancels a job at once whatever the grace period.
 */
import assert from "node:assert/strict";
import { type ReattachEvent, runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { attachProof, authProof } from "../../src/protocol/auth.ts";
import { sha256Hex } from "../../src/protocol/checksum.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import { type Message, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { probe } from "../../src/codec/mod.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startCutProxy } from "../protocol/cut_proxy.ts";
import { compareOutput, max } from "./compare.ts";
import { exists, waitUntil } from "./support.ts";

const TOKEN = "resume-test-token-0123456789";
const auth = { mode: "token" as const, token: TOKEN };
const noEnv = () => undefined;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-resume-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resume: an upload cut halfway goes on from the server's last byte; same job, right output", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const size = (await Deno.stat(input)).size;
  assert.ok(size > 8 * 16_384, `the clip is big enough for many chunks (${size} bytes)`);
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    auth,
    detachGraceMs: 20_000,
  });
  const cutAt = Math.floor(size / 2);
  const proxy = startCutProxy({ port: stack.server.port }, { cutUpAfter: cutAt });
  try {
    await withTempDir(async (dir) => {
      const events: ReattachEvent[] = [];
      let accepted: string | undefined;
      const output = `${dir}/out.mp4`;
      const result = await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${proxy.port}`,
        output,
        token: TOKEN,
        env: noEnv,
        chunkBytes: 16_384,
        reattachDelaysMs: [100, 300, 1_000],
        onAccepted: (id) => accepted = id,
        onReattach: (event) => events.push(event),
      });
      assert.equal(result.state, "done");
      assert.equal(result.jobId, accepted, "the job kept its id");
      assert.equal(result.input.bytes, size);

      // One loss, one re-attach, on the second connection.
      assert.equal(proxy.connections.length, 2);
      assert.ok(proxy.connections[0].cut);
      assert.deepEqual(events.map((e) => e.kind), ["lost", "attached"]);
      const attached = events[1];
      assert.ok(attached.kind === "attached");
      assert.equal(attached.jobId, accepted);
      assert.equal(attached.size, size);
      assert.equal(attached.uploadDone, false);
      // The server kept what arrived whole (chunks cut in the middle are not stored) …
      assert.ok(
        attached.received > size / 8 && attached.received <= cutAt,
        `server had ${attached.received} of ${size} bytes after a cut at ${cutAt}`,
      );
      assert.equal(attached.received % 16_384, 0, "whole chunks only");
      // … and the second connection carried only the rest: not a new upload.
      const second = proxy.connections[1].up;
      const rest = size - attached.received;
      const chunks = Math.ceil(rest / 16_384);
      assert.ok(
        second >= rest && second < rest + chunks * 9 + 2_048,
        `second connection sent ${second} bytes for the ${rest} the server lacked`,
      );
      assert.ok(second < size, "less than a whole upload");
      const total = proxy.connections[0].up + second;
      assert.ok(total < size * 1.2, `${total} bytes sent in all for a ${size}-byte file`);

      // The output is right: every frame, each the filter applied to the input.
      const cmp = await compareOutput(input, output, "invert");
      assert.equal(cmp.outputInfo.frameCount, cmp.inputInfo.frameCount);
      assert.equal(result.frames.total, cmp.inputInfo.frameCount);
      assert.ok(max(cmp.toExpected) < 4, `output vs engine: ${max(cmp.toExpected)}`);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.mp4"]);
    });
  } finally {
    await proxy.close();
    await stack.close();
  }
});

Deno.test("resume: a connection lost while the job is processed is re-attached; the result and output arrive", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    detachGraceMs: 20_000,
    ratePerSecond: 10, // ~3 s of processing
  });
  const server = stack.server;
  const proxy = startCutProxy({ port: server.port });
  try {
    await withTempDir(async (dir) => {
      const events: ReattachEvent[] = [];
      let jobId: string | undefined;
      const running = runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${proxy.port}`,
        output: `${dir}/out.mp4`,
        reattachDelaysMs: [200, 500],
        onAccepted: (id) => jobId = id,
        onReattach: (event) => events.push(event),
      });
      await waitUntil(
        () => jobId !== undefined && (server.registry.get(jobId)?.done ?? 0) >= 2,
        20_000,
        "frames being processed",
      );
      proxy.cutAll();
      const result = await running;
      assert.equal(result.state, "done");
      assert.equal(result.jobId, jobId);
      assert.deepEqual(events.map((e) => e.kind), ["lost", "attached"]);
      const attached = events[1];
      assert.ok(
        attached.kind === "attached" && attached.uploadDone && attached.state === "running",
      );
      assert.equal(proxy.connections.length, 2);
      assert.ok(proxy.connections[1].up < 1_024, "the second connection uploaded nothing");
      assert.equal((await probe(`${dir}/out.mp4`)).frameCount, result.frames.total);
    });
  } finally {
    await proxy.close();
    await stack.close();
  }
});

/** Sends `messages` and reads what the server answers until `until` says so (or EOF, or 10 s). */
async function talk(
  c: MessageConnection,
  until: (m: Message) => boolean,
): Promise<Message[]> {
  const seen: Message[] = [];
  while (true) {
    const m = await c.next(10_000);
    if (m === null) return seen;
    seen.push(m);
    if (until(m)) return seen;
  }
}

Deno.test("resume: an attach replaces the connection that follows the job (error detached); the upload goes on where it was", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const file = await Deno.readFile(input);
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    auth,
    detachGraceMs: 20_000,
  });
  const server = stack.server;
  const connect = async () =>
    new MessageConnection(await Deno.connect({ hostname: "127.0.0.1", port: server.port }), {
      from: "server",
    });
  const first = await connect();
  let second: MessageConnection | undefined;
  try {
    const hello = {
      type: "hello" as const,
      version: PROTOCOL_VERSION,
      fileName: "clip.mp4",
      size: file.length,
      filter: "invert",
      options: {},
    };
    await first.send(hello);
    const challenge = await first.next(5_000);
    assert.ok(challenge?.type === "challenge");
    await first.send({ type: "auth", proof: authProof(TOKEN, challenge.nonce, hello) });
    const ack = await first.next(5_000);
    assert.ok(ack?.type === "ack" && ack.ok);
    const jobId = ack.jobId;
    const half = 5 * 16_384;
    for (let at = 0; at < half; at += 16_384) {
      await first.send({ type: "upload-chunk", data: file.subarray(at, at + 16_384) });
    }
    // Stored: the server's progress says so (what is still in the socket's buffers is not).
    await talk(first, (m) => m.type === "progress" && m.bytesReceived === half);

    // A second connection attaches to the job while the first still follows it.
    second = await connect();
    await second.send({ type: "attach", version: PROTOCOL_VERSION, jobId });
    const challenge2 = await second.next(5_000);
    assert.ok(challenge2?.type === "challenge");
    // A proof over another job id is refused like a wrong token.
    const wrong = await connect();
    try {
      await wrong.send({ type: "attach", version: PROTOCOL_VERSION, jobId });
      const c3 = await wrong.next(5_000);
      assert.ok(c3?.type === "challenge");
      await wrong.send({ type: "auth", proof: attachProof(TOKEN, c3.nonce, "another-job") });
      const refusal = await wrong.next(5_000);
      assert.ok(refusal?.type === "ack" && !refusal.ok && refusal.code === "unauthorized");
    } finally {
      wrong.close();
    }
    await second.send({ type: "auth", proof: attachProof(TOKEN, challenge2.nonce, jobId) });
    const attached = await talk(second, (m) => m.type === "attached" || m.type === "ack");
    const answer = attached.at(-1);
    assert.ok(answer?.type === "attached", JSON.stringify(answer));
    assert.equal(answer.jobId, jobId);
    assert.equal(answer.received, half, "every chunk the first connection sent is stored");
    assert.equal(answer.uploadDone, false);
    assert.equal(answer.size, file.length);
    assert.equal(answer.state, "running");

    // The first connection was told and closed.
    const told = await talk(first, (m) => m.type === "error");
    const error = told.at(-1);
    assert.ok(error?.type === "error" && error.code === "detached", JSON.stringify(error));

    // The rest of the upload on the second connection; the job ends there with its output.
    for (let at = half; at < file.length; at += 16_384) {
      await second.send({ type: "upload-chunk", data: file.subarray(at, at + 16_384) });
    }
    await second.send({ type: "upload-end", size: file.length, sha256: sha256Hex(file) });
    const rest = await talk(second, (m) => m.type === "output-end" || m.type === "error");
    const result = rest.find((m) => m.type === "result");
    assert.ok(result?.type === "result" && result.result.state === "done", JSON.stringify(result));
    assert.equal(result.result.jobId, jobId);
    assert.equal(rest.at(-1)?.type, "output-end");
  } finally {
    first.close();
    second?.close();
    await stack.close();
  }
});

Deno.test("resume: Ctrl-C (the abort signal) cancels the job at once, grace period or not", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    detachGraceMs: 60_000,
    ratePerSecond: 5, // slow: the job is surely still running
  });
  const server = stack.server;
  try {
    await withTempDir(async (dir) => {
      const controller = new AbortController();
      let jobId: string | undefined;
      const running = runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${server.port}`,
        output: `${dir}/out.mp4`,
        signal: controller.signal,
        onAccepted: (id) => jobId = id,
      });
      const rejected = assert.rejects(
        running,
        (e) => e instanceof Error && e.name === "JobCancelledError",
      );
      await waitUntil(
        () => jobId !== undefined && (server.registry.get(jobId)?.done ?? 0) > 0,
        20_000,
        "the first frames",
      );
      const t0 = performance.now();
      controller.abort(new Error("interrupted"));
      await rejected;
      await waitUntil(() => server.activeJobs === 0, 2_000, "the job to end");
      const took = performance.now() - t0;
      assert.ok(took < 2_000, `cancelled after ${took} ms`);
      assert.equal(server.registry.get(jobId!)!.result.state, "cancelled");
      assert.match(server.registry.get(jobId!)!.result.error ?? "", /cancelled by the client/);
      await waitUntil(
        async () => !(await exists(`${server.workDir}/${jobId}`)),
        5_000,
        "the job's files removed",
      );
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no output, no part file");
    });
  } finally {
    await stack.close();
  }
});
