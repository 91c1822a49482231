/**
 * Path traversal and parameter abuse, sent as raw HTTP so nothing on the client side normalises
 * the paths first. Only frames and outputs of existing jobs may ever come back.
 */
import assert from "node:assert/strict";
import { startPreview } from "../../src/preview/server.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { makeRegistry } from "./fixtures.ts";
import { rawRequest } from "./raw_http.ts";

const ATTEMPTS = [
  "/../../../../etc/passwd",
  "/api/jobs/../../../../etc/passwd",
  "/api/jobs/job-1/../../../../etc/passwd",
  "/api/jobs/job-1/output.mp4/../../../../../etc/passwd",
  "/api/jobs/%2e%2e%2f%2e%2e%2fetc%2fpasswd/output.mp4",
  "/api/jobs/..%2f..%2f..%2fetc%2fpasswd/frames/0",
  "/api/jobs/%2E%2E/%2E%2E/etc/passwd",
  "/api/jobs/job-1%2f..%2f..%2fetc/output.mp4",
  "/api/jobs/job-1/frames/..%2f..%2fetc%2fpasswd",
  "/api/jobs/job-1/frames/0%00",
  "/api/jobs/job-1/frames/0/../../../../etc/passwd",
  "/api/jobs/job-1/frames/1?variant=../../etc/passwd",
  "/api/jobs/job-1/frames/0?variant=original%00",
  "/api/jobs/job-1/output.mp4?path=/etc/passwd",
  "/assets/../../../../etc/passwd",
  "/assets/..%2f..%2fdeno.json",
  "/assets/%2e%2e/%2e%2e/deno.json",
  "/src/preview/server.ts",
  "/deno.json",
  "//etc/passwd",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/api/jobs/\\..\\..\\etc\\passwd",
];

Deno.test("path traversal attempts never read files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-traversal-" });
  const registry = makeRegistry();
  const record = registry.get("job-1")!;
  record.result.state = "done";
  record.outputPath = `${dir}/out.mp4`;
  await Deno.writeTextFile(record.outputPath, "OUTPUT-BYTES");
  const preview = await startPreview({ registry, metrics: new VframeMetrics(), port: 0 });
  const port = Number(new URL(preview.url).port);
  try {
    for (const path of ATTEMPTS) {
      const res = await rawRequest(port, path);
      assert.ok(
        res.status === 400 || res.status === 404,
        `${path} → ${res.status} ${res.body.slice(0, 80)}`,
      );
      assert.doesNotMatch(res.body, /root:|"nodeModulesDir"|OUTPUT-BYTES|startPreview/, path);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/, path);
    }
    // The legitimate routes still work over the same raw client.
    const ok = await rawRequest(port, "/api/jobs/job-1/output.mp4");
    assert.equal(ok.status, 200);
    assert.equal(ok.body, "OUTPUT-BYTES");
    const frame = await rawRequest(port, "/api/jobs/job-1/frames/0?variant=original");
    assert.equal(frame.status, 200);
    assert.equal(frame.headers.get("content-type"), "image/jpeg");
  } finally {
    await preview.close();
    await Deno.remove(dir, { recursive: true });
  }
});
