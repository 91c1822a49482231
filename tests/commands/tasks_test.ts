import assert from "node:assert/strict";
import { runDeno, vframe } from "./run_cli.ts";
import { createQueue } from "../../src/commands/stack.ts";
import { RedisMissingError, startRedis } from "../helpers/redis.ts";

const DENO_JSON = new URL("../../deno.json", import.meta.url);

interface Task {
  command: string;
  description: string;
}

Deno.test("deno.json: every task has a description, and `deno task` lists them", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(DENO_JSON)).tasks as Record<string, Task>;
  for (const [name, task] of Object.entries(tasks)) {
    assert.equal(typeof task, "object", `${name} is a { command, description } object`);
    assert.match(task.command, /^node_modules\//, name);
    assert.ok(task.description.length > 10, `${name} has a description`);
  }
  const listing = await runDeno(["task"]);
  const text = listing.stdout + listing.stderr;
  for (const [name, task] of Object.entries(tasks)) {
    assert.ok(text.includes(`- ${name}\n`), `deno task lists ${name}`);
    assert.ok(text.includes(task.description), `deno task shows ${name}'s description`);
    assert.ok(text.includes(task.command), `deno task shows ${name}'s command`);
  }
});

Deno.test("deno task bench --help and -h print the usage and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const run = await runDeno(["task", "-q", "bench", flag]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^usage: deno task bench <filters\|codec\|offline\|pipeline\|scale>/);
    assert.doesNotMatch(run.stdout + run.stderr, /unknown benchmark/);
  }
  const bad = await runDeno(["task", "-q", "bench", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown benchmark 'nope'/);
});

Deno.test("worker --help states the --concurrency default once", async () => {
  const help = (await vframe(["worker", "--help"])).stdout;
  const option = /--concurrency <n>([\s\S]*?)\n {2}-/.exec(help)?.[1] ?? "";
  assert.match(option, /2\/3 of the logical cores/);
  assert.equal(option.match(/default/g)?.length, 1, option);
});

Deno.test("server --queue: in --help, and given to the BullMQ queue", async () => {
  const help = (await vframe(["server", "--help"])).stdout.replace(/\s+/g, " ");
  assert.match(help, /--queue <name> BullMQ queue name, with --redis; workers/);
  assert.match(help, /default: vframe-frames/);
  const bad = await vframe(["server", "--queue"]);
  assert.equal(bad.code, 2);
  let redis;
  try {
    redis = await startRedis();
  } catch (error) {
    if (error instanceof RedisMissingError) return; // the --help part still ran
    throw error;
  }
  try {
    const queue = await createQueue({ redisUrl: redis.url, queueName: "vframe-test-queue" });
    try {
      assert.equal((queue as { queueName?: string }).queueName, "vframe-test-queue");
    } finally {
      await queue.close();
    }
  } finally {
    await redis.stop();
  }
});
