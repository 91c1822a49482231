import assert from "node:assert/strict";
import {
  formatOutTime,
  formatProgress,
  parseProgressBlocks,
  progressSnapshot,
} from "../../src/util/progress_format.ts";

Deno.test("formatOutTime: HH:MM:SS.micro as ffmpeg writes out_time", () => {
  assert.equal(formatOutTime(0), "00:00:00.000000");
  assert.equal(formatOutTime(1_500_000), "00:00:01.500000");
  assert.equal(formatOutTime(62_000_001), "00:01:02.000001");
  assert.equal(formatOutTime(3_600_000_000 + 59 * 60e6 + 59_999_999), "01:59:59.999999");
  assert.equal(formatOutTime(123 * 3_600_000_000), "123:00:00.000000", "hours grow past 99");
  assert.throws(() => formatOutTime(-1), /finite number >= 0, got -1/);
  assert.throws(() => formatOutTime(NaN), /got NaN/);
});

Deno.test("progressSnapshot: out_time from frames and rate, fps, speed, elapsed", () => {
  const s = progressSnapshot({ frame: 45, totalFrames: 90, frameRate: { num: 30, den: 1 } }, 1500);
  assert.deepEqual(s, {
    frame: 45,
    totalFrames: 90,
    fps: 30,
    outTimeUs: 1_500_000,
    elapsedUs: 1_500_000,
    speed: 1,
    progress: "continue",
  });
  // 30000/1001: 100 frames are 3.336667 s; over 2 s that is 1.67x.
  const ntsc = progressSnapshot({ frame: 100, frameRate: { num: 30000, den: 1001 } }, 2000);
  assert.equal(ntsc.outTimeUs, 3_336_667);
  assert.equal(ntsc.speed, 1.67);
  assert.equal(ntsc.fps, 50);
  // The source's fps wins over frames/elapsed; it is rounded to two decimals.
  assert.equal(progressSnapshot({ frame: 10, fps: 12.3456 }, 5000).fps, 12.35);
});

Deno.test("progressSnapshot: unknowns are null, zero frames are zero time, the end has a status", () => {
  const unknown = progressSnapshot({ frame: 5 }, 1000);
  assert.equal(unknown.outTimeUs, null);
  assert.equal(unknown.speed, null);
  assert.equal(unknown.totalFrames, undefined);
  const start = progressSnapshot({ frame: 0 }, 0);
  assert.equal(start.outTimeUs, 0);
  assert.equal(start.fps, 0);
  assert.equal(start.speed, null, "no wall time yet: no speed");
  const end = progressSnapshot({ frame: 3, stage: "encode", fallbackFrames: 1 }, 10, {
    status: "failed",
  });
  assert.equal(end.progress, "end");
  assert.equal(end.status, "failed");
  assert.equal(end.stage, "encode");
  assert.equal(end.fallbackFrames, 1);
  assert.throws(() => progressSnapshot({ frame: -1 }, 0), /frame must be an integer >= 0, got -1/);
  assert.throws(() => progressSnapshot({ frame: 1.5 }, 0), /got 1.5/);
  assert.throws(() => progressSnapshot({ frame: 1 }, -5), /elapsed time .* got -5/);
});

Deno.test("formatProgress kv: ffmpeg's key=value lines in order, the last progress=", () => {
  const text = formatProgress(
    progressSnapshot({ frame: 45, totalFrames: 90, frameRate: { num: 30, den: 1 } }, 1234.5678),
  );
  assert.equal(
    text,
    [
      "frame=45",
      "total_frames=90",
      "fps=36.45",
      "out_time_us=1500000",
      "out_time=00:00:01.500000",
      "elapsed_us=1234568",
      "speed=1.21x",
      "progress=continue",
      "",
    ].join("\n"),
  );
  const client = formatProgress(
    progressSnapshot({ frame: 2, fps: 4, stage: "process", fallbackFrames: 0 }, 500, {
      status: "cancelled",
    }),
  );
  assert.equal(
    client,
    "frame=2\nfps=4.00\nstage=process\nfallback_frames=0\nout_time_us=N/A\nout_time=N/A\n" +
      "elapsed_us=500000\nspeed=N/A\nstatus=cancelled\nprogress=end\n",
  );
});

Deno.test("formatProgress ndjson: one JSON line, numbers as numbers, null for unknown", () => {
  const line = formatProgress(
    progressSnapshot({ frame: 60, totalFrames: 60, frameRate: { num: 25, den: 1 } }, 4800, {
      status: "done",
    }),
    "ndjson",
  );
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "one line");
  assert.deepEqual(JSON.parse(line), {
    frame: 60,
    total_frames: 60,
    fps: 12.5,
    out_time_us: 2_400_000,
    out_time: "00:00:02.400000",
    elapsed_us: 4_800_000,
    speed: 0.5,
    status: "done",
    progress: "end",
  });
  const unknown = JSON.parse(formatProgress(progressSnapshot({ frame: 1 }, 100), "ndjson"));
  assert.equal(unknown.out_time_us, null);
  assert.equal(unknown.out_time, null);
  assert.equal(unknown.speed, null);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => formatProgress(progressSnapshot({ frame: 1 }, 1), "xml" as any),
    /one of kv, ndjson/,
  );
});

Deno.test("parseProgressBlocks: the inverse of kv; an unfinished block is dropped", () => {
  const a = formatProgress(progressSnapshot({ frame: 1, frameRate: { num: 1, den: 1 } }, 1000));
  const b = formatProgress(progressSnapshot({ frame: 2 }, 2000, { status: "done" }));
  const blocks = parseProgressBlocks(a + b + "frame=3\n");
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0], {
    frame: "1",
    fps: "1.00",
    out_time_us: "1000000",
    out_time: "00:00:01.000000",
    elapsed_us: "1000000",
    speed: "1x",
    progress: "continue",
  });
  assert.equal(blocks[1].status, "done");
  assert.equal(blocks[1].progress, "end");
  assert.throws(() => parseProgressBlocks("frame 1\n"), /not a key=value line: 'frame 1'/);
});
