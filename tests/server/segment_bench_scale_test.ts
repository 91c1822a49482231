/**
 * `deno task bench scale`'s command line and its pure parts (the benchmark itself is not run by
 * the tests): options parsed and checked, cgroup quota files for v1 and v2, the table's speed-up
 * and efficiency against each unit's own one-worker run.
 */
import assert from "node:assert/strict";
import { BenchUsageError } from "../../scripts/bench/args.ts";
import { formatTable, parseScaleArgs, quotaFiles } from "../../scripts/bench/scale.ts";

Deno.test("bench scale: defaults, options, and bad values named", () => {
  assert.equal(parseScaleArgs(["--help"]), undefined);
  assert.equal(parseScaleArgs(["--workers", "9", "-h"]), undefined);
  assert.deepEqual(parseScaleArgs([]), {
    workers: [1, 2, 4],
    units: ["segment", "frame"],
    seconds: 20,
    width: 1280,
    height: 720,
    fps: 30,
    keyint: 1,
    filter: "boxblur=radius=5",
    workerCpu: 0.3,
    serverCpu: 0.5,
    concurrency: 1,
    segmentSeconds: 2,
  });
  const c = parseScaleArgs([
    ...["--workers", "4,1,2,2", "--units", "segment", "--size", "640x360", "--worker-cpu", "1"],
  ])!;
  assert.deepEqual([c.workers, c.units, c.width, c.height, c.workerCpu], [
    [1, 2, 4],
    ["segment"],
    640,
    360,
    1,
  ]);
  const bad: [string[], RegExp][] = [
    [["--workers", "2,4"], /--workers must include 1/],
    [["--workers", "1,x"], /--workers must list integers in 1\.\.64, got '1,x'/],
    [["--units", "segment,chunk"], /--units must list segment and\/or frame/],
    [["--size", "big"], /--size must be WxH/],
    [["--worker-cpu", "0"], /--worker-cpu must be a number in \(0, 64\], got '0'/],
    [["--fps", "2.5"], /--fps must be an integer >= 1/],
    [["--bogus"], /unknown option '--bogus'/],
  ];
  for (const [args, message] of bad) {
    assert.throws(
      () => parseScaleArgs(args),
      (e) => e instanceof BenchUsageError && message.test(e.message),
    );
  }
});

Deno.test("bench scale: cgroup quota files, v2 cpu.max and v1 cfs quota", () => {
  assert.deepEqual(quotaFiles(2, "/g/w", 0.3), [["/g/w/cpu.max", "30000 100000"]]);
  assert.deepEqual(quotaFiles(1, "/g/cpu/w", 0.5), [
    ["/g/cpu/w/cpu.cfs_period_us", "100000"],
    ["/g/cpu/w/cpu.cfs_quota_us", "50000"],
  ]);
});

Deno.test("bench scale: speed-up and efficiency against each unit's one-worker run", () => {
  const row = (unit: string, workers: number, wallS: number) => ({
    unit,
    workers,
    wallS,
    frames: 600,
    serverCpuS: 1.2,
    redisBytes: 600 * 30_000,
  });
  const table = formatTable([
    row("segment", 1, 40),
    row("segment", 4, 12.5),
    row("frame", 1, 26),
    row("frame", 4, 22.6),
  ]);
  assert.match(table, /^\| segment \| 4 \| 12\.5 \| 3\.20× \| 80 % \| 2\.0 \| 30,000 \|$/m);
  assert.match(table, /^\| frame \| 4 \| 22\.6 \| 1\.15× \| 29 % \| 2\.0 \| 30,000 \|$/m);
  assert.match(table, /^\| segment \| 1 \| 40\.0 \| 1\.00× \| 100 % \|/m);
});
