/**
 * `filter` and `client` keep an existing output unless `-y` (as ffmpeg), checked before any work:
 * the real CLI, without a terminal (so it never prompts).
 */
import assert from "node:assert/strict";
import { makeSampleVideo } from "../helpers/video.ts";
import { freePort } from "../helpers/redis.ts";
import { vframe } from "./run_cli.ts";

const OLD = "old output, must survive";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-overwrite-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("filter: an existing output is kept without -y, and with -n; exit 2 naming -y", async () => {
  await withDir(async (dir) => {
    const output = `${dir}/out.mp4`;
    await Deno.writeTextFile(output, OLD);
    // The input does not even exist: the output is checked before any work.
    for (const extra of [[], ["-n"], ["--no-overwrite"]]) {
      const run = await vframe(["filter", `${dir}/missing.mp4`, output, "-f", "invert", ...extra]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /out\.mp4 already exists; give -y \(--overwrite\) to replace it/);
      assert.equal(await Deno.readTextFile(output), OLD);
    }
    // Raw mode too, for a regular file.
    const raw = await vframe(["filter", "--raw", "16x16", "-f", "invert", "-", output]);
    assert.equal(raw.code, 2, raw.stderr);
    assert.match(raw.stderr, /already exists; give -y/);
    assert.equal(await Deno.readTextFile(output), OLD);
    // A directory is still refused, -y or not.
    const directory = await vframe(["filter", `${dir}/missing.mp4`, dir, "-f", "invert", "-y"]);
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /is a directory/);
  });
});

Deno.test("filter -y replaces an existing output", async () => {
  const input = await makeSampleVideo({ width: 64, height: 48, seconds: 0.2 });
  await withDir(async (dir) => {
    const output = `${dir}/out.mp4`;
    await Deno.writeTextFile(output, OLD);
    const run = await vframe(["filter", input, output, "-f", "invert", "-y", "--no-progress"]);
    assert.equal(run.code, 0, run.stderr);
    assert.notEqual((await Deno.stat(output)).size, OLD.length);
    // A new output needs no flag.
    const fresh = await vframe([
      "filter",
      input,
      `${dir}/new.mp4`,
      "-f",
      "invert",
      "--no-progress",
    ]);
    assert.equal(fresh.code, 0, fresh.stderr);
  });
});

Deno.test("client: existing output (default <video>.vframe.mp4, --json) refused before connecting", async () => {
  await withDir(async (dir) => {
    const video = `${dir}/clip.mp4`;
    await Deno.writeTextFile(video, "not a video: never read");
    const defaultOut = `${dir}/clip.vframe.mp4`;
    await Deno.writeTextFile(defaultOut, OLD);
    // Nothing listens on this port: getting past the check would exit 3 (unreachable).
    const server = `127.0.0.1:${freePort()}`;
    const base = ["client", video, "-f", "invert", "-s", server, "-q"];
    for (const extra of [[], ["-n"]]) {
      const run = await vframe([...base, ...extra]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /clip\.vframe\.mp4 already exists; give -y \(--overwrite\)/);
      assert.equal(await Deno.readTextFile(defaultOut), OLD);
    }
    const json = `${dir}/result.json`;
    await Deno.writeTextFile(json, OLD);
    const jsonRun = await vframe([...base, "-o", `${dir}/new.mp4`, "--json", json]);
    assert.equal(jsonRun.code, 2, jsonRun.stderr);
    assert.match(jsonRun.stderr, /result\.json already exists/);
    const directory = await vframe([...base, "-o", dir]);
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /is a directory/);
    // With -y the check passes and the client goes on to connect (and finds no server).
    const forced = await vframe([...base, "-y"]);
    assert.equal(forced.code, 3, forced.stderr);
    assert.equal(await Deno.readTextFile(defaultOut), OLD);
  });
});

Deno.test("demo --help says it overwrites its outputs by design", async () => {
  const help = (await vframe(["demo", "--help"])).stdout.replace(/\s+/g, " ");
  assert.match(help, /overwrites demo-input\.mp4, demo\.mp4 and demo\.json .* by design/);
});
