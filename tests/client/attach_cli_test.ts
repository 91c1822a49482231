/**
 * `vframe client --attach JOB_ID` (the real CLI in subprocesses) against a real server with a
 * token: a client killed while its job is processed leaves the job running (the grace period);
 * `--attach` then shows it to its end and writes its output — as many frames as a normal run's;
 * the job id is printed when the job starts. An unknown id, a wrong token and a malformed id are
 * refused with clear errors and the documented exit codes (4, 4, 2); a finished job can be
 * attached again, its output named after its file by default.
 */
import assert from "node:assert/strict";
import { basename } from "node:path";
import { defaultOutputPath, runJob } from "../../src/client/client.ts";
import { probe } from "../../src/codec/mod.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { vframe } from "../commands/run_cli.ts";
import { exists, waitUntil } from "../server/support.ts";

const TOKEN = "attach-cli-token-0123456789";
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * `vframe <args>` run from `dir`: the CLI takes relative paths from `INIT_CWD` (what `deno task`
 * and npm set) when it is set, so it is set to `dir`.
 */
async function vframeIn(dir: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", INIT_CWD: dir },
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

/** `vframe client …` started in the background, its stderr collected as it comes. */
function spawnClient(args: string[]): { child: Deno.ChildProcess; stderr: () => string } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "client", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  void (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return { child, stderr: () => text };
}

Deno.test("client --attach: a killed client's job runs on; --attach gets its result and output", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-attach-cli-" });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    auth: { mode: "token", token: TOKEN },
    detachGraceMs: 30_000,
    ratePerSecond: 8, // ~4 s of processing: time to kill the client in the middle
  });
  const server = stack.server;
  const address = `127.0.0.1:${server.port}`;
  let killed: Deno.ChildProcess | undefined;
  try {
    // A normal run, for the frame count to compare with.
    const normal = await runJob({
      input,
      filter: "invert",
      server: address,
      output: `${dir}/normal.mp4`,
      token: TOKEN,
      env: () => undefined,
    });
    const frames = (await probe(`${dir}/normal.mp4`)).frameCount;
    assert.equal(frames, normal.frames.total);
    assert.ok(frames >= 20, `${frames} frames`);

    // A client that is killed while its job is being processed.
    const first = spawnClient([
      input,
      "-f",
      "invert",
      "-s",
      address,
      "-o",
      `${dir}/killed.mp4`,
      "--token",
      TOKEN,
    ]);
    killed = first.child;
    let jobId = "";
    await waitUntil(
      () => {
        const m =
          /job ([A-Za-z0-9_-]+) \(re-attach with: deno task client --attach \1 -s (\S+) -o (\S+)\)/
            .exec(first.stderr());
        if (m) {
          jobId = m[1];
          assert.equal(m[2], address);
          assert.equal(m[3], `${dir}/killed.mp4`);
        }
        return m !== null;
      },
      30_000,
      "the job id on the client's stderr",
    );
    await waitUntil(
      () => (server.registry.get(jobId)?.done ?? 0) >= 3,
      20_000,
      "frames being processed",
    );
    first.child.kill("SIGKILL");
    await first.child.status;
    killed = undefined;
    // The job does not end with its connection: it waits for a client to re-attach.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(server.registry.get(jobId)!.result.state, "running");
    assert.equal(server.activeJobs, 1);

    const attached = await vframe([
      "client",
      "--attach",
      jobId,
      "-s",
      address,
      "-o",
      `${dir}/attached.mp4`,
      "--token",
      TOKEN,
    ]);
    assert.equal(attached.code, 0, attached.stderr);
    assert.equal(attached.stdout.trim(), `${dir}/attached.mp4`);
    const result = server.registry.get(jobId)!.result;
    assert.equal(result.state, "done");
    assert.equal((await probe(`${dir}/attached.mp4`)).frameCount, frames, "a normal run's frames");
    assert.equal(result.frames.total, frames);
    assert.ok(!(await exists(`${dir}/killed.mp4`)), "the killed client wrote nothing");

    // Done jobs can be attached again; without -o the output is named after the job's file,
    // in the current folder.
    const again = await vframeIn(dir, [
      "client",
      "--attach",
      jobId,
      "-s",
      address,
      "--token",
      TOKEN,
      "-q",
    ]);
    assert.equal(again.code, 0, again.stderr);
    const named = `${dir}/${defaultOutputPath(basename(input))}`;
    assert.equal((await probe(named)).frameCount, frames);
    // … and an existing output is kept without -y (exit 2), as for any job.
    const kept = await vframeIn(dir, [
      "client",
      "--attach",
      jobId,
      "-s",
      address,
      "--token",
      TOKEN,
      "-q",
    ]);
    assert.equal(kept.code, 2, kept.stderr);
    assert.match(kept.stderr, /-y/);
  } finally {
    if (killed) {
      killed.kill("SIGKILL");
      await killed.status;
    }
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client --attach: unknown id → 4, wrong token → 4, malformed id → 2, each saying why", async () => {
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    auth: { mode: "token", token: TOKEN },
    detachGraceMs: 30_000,
  });
  const address = `127.0.0.1:${stack.server.port}`;
  try {
    const [unknown, wrongToken, malformed, nothing] = await Promise.all([
      vframe(["client", "--attach", "no-such-job-42", "-s", address, "--token", TOKEN]),
      vframe(["client", "--attach", "no-such-job-42", "-s", address, "--token", "x".repeat(20)]),
      vframe(["client", "--attach", "not a job id", "-s", address]),
      vframe(["client", "-s", address]),
    ]);
    assert.equal(unknown.code, 4, unknown.stderr);
    assert.match(
      unknown.stderr,
      /refused the job \(unknown-job\): no job no-such-job-42 on this server/,
    );
    assert.equal(wrongToken.code, 4, wrongToken.stderr);
    assert.match(wrongToken.stderr, /\(unauthorized\): bad or missing token.*--token/);
    // The refusal for a wrong token says nothing about whether the job exists.
    assert.doesNotMatch(wrongToken.stderr, /no job/);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.match(malformed.stderr, /--attach 'not a job id' is not a job id/);
    assert.equal(nothing.code, 2, nothing.stderr);
    assert.match(nothing.stderr, /missing the input video/);
  } finally {
    await stack.close();
  }
});
