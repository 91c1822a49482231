/**
 * getBytes: a stored frame comes back in memory of its own (not a view into ioredis's reply
 * buffer, which Deno may detach before an awaiting caller resumes — seen as "input frame has
 * 0 bytes" in about half the runs of the BullMQ contract suite before the fix).
 */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { getBytes, toBuffer } from "../../src/queue/bullmq/redis.ts";
import { startRedis } from "../helpers/redis.ts";

Deno.test("getBytes: the bytes, in a buffer of their own; null for a missing key", async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  try {
    const frames = Array.from({ length: 16 }, (_, i) => new Uint8Array(928).fill(i + 1));
    await Promise.all(frames.map((f, i) => redis.set(`k${i}`, toBuffer(f))));
    // Many replies at once, so that several arrive in one socket read.
    const got = await Promise.all(frames.map((_, i) => getBytes(redis, `k${i}`)));
    for (const [i, g] of got.entries()) {
      assert.ok(g);
      assert.deepEqual(g, frames[i]);
      assert.equal(g.byteOffset, 0);
      assert.equal(g.buffer.byteLength, 928, "owns its memory: not a view into a reply buffer");
    }
    assert.equal(await getBytes(redis, "missing"), null);
  } finally {
    redis.disconnect();
    await server.stop();
  }
});
