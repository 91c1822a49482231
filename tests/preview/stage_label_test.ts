/**
 * The stage label shared by the client's progress view and the dashboard (protocol/stage_label.ts),
 * and where each side gets it: the client from its progress messages, the dashboard from the job
 * summary the server builds from the same counters.
 */
import assert from "node:assert/strict";
import { ProgressView } from "../../src/client/progress_view.ts";
import { summarizeJob } from "../../src/preview/summary.ts";
import type { ProgressMessage } from "../../src/protocol/messages.ts";
import { type StageCounters, stageLabel } from "../../src/protocol/stage_label.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { makeResult } from "./fixtures.ts";

const base: StageCounters = {
  stage: "upload",
  bytesReceived: 0,
  framesTotal: null,
  framesDecoded: 0,
  framesProcessed: 0,
  framesEncoded: 0,
};
const at = (over: Partial<StageCounters>): StageCounters => ({ ...base, ...over });

Deno.test("stageLabel: the issue's case — stage `decode` at 97 % is filtering 582/600", () => {
  // Decoding streams ahead of the filters and only ends with the last frame, so the protocol's
  // `stage` (the earliest unfinished one) says decode nearly to the end.
  const p = at({
    stage: "decode",
    bytesReceived: 5_000_000,
    framesTotal: 600,
    framesDecoded: 598,
    framesProcessed: 582,
    framesEncoded: 580,
  });
  assert.equal(stageLabel(p), "filtering 582/600");
});

Deno.test("stageLabel: each step of a job, in order", () => {
  assert.equal(stageLabel(at({}), { state: "queued" }), "queued");
  assert.equal(
    stageLabel(at({ bytesReceived: 3 * 1048576 }), { bytesTotal: 10 * 1048576 }),
    "uploading 3.0/10.0 MiB",
  );
  assert.equal(stageLabel(at({ bytesReceived: 1572864 })), "uploading 1.5 MiB", "total unknown");
  assert.equal(stageLabel(at({ stage: "decode", framesTotal: 48 })), "decoding");
  // Streamed decoding: frames flow while the upload still arrives and before the probe.
  assert.equal(
    stageLabel(at({ stage: "upload", framesDecoded: 12, framesProcessed: 7 })),
    "filtering 7/?",
  );
  assert.equal(
    stageLabel(at({ stage: "decode", framesTotal: 48, framesDecoded: 20, framesProcessed: 10 })),
    "filtering 10/48",
  );
  // The probe's estimate is never shown below the frames actually decoded.
  assert.equal(
    stageLabel(at({ stage: "decode", framesTotal: 40, framesDecoded: 45, framesProcessed: 41 })),
    "filtering 41/45",
  );
  // Decoding over: the decoded count is the exact total.
  const over = { framesTotal: 50, framesDecoded: 48 };
  assert.equal(
    stageLabel(at({ stage: "process", ...over, framesProcessed: 47 })),
    "filtering 47/48",
  );
  assert.equal(
    stageLabel(at({ stage: "encode", ...over, framesProcessed: 48, framesEncoded: 30 })),
    "encoding 30/48",
  );
  assert.equal(
    stageLabel(at({ stage: "encode", ...over, framesProcessed: 48, framesEncoded: 48 })),
    "finishing output",
  );
  for (const state of ["done", "failed", "cancelled"] as const) {
    assert.equal(stageLabel(at({ stage: "process", framesDecoded: 3 }), { state }), state);
  }
});

Deno.test("stage label: the client's progress view and the job summary say the same thing", () => {
  const counters: Omit<ProgressMessage, "type"> = {
    stage: "decode",
    bytesReceived: 2_000_000,
    framesTotal: 600,
    framesDecoded: 598,
    framesProcessed: 582,
    framesEncoded: 580,
    fallbackFrames: 0,
    fps: 50.2,
    elapsedMs: 12_000,
  };
  const lines: string[] = [];
  const view = new ProgressView({ tty: false, write: (l) => lines.push(l) });
  view.update({ phase: "process", progress: { type: "progress", ...counters } });
  view.stop();
  assert.deepEqual(lines, ["process: 96% filtering 582/600, 50.2 fps"]);

  const registry = new JobRegistry();
  const record = registry.add(makeResult("j", { state: "running" }));
  record.control = { progress: () => counters, cancel: () => {} };
  assert.equal(summarizeJob(record).stageLabel, "filtering 582/600");
  // Without a running job to ask (a hand-fed record), the record's own counts are used.
  delete record.control;
  record.done = 12;
  assert.equal(summarizeJob(record).stageLabel, "filtering 12/48");
  record.result.state = "cancelled";
  assert.equal(summarizeJob(record).stageLabel, "cancelled");
});
