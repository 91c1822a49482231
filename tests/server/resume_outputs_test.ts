/**
 * The parts of attach and resume that need no socket: kept outputs (deleted after `keepMs`, never
 * under a transfer), the upload watch of a re-attached connection (a new rate window, the same
 * deadline), and which client errors mean "the connection is gone".
 */
import assert from "node:assert/strict";
import { isConnectionLost } from "../../src/client/resume_policy.ts";
import { ConnectionLostError } from "../../src/client/resume_policy.ts";
import { ServerProtocolError } from "../../src/client/errors.ts";
import {
  ConnectionClosedError,
  ProtocolError,
  ReadTimeoutError,
} from "../../src/protocol/errors.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { KeptOutputs } from "../../src/server/attach_outputs.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { UploadWatch } from "../../src/server/upload_limits.ts";
import { resultFor } from "../client/fake_server.ts";
import { exists, waitUntil } from "./support.ts";

Deno.test("KeptOutputs: an output goes keepMs after its job, never while it is being sent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-kept-" });
  const registry = new JobRegistry();
  const outputs = new KeptOutputs({ keepMs: 100, registry });
  try {
    const record = registry.add({ ...resultFor(new Uint8Array(4), "job-a") } as JobResult);
    const jobDir = `${dir}/job-a`;
    await Deno.mkdir(jobDir);
    await Deno.writeFile(`${jobDir}/output.mp4`, new Uint8Array([1, 2, 3, 4]));
    record.outputPath = `${jobDir}/output.mp4`;
    outputs.keep("job-a", jobDir, record.outputPath);
    const lease = outputs.lease("job-a");
    assert.equal(lease?.path, `${jobDir}/output.mp4`);
    // Past keepMs, while leased: the registry no longer offers it, new leases are refused, but
    // the file stays for the transfer under way.
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(record.outputPath, undefined);
    assert.equal(outputs.lease("job-a"), undefined);
    assert.ok(await exists(`${jobDir}/output.mp4`));
    lease!.release();
    lease!.release(); // idempotent
    await waitUntil(async () => !(await exists(jobDir)), 2_000, "the job's folder deleted");
    // Unknown jobs, and jobs the registry no longer has, have nothing to lease.
    assert.equal(outputs.lease("job-b"), undefined);
    assert.throws(() => new KeptOutputs({ keepMs: -1, registry }), RangeError);
  } finally {
    outputs.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("UploadWatch: a re-attached connection gets a new rate window, not a new deadline", () => {
  // The upload started at 0 with a 10 s deadline; the client re-attached at 8 s.
  const w = new UploadWatch({
    size: 1e6,
    timeoutMs: 10_000,
    minBytesPerSecond: 1_000,
    windowMs: 1_000,
    start: 8_000,
    timeoutStart: 0,
  });
  // The rate is not judged before the new connection's first window…
  assert.equal(w.verdict(8_500, 0), undefined);
  assert.equal(w.msUntilNextCheck(8_500), 500);
  // … but the deadline still counts from the first connection.
  w.received(5_000, 8_600);
  w.received(5_000, 9_500);
  assert.equal(w.verdict(9_900, 10), undefined);
  assert.match(w.verdict(10_000, 10)!, /^upload not complete within 10 s/);
  assert.equal(new UploadWatch({ size: 1, start: 5 }).timeoutStart, 5);
});

Deno.test("isConnectionLost: a lost connection, not a refusal, a failure or bad bytes", () => {
  assert.ok(isConnectionLost(new ConnectionLostError("closed before the result")));
  assert.ok(isConnectionLost(new ConnectionClosedError()));
  assert.ok(isConnectionLost(new ReadTimeoutError(1000)));
  assert.ok(isConnectionLost(new ProtocolError("truncated", "cut inside a message")));
  assert.ok(!isConnectionLost(new ProtocolError("bad-checksum", "crc")));
  assert.ok(!isConnectionLost(new ServerProtocolError("the server sent bad data")));
  assert.ok(!isConnectionLost(new Error("other")));
  // Reported like any broken connection (exit 7).
  assert.equal(new ConnectionLostError("x").code, "server-protocol");
  assert.ok(new ConnectionLostError("x") instanceof ServerProtocolError);
});
