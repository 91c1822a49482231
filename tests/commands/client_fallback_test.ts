/**
 * The client's `--max-fallback`: how many frames fell back is always said on stderr, and more than
 * the allowed share exits with 8 (the output is written all the same). The server runs in-process
 * on the embedded pool with the fault switch (`fail=…`, as `VFRAME_FAULT` would set it); the client
 * is the real CLI in a child process.
 */
import assert from "node:assert/strict";
import { checkFallbacks } from "../../src/client/fallback.ts";
import { TooManyFallbacksError } from "../../src/client/errors.ts";
import { clientCommand } from "../../src/commands/client.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { VframeServer } from "../../src/server/server.ts";
import { EXIT_CODES, exitCodeFor } from "../../src/util/errors.ts";
import { makeSampleVideo } from "../helpers/video.ts";

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;

async function client(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(DENO, {
    args: ["run", "-A", CLI, "client", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("client --max-fallback: over the limit exits 8 with the output written; the count is always said", async () => {
  const input = await makeSampleVideo({ width: 96, height: 64, seconds: 1, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-max-fallback-" });
  const queue = await EmbeddedQueue.create({
    threads: 1,
    policy: { attempts: 1, deadlineMs: 20_000 },
    fault: "fail=3,7", // 2 of 30 frames: 6.7 %
  });
  const server = await VframeServer.start({ port: 0, codec: "wasm", queue });
  const common = ["--filter", "invert", "--server", `127.0.0.1:${server.port}`, "--quiet"];
  try {
    const over = await client([input, ...common, "--out", `${dir}/over.mp4`]);
    assert.equal(over.code, 8, over.stderr);
    assert.match(
      over.stderr,
      /2 of 30 frames \(6\.7 %\) fell back to the original \(#3: FaultInjectedError: .*; #7: /,
    );
    assert.match(over.stderr, /more than --max-fallback 5 % allows; the output was written/);
    assert.equal(over.stdout.trim(), `${dir}/over.mp4`);
    assert.ok((await Deno.stat(`${dir}/over.mp4`)).size > 0, "the output is written");

    const within = await client([
      input,
      ...common,
      "--out",
      `${dir}/ok.mp4`,
      "--max-fallback",
      "10",
    ]);
    assert.equal(within.code, 0, within.stderr);
    assert.match(within.stderr, /2 of 30 frames \(6\.7 %\) fell back to the original/, "even -q");

    const bad = await client([input, ...common, "--max-fallback", "101"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /expected a percentage in \[0, 100\], got '101'/);
  } finally {
    await server.close();
    await queue.close();
    await Deno.remove(dir, { recursive: true });
  }
});

function resultWith(total: number, fallback: number): JobResult {
  return {
    version: 1,
    jobId: "j",
    state: "done",
    input: {
      fileName: "in.mp4",
      bytes: 1,
      width: 2,
      height: 2,
      fps: 1,
      fpsRational: "1/1",
      frames: total,
      duration: 1,
      audio: false,
    },
    filter: "invert",
    frames: { total, processed: total - fallback, fallback, retried: 0 },
    fallbackFrames: Array.from({ length: fallback }, (_, i) => ({
      index: i,
      reason: "timeout after 10000 ms",
      attempts: 3,
    })),
    timings: { upload: 0, decode: 0, process: 0, encode: 0, total: 0 },
    throughputFps: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0 },
    framesPerWorker: {},
    backend: { queue: "embedded", codec: "wasm" },
    startedAt: new Date(0).toISOString(),
  };
}

Deno.test("checkFallbacks: the share against the limit, and the line to print", () => {
  assert.deepEqual(checkFallbacks(resultWith(100, 0)), { fallback: 0, total: 100, percent: 0 });
  const five = checkFallbacks(resultWith(100, 5));
  assert.equal(five.error, undefined, "exactly the limit is allowed");
  assert.equal(
    five.line,
    "5 of 100 frames (5 %) fell back to the original (#0: timeout after 10000 ms; " +
      "#1: timeout after 10000 ms; #2: timeout after 10000 ms; …)",
  );
  const six = checkFallbacks(resultWith(100, 6));
  assert.ok(six.error instanceof TooManyFallbacksError);
  assert.equal(exitCodeFor(six.error), 8);
  assert.equal(checkFallbacks(resultWith(100, 6), 10).error, undefined);
  assert.ok(checkFallbacks(resultWith(3, 1), 0).error, "--max-fallback 0: any fallback fails");
  assert.throws(() => checkFallbacks(resultWith(1, 0), 101), RangeError);
  assert.equal(EXIT_CODES["too-many-fallbacks"], 8);
});

Deno.test("client --help documents --max-fallback and every exit code", () => {
  const help = clientCommand().helpInformation() + "\n" +
    // commander prints addHelpText("after") on --help only; read it back the same way
    captureHelpAfter();
  assert.match(help, /--max-fallback <percent>/);
  assert.match(help, /\(default: 5\)/);
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8]) assert.match(help, new RegExp(`\\n  ${code}  `));
  assert.match(help, /8 {2}done, output written, but more frames fell back/);
});

/** The text `--help` prints after the options. */
function captureHelpAfter(): string {
  let text = "";
  const cmd = clientCommand().exitOverride().configureOutput({ writeOut: (s) => text += s });
  try {
    cmd.parse(["--help"], { from: "user" });
  } catch {
    // exitOverride throws on --help
  }
  return text;
}
