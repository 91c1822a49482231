/** The client's `--progress` counters (src/client/progress_counters.ts) from runJob's events. */
import assert from "node:assert/strict";
import { ClientProgressCounters } from "../../src/client/progress_counters.ts";
import type { ProgressMessage } from "../../src/protocol/messages.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { resultFor } from "../client/fake_server.ts";

function progress(over: Partial<ProgressMessage>): ProgressMessage {
  return {
    type: "progress",
    stage: "process",
    bytesReceived: 10,
    framesTotal: null,
    framesDecoded: 0,
    framesProcessed: 0,
    framesEncoded: 0,
    fallbackFrames: 0,
    fps: 0,
    elapsedMs: 0,
    ...over,
  };
}

Deno.test("ClientProgressCounters: upload, the server's counters, download, the result", () => {
  const c = new ClientProgressCounters();
  assert.deepEqual(c.sample(), { frame: 0, stage: "upload", fallbackFrames: 0 });
  c.update({ phase: "upload", sent: 5, total: 10 });
  c.update({
    phase: "process",
    progress: progress({ stage: "decode", framesTotal: 90, framesEncoded: 12, fps: 24.5 }),
  });
  // Upload events go on while the server decodes: the server's stage stays.
  c.update({ phase: "upload", sent: 10, total: 10 });
  assert.deepEqual(c.sample(), {
    frame: 12,
    totalFrames: 90,
    fps: 24.5,
    stage: "decode",
    fallbackFrames: 0,
  });
  c.setFrameRate({ num: 30000, den: 1001 });
  c.setFrameRate({ num: 25, den: 1 }); // the first rate known stays
  c.update({ phase: "process", progress: progress({ framesEncoded: 90, fallbackFrames: 2 }) });
  c.update({ phase: "download", received: 1, total: 2 });
  const result: JobResult = { ...resultFor(new Uint8Array(2)) };
  result.input = { ...result.input, fpsRational: "25/1" };
  result.frames = { ...result.frames, total: 90, fallback: 2 };
  c.finish(result);
  assert.deepEqual(c.sample(), {
    frame: 90,
    totalFrames: 90,
    fps: 0,
    stage: "download",
    fallbackFrames: 2,
    frameRate: { num: 30000, den: 1001 },
  });
});

Deno.test("ClientProgressCounters: the result's rate when none was probed", async () => {
  const c = new ClientProgressCounters();
  await c.probeFrameRate("/no/such/input.mp4"); // never rejects
  assert.equal(c.sample().frameRate, undefined);
  const result = resultFor(new Uint8Array(1));
  result.input = { ...result.input, fpsRational: "30000/1001" };
  c.finish(result);
  assert.deepEqual(c.sample().frameRate, { num: 30000, den: 1001 });
  assert.equal(c.sample().fps, result.throughputFps, "no progress message: the result's fps");
});
