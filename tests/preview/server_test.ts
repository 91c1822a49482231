import assert from "node:assert/strict";
import { isLoopback, previewUrl, startPreview } from "../../src/preview/server.ts";
import { PreviewListenError, PreviewOptionsError } from "../../src/preview/errors.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { makeRegistry } from "./fixtures.ts";
import { rawRequest } from "./raw_http.ts";

Deno.test("startPreview: serves on an ephemeral loopback port and closes cleanly", async () => {
  const preview = await startPreview({
    registry: makeRegistry(),
    metrics: new VframeMetrics(),
    port: 0,
  });
  try {
    const url = new URL(preview.url);
    assert.equal(url.hostname, "127.0.0.1", "default host is loopback");
    assert.ok(Number(url.port) > 0);
    const res = await fetch(new URL("/api/jobs", preview.url));
    assert.equal(res.status, 200);
    assert.equal((await res.json())[0].id, "job-1");
    // The loopback bind answers only loopback names: a rebinding page's Host is refused.
    const evil = await rawRequest(Number(url.port), "/api/jobs", {
      host: `evil.example:${url.port}`,
    });
    assert.equal(evil.status, 421);
    assert.match(evil.body, /does not answer for host 'evil.example'/);
    const named = await rawRequest(Number(url.port), "/api/jobs", {
      host: `localhost:${url.port}`,
    });
    assert.equal(named.status, 200);
  } finally {
    await preview.close();
    await preview.close(); // idempotent
  }
  await assert.rejects(fetch(new URL("/api/jobs", preview.url)), "no longer listening");
});

Deno.test("startPreview: hostname localhost (the --preview-host default) binds loopback", async () => {
  const preview = await startPreview({
    registry: makeRegistry(),
    metrics: new VframeMetrics(),
    hostname: "localhost",
    port: 0,
  });
  try {
    const url = new URL(preview.url);
    assert.ok(["127.0.0.1", "[::1]"].includes(url.hostname), `loopback URL, got ${preview.url}`);
    const res = await fetch(new URL("/api/jobs", preview.url));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await preview.close();
  }
});

Deno.test("startPreview: IPv6 loopback gets a bracketed URL", async (t) => {
  let preview;
  try {
    preview = await startPreview({
      registry: makeRegistry(),
      metrics: new VframeMetrics(),
      hostname: "::1",
      port: 0,
    });
  } catch (err) {
    // Only a machine without IPv6 lands here; say so instead of passing silently.
    await t.step({ name: `IPv6 loopback unavailable: ${err}`, ignore: true, fn: () => {} });
    return;
  }
  try {
    assert.match(preview.url, /^http:\/\/\[::1\]:\d+\/$/);
    const res = await fetch(new URL("/api/jobs", preview.url));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    await preview.close();
  }
});

Deno.test("startPreview: a port in use is a PreviewListenError naming the port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      startPreview({ registry: makeRegistry(), metrics: new VframeMetrics(), port }),
      (err: unknown) => {
        assert.ok(err instanceof PreviewListenError);
        assert.equal(err.port, port);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*--preview-port`));
        return true;
      },
    );
  } finally {
    listener.close();
  }
});

Deno.test("startPreview: options are checked before binding", async () => {
  const base = { registry: makeRegistry(), metrics: new VframeMetrics() };
  for (const port of [-1, 65536, 1.5, Number.NaN]) {
    await assert.rejects(startPreview({ ...base, port }), /port must be an integer in 0\.\.65535/);
  }
  await assert.rejects(startPreview({ ...base, hostname: "" }), PreviewOptionsError);
  await assert.rejects(startPreview({ ...base, hostname: "a b" }), /hostname must be/);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(startPreview({ metrics: base.metrics, port: 0 } as any), /registry/);
});

Deno.test("previewUrl and isLoopback", () => {
  assert.equal(previewUrl("127.0.0.1", 8080), "http://127.0.0.1:8080/");
  assert.equal(previewUrl("0.0.0.0", 1), "http://127.0.0.1:1/");
  assert.equal(previewUrl("::", 2), "http://[::1]:2/");
  assert.equal(previewUrl("fe80::1", 3), "http://[fe80::1]:3/");
  assert.equal(isLoopback("localhost"), true);
  assert.equal(isLoopback("127.0.0.5"), true);
  assert.equal(isLoopback("::1"), true);
  assert.equal(isLoopback("0.0.0.0"), false);
  assert.equal(isLoopback("192.168.1.2"), false);
});
