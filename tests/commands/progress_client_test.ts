/**
 * `vframe client --progress FILE|-`: the real client (a child process) sends a small generated
 * clip to a server run in-process on the embedded pool; every block is parsed. The blocks come
 * from the server's `progress` messages: frames encoded, the server's fps, the stage.
 */
import assert from "node:assert/strict";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { VframeServer } from "../../src/server/server.ts";
import { parseProgressBlocks } from "../../src/util/progress_format.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { vframe } from "./run_cli.ts";

const FRAMES = 60; // 2 s at 30 fps
const STAGES = ["upload", "decode", "process", "encode", "download"];

const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;

/** A server on a free port with a one-thread embedded pool (at most `rate` frames/s), for `fn`. */
async function withServer(
  fn: (server: string, dir: string) => Promise<void>,
  rate?: number,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-progress-client-" });
  const queue = await EmbeddedQueue.create({ threads: 1, ratePerSecond: rate });
  const server = await VframeServer.start({ port: 0, queue, auth: { mode: "none" } });
  try {
    await fn(`127.0.0.1:${server.port}`, dir);
  } finally {
    await server.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The blocks' shape, frames never going back, and the last block: end, `status`, `frames`. */
function checkBlocks(blocks: Record<string, string>[], frames: number, status: string): void {
  assert.ok(blocks.length >= 1);
  for (const [i, b] of blocks.entries()) {
    for (const key of ["frame", "fps", "stage", "out_time_us", "out_time", "speed"]) {
      assert.ok(key in b, `block ${i} has ${key}: ${JSON.stringify(b)}`);
    }
    assert.ok(STAGES.includes(b.stage), `a known stage: ${b.stage}`);
    assert.equal(b.progress, i === blocks.length - 1 ? "end" : "continue");
  }
  const counts = blocks.map((b) => Number(b.frame));
  for (let i = 1; i < counts.length; i++) {
    assert.ok(counts[i] >= counts[i - 1], `frames never go back: ${counts}`);
  }
  const end = blocks.at(-1)!;
  assert.equal(end.status, status);
  assert.equal(Number(end.frame), frames);
}

Deno.test("client --progress FILE and --progress -: blocks from the server's progress, then end", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2 });
  await withServer(async (server, dir) => {
    const progress = `${dir}/progress.txt`;
    const toFile = await vframe([
      ...["client", input, "--filter", "invert", "--server", server, "--out", `${dir}/a.mp4`],
      ...["--progress", progress, "--stats-period", "0.1", "--quiet"],
    ]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout.trim(), `${dir}/a.mp4`, "stdout as without --progress");
    const blocks = parseProgressBlocks(await Deno.readTextFile(progress));
    checkBlocks(blocks, FRAMES, "done");
    const end = blocks.at(-1)!;
    assert.equal(end.total_frames, String(FRAMES));
    assert.equal(end.out_time, "00:00:02.000000", "60 frames at the input's 30 fps");
    assert.equal(end.fallback_frames, "0");
    assert.ok(blocks.length >= 2, `blocks every 100 ms, got ${blocks.length}`);

    const toStdout = await vframe([
      ...["client", input, "--filter", "invert", "--server", server, "--out", `${dir}/b.mp4`],
      ...["--progress", "-", "--progress-format", "kv", "--stats-period", "0.1"],
    ]);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    for (const line of toStdout.stdout.trimEnd().split("\n")) {
      assert.match(line, /^[a-z_]+=\S+$/, "stdout holds key=value lines only");
    }
    checkBlocks(parseProgressBlocks(toStdout.stdout), FRAMES, "done");
    assert.match(toStdout.stderr, new RegExp(`output: ${dir}/b\\.mp4`), "the path is on stderr");
    assert.ok((await Deno.stat(`${dir}/b.mp4`)).size > 0);
  });
});

Deno.test("client --progress: ndjson; a failed job and an unreachable server end with failed", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2 });
  await withServer(async (server, dir) => {
    const progress = `${dir}/progress.ndjson`;
    const bad = await vframe([
      ...["client", input, "--filter", "blurr", "--server", server, "--out", `${dir}/c.mp4`],
      ...["--progress", progress, "--progress-format", "ndjson", "--quiet"],
    ]);
    assert.equal(bad.code, 2, bad.stderr); // the server refuses the unknown filter
    const lines = (await Deno.readTextFile(progress)).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(
      [lines.at(-1).progress, lines.at(-1).status, lines.at(-1).frame],
      ["end", "failed", 0],
    );

    // A port nobody listens on: this server's, once it is closed, is not known; port 1 is.
    const away = await vframe([
      ...["client", input, "--filter", "invert", "--server", "127.0.0.1:1"],
      ...["--out", `${dir}/d.mp4`, "--progress", "-", "--quiet"],
    ]);
    assert.equal(away.code, 3, away.stderr);
    checkBlocks(parseProgressBlocks(away.stdout), 0, "failed");

    const clash = await vframe([
      ...["client", input, "--filter", "invert", "--server", server, "--json", "-"],
      ...["--progress", "-", "--out", `${dir}/e.mp4`],
    ]);
    assert.equal(clash.code, 2, clash.stderr);
    assert.match(clash.stderr, /--progress - and --json - both want stdout/);
    assert.equal(clash.stdout, "");
  });
});

Deno.test("client --progress: Ctrl-C cancels the job; the last block says cancelled", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2 });
  await withServer(async (server, dir) => {
    const progress = `${dir}/progress.txt`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", CLI, "client", input, "--filter", "invert", "--server", server],
        ...["--out", `${dir}/f.mp4`, "--progress", progress, "--stats-period", "0.1", "-q"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // 10 frames/s: the job runs for 6 s; interrupt it once a few frames are done.
    const deadline = Date.now() + 30_000;
    while (true) {
      const text = await Deno.readTextFile(progress).catch(() => "");
      if (parseProgressBlocks(text).some((b) => Number(b.frame) >= 2)) break;
      assert.ok(Date.now() < deadline, `no block with 2 frames done in 30 s: ${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 5, stderr);
    assert.match(stderr, /cancel/);
    const blocks = parseProgressBlocks(await Deno.readTextFile(progress));
    const end = blocks.at(-1)!;
    assert.deepEqual([end.progress, end.status], ["end", "cancelled"]);
    assert.ok(Number(end.frame) >= 2 && Number(end.frame) < FRAMES, `frames done: ${end.frame}`);
    await assert.rejects(Deno.stat(`${dir}/f.mp4`), Deno.errors.NotFound, "no output");
  }, 10);
});
