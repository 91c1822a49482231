import assert from "node:assert/strict";
import { resolveRedisUrl } from "../../src/commands/redis_url.ts";
import { redactUrl, redisOptionsFromUrl } from "../../src/queue/bullmq/redis.ts";

const noEnv = (_: string) => undefined;

Deno.test("resolveRedisUrl: the URL unchanged without a file or REDIS_PASSWORD", async () => {
  assert.equal(
    await resolveRedisUrl({ url: "redis://h:6379/2", env: noEnv }),
    "redis://h:6379/2",
  );
});

Deno.test("resolveRedisUrl: REDIS_PASSWORD goes into the URL, encoded, and never shows redacted", async () => {
  const url = await resolveRedisUrl({
    url: "rediss://h:6380/1",
    env: (n) => n === "REDIS_PASSWORD" ? "p@ss:w/rd" : undefined,
  });
  const o = redisOptionsFromUrl(url);
  assert.equal(o.password, "p@ss:w/rd");
  assert.equal(o.username, undefined);
  assert.deepEqual(o.tls, {});
  assert.equal(o.db, 1);
  assert.ok(!redactUrl(url).includes("p%40ss"), redactUrl(url));
});

Deno.test("resolveRedisUrl: the file's first line wins over REDIS_PASSWORD; keeps a user name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/pw`;
    await Deno.writeTextFile(file, "from-file\nignored\n");
    const url = await resolveRedisUrl({
      url: "redis://vframe@h:6379",
      passwordFile: file,
      env: () => "from-env",
    });
    const o = redisOptionsFromUrl(url);
    assert.equal(o.password, "from-file");
    assert.equal(o.username, "vframe");
    await Deno.writeTextFile(file, "\n");
    await assert.rejects(
      resolveRedisUrl({ url: "redis://h", passwordFile: file, env: noEnv }),
      /is empty/,
    );
    await assert.rejects(
      resolveRedisUrl({ url: "redis://h", passwordFile: `${dir}/missing`, env: noEnv }),
      (e: Error) => e.name === "UsageError" && /cannot read --redis-password-file/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
