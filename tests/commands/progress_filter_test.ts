/**
 * `vframe filter --progress FILE|-`: the real command on a small generated clip, every block
 * parsed — to a file, to stdout (nothing else there), to a FIFO in NDJSON, and the last block of a
 * failed and of an interrupted run.
 */
import assert from "node:assert/strict";
import { parseProgressBlocks } from "../../src/util/progress_format.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { vframe } from "./run_cli.ts";

const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;
const FRAMES = 60; // 2 s at 30 fps

/** The clip: 160x120, 2 s at 30 fps. */
function clip(): Promise<string> {
  return makeSampleVideo({ width: 160, height: 120, seconds: 2 });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-progress-filter-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Checks blocks of a finished run: the keys of each, frames never going back, `continue` then one
 * `end` last, with `status` and the frame count `frames`.
 */
function checkBlocks(blocks: Record<string, string>[], frames: number, status = "done"): void {
  assert.ok(blocks.length >= 1, "at least the last block");
  for (const [i, b] of blocks.entries()) {
    for (const key of ["frame", "fps", "out_time_us", "out_time", "elapsed_us", "speed"]) {
      assert.ok(key in b, `block ${i} has ${key}: ${JSON.stringify(b)}`);
    }
    assert.match(b.frame, /^\d+$/);
    assert.match(b.fps, /^\d+\.\d\d$/);
    assert.match(b.out_time, /^(\d\d+:\d\d:\d\d\.\d{6}|N\/A)$/);
    assert.match(b.speed, /^(\d+(\.\d+)?x|N\/A)$/);
    const last = i === blocks.length - 1;
    assert.equal(b.progress, last ? "end" : "continue", `block ${i} of ${blocks.length}`);
    assert.equal("status" in b, last, `only the last block has a status (block ${i})`);
  }
  const counts = blocks.map((b) => Number(b.frame));
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i] >= counts[i - 1], `frames never go back: ${counts}`);
  }
  const end = blocks.at(-1)!;
  assert.equal(end.status, status);
  assert.equal(Number(end.frame), frames);
}

Deno.test("filter --progress FILE: key=value blocks at the period, the last progress=end", async () => {
  const input = await clip();
  await withDir(async (dir) => {
    const progress = `${dir}/progress.txt`;
    await Deno.writeTextFile(progress, "stale\n".repeat(1000));
    const run = await vframe([
      ...["filter", input, `${dir}/out.mp4`, "--filter", "blur=sigma=2,invert"],
      ...["--threads", "1", "--progress", progress, "--stats-period", "0.1"],
    ]);
    assert.equal(run.code, 0, run.stderr);
    const text = await Deno.readTextFile(progress);
    assert.ok(!text.includes("stale"), "the file is truncated");
    const blocks = parseProgressBlocks(text);
    assert.ok(text.endsWith("progress=end\n"), "nothing after the last block");
    checkBlocks(blocks, FRAMES);
    const end = blocks.at(-1)!;
    assert.equal(end.total_frames, String(FRAMES));
    assert.equal(end.out_time_us, "2000000", "60 frames at 30 fps");
    assert.equal(end.out_time, "00:00:02.000000");
    assert.ok(blocks.length >= 2, `blocks every 100 ms, got ${blocks.length}`);
    assert.ok(blocks.some((b) => Number(b.frame) < FRAMES), "some block before the end");
  });
});

Deno.test("filter --progress -: stdout carries the blocks only; --json goes to stderr", async () => {
  const input = await clip();
  await withDir(async (dir) => {
    const run = await vframe([
      ...["filter", input, `${dir}/out.mp4`, "--filter", "invert", "--threads", "1"],
      ...["--progress", "-", "--stats-period", "0.1", "--json"],
    ]);
    assert.equal(run.code, 0, run.stderr);
    for (const line of run.stdout.trimEnd().split("\n")) {
      assert.match(line, /^[a-z_]+=\S+$/, "stdout holds key=value lines only");
    }
    checkBlocks(parseProgressBlocks(run.stdout), FRAMES);
    assert.match(run.stderr, /"frames": 60/, "the summary is on stderr");
  });
});

Deno.test("filter --progress FIFO --progress-format ndjson: a reader gets every line", async () => {
  const input = await clip();
  await withDir(async (dir) => {
    const fifo = `${dir}/progress.fifo`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    const reading = Deno.open(fifo, { read: true }).then((f) => new Response(f.readable).text());
    const run = await vframe([
      ...["filter", input, `${dir}/out.mp4`, "--filter", "invert", "--no-progress"],
      ...["--progress", fifo, "--progress-format", "ndjson", "--stats-period", "0.1"],
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "");
    const lines = (await reading).trimEnd().split("\n").map((l) => JSON.parse(l));
    const last = lines.at(-1);
    assert.deepEqual(
      [last.progress, last.status, last.frame, last.total_frames, last.out_time_us],
      ["end", "done", FRAMES, FRAMES, 2_000_000],
    );
    assert.equal(typeof last.speed, "number");
    assert.ok(lines.slice(0, -1).every((l) => l.progress === "continue"));
  });
});

Deno.test("filter --progress: a failed run ends with status=failed", async () => {
  await withDir(async (dir) => {
    const progress = `${dir}/progress.txt`;
    const run = await vframe([
      ...["filter", `${dir}/missing.mp4`, `${dir}/out.mp4`, "--filter", "invert"],
      ...["--progress", progress],
    ]);
    assert.equal(run.code, 1, run.stderr);
    checkBlocks(parseProgressBlocks(await Deno.readTextFile(progress)), 0, "failed");
  });
});

Deno.test("filter --progress: Ctrl-C ends the progress with status=cancelled", async () => {
  await withDir(async (dir) => {
    const progress = `${dir}/progress.txt`;
    // Raw frames from a pipe kept open: the run waits for more until it is interrupted.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", CLI, "filter", "--raw", "16x16", "--filter", "invert", "-"],
        ...[`${dir}/out.yuv`, "--progress", progress, "--stats-period", "0.1", "--no-progress"],
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new Uint8Array(16 * 16 * 1.5 * 3)); // three frames
    // Wait until a block says the three frames are done, then interrupt.
    const deadline = Date.now() + 30_000;
    while (true) {
      const text = await Deno.readTextFile(progress).catch(() => "");
      if (parseProgressBlocks(text).some((b) => b.frame === "3")) break;
      assert.ok(Date.now() < deadline, `no block with frame=3 in 30 s: ${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const status = await child.status;
    await writer.close().catch(() => {});
    const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 1, stderr);
    assert.match(stderr, /interrupted/);
    const blocks = parseProgressBlocks(await Deno.readTextFile(progress));
    checkBlocks(blocks, 3, "cancelled");
    assert.equal(blocks.at(-1)!.out_time, "00:00:00.100000", "raw frames at a nominal 30 fps");
  });
});

Deno.test("filter --progress: clashes with stdout or the command's own files are usage errors", async () => {
  const input = await clip();
  await withDir(async (dir) => {
    const raw = await vframe([
      "filter",
      "--raw",
      "16x16",
      "-f",
      "invert",
      "-",
      "-",
      "--progress",
      "-",
    ]);
    assert.equal(raw.code, 2, raw.stderr);
    assert.match(raw.stderr, /--progress - and the raw output - both want stdout/);
    const same = await vframe([
      ...["filter", input, `${dir}/out.mp4`, "-f", "invert", "--progress", `${dir}/out.mp4`],
    ]);
    assert.equal(same.code, 2, same.stderr);
    assert.match(same.stderr, /--progress .*out\.mp4 is also the command's input or output/);
    const format = await vframe([
      ...["filter", input, `${dir}/o.mp4`, "-f", "invert", "--progress", "-"],
      ...["--progress-format", "xml"],
    ]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /xml.*invalid|Allowed choices are kv, ndjson/);
    const period = await vframe([
      ...["filter", input, `${dir}/o.mp4`, "-f", "invert", "--progress", "-"],
      ...["--stats-period", "0"],
    ]);
    assert.equal(period.code, 2);
    assert.match(period.stderr, /expected a number in \[0.1, 60\], got '0'/);
    const missing = await vframe([
      ...["filter", input, `${dir}/o.mp4`, "-f", "invert", "--progress", `${dir}/no/p.txt`],
    ]);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /cannot write the progress to .*no\/p\.txt: .*check the path/);
    for (const name of ["out.mp4", "o.mp4"]) {
      await assert.rejects(Deno.stat(`${dir}/${name}`), Deno.errors.NotFound, "nothing written");
    }
  });
});
