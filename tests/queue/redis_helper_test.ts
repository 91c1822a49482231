import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisMissingError, startRedis } from "../helpers/redis.ts";

Deno.test("test Redis helper: a real server with noeviction and no persistence", async () => {
  const server = await startRedis();
  const redis = new Redis(server.url);
  try {
    assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await redis.config("GET", "maxmemory-policy"), [
      "maxmemory-policy",
      "noeviction",
    ]);
    assert.deepEqual(await redis.config("GET", "appendonly"), ["appendonly", "no"]);
    assert.deepEqual(await redis.config("GET", "save"), ["save", ""]);
  } finally {
    redis.disconnect();
    await server.stop();
  }
});

Deno.test("test Redis helper: a missing binary fails with the install command", async () => {
  await assert.rejects(
    startRedis({ bin: "/nonexistent/redis-server" }),
    (e: Error) =>
      e instanceof RedisMissingError && /apt-get install -y redis-server/.test(e.message),
  );
});
