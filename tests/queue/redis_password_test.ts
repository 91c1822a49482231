/**
 * Redis credentials reach a worker from the environment, never from its command line (which every
 * user of the machine can read in /proc/PID/cmdline), and are never printed.
 */
import assert from "node:assert/strict";
import { startRedis } from "../helpers/redis.ts";
import { startWorker } from "./worker_process.ts";

const SECRET = "s3cret-pass-6d1f";

Deno.test("worker: REDIS_PASSWORD authenticates; the password is in neither argv nor output", async () => {
  const redis = await startRedis({ args: ["--requirepass", SECRET] });
  try {
    const worker = await startWorker({ redisUrl: redis.url, env: { REDIS_PASSWORD: SECRET } });
    try {
      const cmdline = await Deno.readTextFile(`/proc/${worker.child.pid}/cmdline`);
      assert.ok(!cmdline.includes(SECRET), "the password is not on the command line");
      assert.ok(cmdline.includes(redis.url), cmdline.replaceAll("\0", " "));
      assert.equal(await worker.stop(), 0);
      assert.ok(!worker.lines.join("\n").includes(SECRET), worker.lines.join("\n"));
    } finally {
      await worker.stop().catch(() => {});
    }
    // Without the password the worker cannot start, and says why without echoing anything secret.
    await assert.rejects(
      startWorker({ redisUrl: redis.url, env: { REDIS_PASSWORD: "wrong-pw-91" } }),
      (e: Error) =>
        /exited \(code 1\)/.test(e.message) && /WRONGPASS/.test(e.message) &&
        /:\*\*\*@127\.0\.0\.1/.test(e.message) && !e.message.includes("wrong-pw-91"),
    );
  } finally {
    await redis.stop();
  }
});
