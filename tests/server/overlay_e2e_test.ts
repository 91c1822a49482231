/**
 * overlay over the network: the client reads the PNG on its machine and sends it with the
 * `hello`; the server keeps it by content and never opens a path a client names. The issue's
 * chain (scale, crop, fade, overlay) gives the offline command's frames through the embedded
 * pool, BullMQ frames and BullMQ segments — the worker on a folder of its own, so the image
 * reaches it through Redis.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import type { Frame } from "../../src/codec/frame.ts";
import { assetKey } from "../../src/queue/bullmq/keys.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import { PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { sha256Hex } from "../../src/filters/overlay_assets.ts";
import { startRedis } from "../helpers/redis.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { vframe } from "../commands/run_cli.ts";
import { decodeAll, startWorker } from "./support.ts";
import { Redis } from "ioredis";

const LOGO = new URL("../filters/fixtures/overlay_big.png", import.meta.url).pathname;
const BASE = "scale=-2:120,crop=iw-20:ih,fade=t=in:d=0.5";
const CHAIN = `${BASE},overlay=file=${LOGO}:x=10:y=10`;
/** 320x240 → 160x120 → 140x120; the 70x41 logo at (10, 10). */
const OUT = { width: 140, height: 120 };
const ENCODE = { crf: 18, preset: "veryfast" as const };

/** Mean |a − b| of the luma inside the logo's window (x 10..79, y 10..50). */
function logoDiff(a: Frame, b: Frame): number {
  let sum = 0;
  let n = 0;
  for (let y = 10; y < 51; y++) {
    for (let x = 10; x < 80; x++) {
      sum += Math.abs(a.data[y * a.width + x] - b.data[y * b.width + x]);
      n++;
    }
  }
  return sum / n;
}

/** Mean |a − b| over a whole frame's bytes. */
function frameDiff(a: Frame, b: Frame): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

async function offline(input: string, output: string, chain: string): Promise<Frame[]> {
  const run = await vframe([
    ...["filter", input, output, "--filter", chain, "--codec", "native"],
    ...["--crf", String(ENCODE.crf), "--preset", ENCODE.preset],
  ]);
  assert.equal(run.code, 0, run.stderr);
  return await decodeAll(output);
}

/** The frames a server made of `input` with CHAIN, checked against the offline command's. */
async function throughServer(
  input: string,
  output: string,
  expected: { withLogo: Frame[]; without: Frame[] },
  stackOptions: Parameters<typeof startServerStack>[0],
): Promise<void> {
  const stack = await startServerStack({
    port: 0,
    preview: false,
    threads: 2,
    codec: "native",
    ...stackOptions,
  });
  try {
    const result = await runJob({
      input,
      filter: CHAIN,
      server: `127.0.0.1:${stack.server.port}`,
      output,
      options: ENCODE,
    });
    assert.equal(result.state, "done", result.error);
    assert.equal(result.frames.fallback, 0);
    assert.doesNotMatch(result.filter, new RegExp(LOGO), "the server never saw the path");
    const frames = await decodeAll(output);
    assert.equal(frames.length, expected.withLogo.length);
    assert.deepEqual([frames[0].width, frames[0].height], [OUT.width, OUT.height]);
    for (const [i, frame] of frames.entries()) {
      const d = frameDiff(frame, expected.withLogo[i]);
      assert.ok(d < 2.5, `frame ${i}: mean difference ${d} from the offline command's`);
      const logo = logoDiff(frame, expected.without[i]);
      assert.ok(logo > 10, `frame ${i}: the logo is missing (${logo} from no overlay)`);
    }
  } finally {
    await stack.close();
  }
}

Deno.test("overlay over the network: embedded pool, BullMQ frames and segments, as offline", async (t) => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1, audio: true });
  const dir = await Deno.makeTempDir({ prefix: "vframe-overlay-e2e-" });
  try {
    const expected = {
      withLogo: await offline(input, `${dir}/offline.mp4`, CHAIN),
      without: await offline(input, `${dir}/base.mp4`, BASE),
    };
    assert.equal(expected.withLogo.length, 30);

    await t.step("embedded pool", async () => {
      await throughServer(input, `${dir}/embedded.mp4`, expected, {});
    });

    const redis = await startRedis();
    const workerDir = await Deno.makeTempDir({ prefix: "vframe-worker-assets-" });
    const worker = await startWorker(redis.url, {
      concurrency: 2,
      env: { VFRAME_ASSET_DIR: workerDir },
    });
    const client = new Redis(redis.url);
    try {
      for (const unit of ["frame", "segment"] as const) {
        await t.step(`BullMQ ${unit}s, the image through Redis`, async () => {
          await Deno.remove(workerDir, { recursive: true }).catch(() => {});
          await throughServer(input, `${dir}/${unit}.mp4`, expected, {
            redisUrl: redis.url,
            unit,
          });
          const hash = sha256Hex(Deno.readFileSync(LOGO));
          assert.ok(
            Deno.statSync(`${workerDir}/${hash}.png`).isFile,
            "the worker kept the image in its own folder",
          );
          assert.ok((await client.pttl(assetKey(hash))) > 0, "the image is in Redis with a TTL");
          assert.deepEqual(await client.keys("vframe:*"), [], "no job key left");
        });
      }
    } finally {
      client.disconnect();
      await worker.stop();
      await redis.stop();
      await Deno.remove(workerDir, { recursive: true }).catch(() => {});
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("overlay over the network: a path is refused before anything is read or uploaded", async () => {
  const input = await makeSampleVideo({ width: 64, height: 48, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-overlay-" });
  const stack = await startServerStack({ port: 0, preview: false, threads: 1, codec: "wasm" });
  try {
    // A hand-made hello naming a path (vframe client never sends one).
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: stack.server.port });
    const c = new MessageConnection(conn, { from: "server" });
    await c.send({
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: "in.mp4",
      size: 1000,
      filter: "invert,overlay=file=/etc/passwd:x=4:y=4",
      options: {},
    });
    const ack = await c.next();
    c.close();
    assert.ok(ack?.type === "ack" && !ack.ok, JSON.stringify(ack));
    assert.equal(ack.code, "bad-filter");
    assert.match(ack.reason, /a server never opens a path a client names/);
    assert.equal(stack.server.registry.list().length, 0, "no job was admitted");

    // The client with a missing image: refused on this side, before connecting.
    const error = await runJob({
      input,
      filter: "invert,overlay=file=/nonexistent/logo.png",
      server: `127.0.0.1:${stack.server.port}`,
      output: `${dir}/out.mp4`,
    }).then(() => undefined, (e: Error) => e);
    assert.match(String(error?.message), /cannot read overlay file '\/nonexistent\/logo\.png'/);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no output");
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});
