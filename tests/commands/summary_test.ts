import assert from "node:assert/strict";
import type { JobResult } from "../../src/protocol/result.ts";
import { summarize, writeFileAtomic } from "../../src/commands/summary.ts";
import { ProgressView } from "../../src/client/progress_view.ts";

const result: JobResult = {
  version: 1,
  jobId: "j1",
  state: "done",
  input: {
    fileName: "a.mp4",
    bytes: 10,
    width: 160,
    height: 120,
    fps: 30,
    fpsRational: "30/1",
    frames: 60,
    duration: 2,
    audio: true,
  },
  filter: "grayscale",
  frames: { total: 60, processed: 52, fallback: 8, retried: 9 },
  fallbackFrames: Array.from({ length: 8 }, (_, i) => ({ index: i, reason: "boom", attempts: 3 })),
  timings: { upload: 5, decode: 100, process: 200, encode: 300, total: 1500, download: 7 },
  throughputFps: 40,
  latencyMs: { p50: 10, p95: 20, p99: 30 },
  framesPerWorker: { "w-a": 30, "w-b": 22 },
  backend: { queue: "embedded", codec: "wasm" },
  startedAt: new Date(0).toISOString(),
};

Deno.test("summarize: frames, timings, workers and the first fallbacks", () => {
  const text = summarize(result);
  assert.match(text, /60 frames \(52 filtered, 8 fallback, 9 retried\)/);
  assert.match(text, /160x120 @ 30 fps, 2.00 s, audio/);
  assert.match(text, /download 7 ms/);
  assert.match(text, /p50\/p95\/p99 10\/20\/30 ms/);
  assert.match(text, /workers w-a=30 w-b=22/);
  assert.match(text, /#0 \(boom\).*and 3 more/);
});

Deno.test("writeFileAtomic: writes, replaces, leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(`${dir}/r.json`, "one");
    await writeFileAtomic(`${dir}/r.json`, "two");
    assert.equal(await Deno.readTextFile(`${dir}/r.json`), "two");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["r.json"]);
    await assert.rejects(writeFileAtomic(`${dir}/missing/r.json`, "x"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProgressView: plain lines are throttled, final lines always printed", () => {
  const lines: string[] = [];
  const view = new ProgressView({
    tty: false,
    lineIntervalMs: 60_000,
    write: (l) => lines.push(l),
  });
  view.update({ phase: "upload", sent: 0, total: 100 });
  view.update({ phase: "upload", sent: 50, total: 100 });
  view.update({ phase: "upload", sent: 100, total: 100 });
  view.update({
    phase: "process",
    progress: {
      type: "progress",
      stage: "process",
      bytesReceived: 100,
      framesTotal: 10,
      framesDecoded: 10,
      framesProcessed: 10,
      framesEncoded: 10,
      fallbackFrames: 1,
      fps: 12.5,
      elapsedMs: 800,
    },
  });
  view.stop();
  assert.deepEqual(lines, [
    "upload: 0% 0.0/0.0 MiB",
    "upload: 100% 0.0/0.0 MiB",
    "process: 100% finishing output, 12.5 fps, 1 fallback",
  ]);
  const quiet: string[] = [];
  new ProgressView({ quiet: true, write: (l) => quiet.push(l) }).update({
    phase: "download",
    received: 1,
  });
  assert.deepEqual(quiet, []);
});
