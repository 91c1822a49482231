import assert from "node:assert/strict";
import { treeCpuSeconds } from "../../scripts/bench/server_rows.ts";
import { parseFlags } from "../../scripts/bench/offline.ts";
import { BenchUsageError } from "../../scripts/bench/args.ts";

Deno.test("treeCpuSeconds counts the CPU of children that were waited for", async () => {
  const before = treeCpuSeconds(Deno.pid);
  // A child that does some CPU work, prints its own /proc stat line, exits and is waited for.
  const out = await new Deno.Command("/bin/sh", {
    args: [
      "-c",
      "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; read -r l < /proc/$$/stat; echo $l",
    ],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  const stat = new TextDecoder().decode(out.stdout);
  const f = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
  const own = (Number(f[11]) + Number(f[12])) / 100;
  assert.ok(own >= 0.1, `the child should have spent some CPU, got ${own} s`);
  const spent = treeCpuSeconds(Deno.pid) - before;
  assert.ok(spent >= own - 0.02, `expected >= ${own} s of CPU counted, got ${spent}`);
});

Deno.test("bench offline --server: kinds, none, and a clear error for anything else", () => {
  assert.deepEqual(parseFlags([]).servers, ["embedded", "bullmq-frame", "bullmq-segment"]);
  assert.deepEqual(parseFlags(["--server", "none"]).servers, []);
  assert.deepEqual(parseFlags(["--server", "bullmq-segment"]).servers, ["bullmq-segment"]);
  assert.throws(() => parseFlags(["--server", "redis"]), BenchUsageError);
});
