/**
 * What a lost connection leaves on the server: the job waits `--detach-grace` for its client; a
 * client that re-attaches in time (here `attachJob` with the input, as `client VIDEO --attach ID`
 * does) finishes it; one that does not leaves a job cancelled after the grace period, its files
 * removed and its slot freed. A done job's output is kept `--keep-output`, then deleted, after
 * which an attach is refused `unknown-job` (exit 4).
 */
import assert from "node:assert/strict";
import { attachJob } from "../../src/client/attach.ts";
import { runJob } from "../../src/client/client.ts";
import { probe } from "../../src/codec/mod.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { startCutProxy } from "../protocol/cut_proxy.ts";
import { exists, waitUntil } from "./support.ts";

/** Runs a job through a proxy that cuts it after `cutAt` upload bytes; the client gives up. */
async function lostJob(input: string, port: number, cutAt: number, output: string) {
  const proxy = startCutProxy({ port }, { cutUpAfter: cutAt });
  let jobId: string | undefined;
  try {
    await assert.rejects(
      runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${proxy.port}`,
        output,
        chunkBytes: 16_384,
        reattachDelaysMs: [], // this client gives up at once
        onAccepted: (id) => jobId = id,
      }),
      (e) => e instanceof Error && e.name === "ServerProtocolError",
    );
  } finally {
    await proxy.close();
  }
  assert.ok(jobId, "the job was accepted before the cut");
  return jobId;
}

Deno.test("grace: a job nobody re-attaches to is cancelled after --detach-grace, its files removed", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const size = (await Deno.stat(input)).size;
  const dir = await Deno.makeTempDir({ prefix: "vframe-grace-" });
  const logs: string[] = [];
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    maxJobs: 1,
    detachGraceMs: 1_500,
    log: (line) => logs.push(line),
  });
  const server = stack.server;
  try {
    const jobId = await lostJob(input, server.port, Math.floor(size / 3), `${dir}/out.mp4`);
    const t0 = performance.now();
    // Within the grace period the job is there, holding its slot and its files.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(server.registry.get(jobId)!.result.state, "running");
    assert.equal(server.slotsInUse, 1);
    assert.ok(await exists(`${server.workDir}/${jobId}`));
    // Then it is cancelled, and everything it held is given back.
    await waitUntil(() => server.activeJobs === 0, 10_000, "the job to end");
    const waited = performance.now() - t0;
    assert.ok(waited > 1_000 && waited < 6_000, `cancelled after ${waited} ms`);
    const result = server.registry.get(jobId)!.result;
    assert.equal(result.state, "cancelled");
    assert.match(result.error ?? "", /no client re-attached within 1\.5 s \(--detach-grace\)/);
    await waitUntil(
      async () => !(await exists(`${server.workDir}/${jobId}`)),
      5_000,
      "the job's files removed",
    );
    assert.equal(server.slotsInUse, 0);
    assert.ok(logs.some((l) => l.includes(`job ${jobId}`) && /re-attach/.test(l)), logs.join("\n"));

    // A client that comes back too late learns what happened: cancelled (exit 5).
    const late = await attachJob({
      jobId,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/late.mp4`,
    }).then(() => undefined, (e) => e);
    assert.equal(late?.name, "JobFailedError", String(late));
    assert.match(late.message, /cancelled.*--detach-grace/);
    assert.equal(exitCodeFor(late), 5);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no output, no part file");
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grace: attaching with the input in time resumes the upload and finishes the job", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const size = (await Deno.stat(input)).size;
  const dir = await Deno.makeTempDir({ prefix: "vframe-grace-" });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    detachGraceMs: 30_000,
  });
  const server = stack.server;
  try {
    const jobId = await lostJob(input, server.port, Math.floor(size / 2), `${dir}/out.mp4`);
    // Without the input, the client cannot resume the upload: a usage error that says so.
    const without = await attachJob({
      jobId,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/out.mp4`,
    }).then(() => undefined, (e) => e);
    assert.equal(without?.name, "ClientOptionError", String(without));
    assert.match(without.message, /give its input to resume the upload/);
    assert.equal(exitCodeFor(without), 2);
    // Another file (another size) is refused before anything is sent.
    const other = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
    const wrong = await attachJob({
      jobId,
      input: other,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/out.mp4`,
    }).then(() => undefined, (e) => e);
    assert.equal(wrong?.name, "ClientOptionError", String(wrong));
    // With the input: the rest of the upload, then the result and the output.
    let received = -1;
    const result = await attachJob({
      jobId,
      input,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/out.mp4`,
      onAttached: (a) => received = a.received,
    });
    assert.ok(received > 0 && received < size, `resumed at ${received} of ${size}`);
    assert.equal(result.state, "done");
    assert.equal(result.jobId, jobId);
    assert.equal((await probe(`${dir}/out.mp4`)).frameCount, result.frames.total);
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keep-output: a done job's output is deleted after --keep-output; then attach is refused", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-grace-" });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    keepOutputMs: 1_000,
  });
  const server = stack.server;
  try {
    const first = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/a.mp4`,
    });
    const jobId = first.jobId;
    // Kept: a second client gets the same output.
    const again = await attachJob({
      jobId,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/b.mp4`,
    });
    assert.equal(again.jobId, jobId);
    assert.deepEqual(await Deno.readFile(`${dir}/b.mp4`), await Deno.readFile(`${dir}/a.mp4`));
    // Then deleted.
    await waitUntil(
      async () => !(await exists(`${server.workDir}/${jobId}`)),
      5_000,
      "the output deleted",
    );
    assert.equal(server.registry.get(jobId)!.outputPath, undefined);
    const gone = await attachJob({
      jobId,
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/c.mp4`,
    }).then(() => undefined, (e) => e);
    assert.equal(gone?.name, "JobRefusedError", String(gone));
    assert.match(gone.message, /\(unknown-job\): job .* is done, but its output is no longer/);
    assert.match(gone.message, /--keep-output/);
    assert.equal(exitCodeFor(gone), 4);
    assert.ok(!(await exists(`${dir}/c.mp4`)));
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grace: a job the server refuses at its first frame (memory) tells its client and ends, no grace", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-grace-" });
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    detachGraceMs: 30_000,
    // Room for a job's base share (64 MiB) only: the estimate at the first frame is over it.
    maxMemoryBytes: 64 * 1024 * 1024 + 1,
  });
  const server = stack.server;
  try {
    const t0 = performance.now();
    const error = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/out.mp4`,
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof Error, "refused");
    assert.match(error.message, /too-large.*320x240 frames need about/);
    // Told at once, not after a grace period; the job is over and gave everything back.
    await waitUntil(() => server.activeJobs === 0 && server.slotsInUse === 0, 5_000, "the end");
    assert.ok(performance.now() - t0 < 20_000);
    assert.equal(server.memory.reservedBytes, 0);
    assert.equal(server.registry.list()[0].result.state, "failed");
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
});
