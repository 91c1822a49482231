/** The preview's JSON API, frames, pages and errors, driven in-process through the handler. */
import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { createPreviewHandler, type PreviewHandler } from "../../src/preview/handler.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { PreviewOptionsError } from "../../src/preview/errors.ts";
import type { JobRegistry } from "../../src/server/registry.ts";
import type { JobSummary } from "../../src/preview/summary.ts";
import { fakeQueue, makeRegistry, parseMetrics } from "./fixtures.ts";

function setup(): { registry: JobRegistry; handler: PreviewHandler; metrics: VframeMetrics } {
  const registry = makeRegistry();
  const metrics = new VframeMetrics();
  const queue = fakeQueue({
    depth: 5,
    workers: [{ id: "thread-1", processed: 12, busy: 1, alive: true, lastSeenMs: 0 }],
  });
  return { registry, metrics, handler: createPreviewHandler({ registry, metrics, queue }) };
}

function get(h: PreviewHandler, path: string, init: RequestInit = {}): Promise<Response> {
  return h.handle(new Request(new URL(path, "http://127.0.0.1:8080"), init));
}

async function error(res: Response, status: number, message: RegExp) {
  assert.equal(res.status, status);
  assert.match(res.headers.get("content-type")!, /application\/json/);
  const body = await res.json();
  assert.match(body.error, message);
}

Deno.test("GET /api/jobs lists jobs with progress", async () => {
  const { handler } = setup();
  const res = await get(handler, "/api/jobs");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const jobs: JobSummary[] = await res.json();
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].id, "job-1");
  assert.equal(jobs[0].state, "running");
  assert.equal(jobs[0].done, 12);
  assert.equal(jobs[0].total, 48);
  assert.equal(jobs[0].progress, 0.25);
  assert.ok(jobs[0].fps > 0, `fps of a running job with finished frames, got ${jobs[0].fps}`);
  assert.ok(jobs[0].etaSeconds! > 0);
});

Deno.test("GET /api/jobs/:id is the result JSON, live while running and after", async () => {
  const { registry, handler } = setup();
  const record = registry.get("job-1")!;
  assert.deepEqual(await (await get(handler, "/api/jobs/job-1")).json(), record.result);
  record.result.state = "done";
  record.result.frames.processed = 48;
  record.result.finishedAt = new Date().toISOString();
  const after = await (await get(handler, "/api/jobs/job-1")).json();
  assert.equal(after.state, "done");
  assert.equal(after.frames.processed, 48);
  await error(await get(handler, "/api/jobs/nope"), 404, /no job 'nope'/);
  await error(await get(handler, "/api/jobs/nope/live"), 404, /no job 'nope'/);
});

Deno.test("GET /api/jobs/:id/live has series, timeline and samples", async () => {
  const { handler } = setup();
  const live = await (await get(handler, "/api/jobs/job-1/live")).json();
  assert.equal(live.summary.id, "job-1");
  assert.equal(live.latestSample, 0);
  assert.deepEqual(live.samples.map((s: { index: number }) => s.index), [0, 2]);
  assert.deepEqual(live.timeline.map((e: { kind: string }) => e.kind), ["retry", "fallback"]);
  assert.ok(live.series.length >= 1);
  assert.equal(live.result.jobId, "job-1");
});

Deno.test("GET frames: JPEG of each variant, decoded colours match the samples", async () => {
  const { handler } = setup();
  for (const [variant, expect] of [["original", [255, 0, 0]], ["processed", [255, 255, 255]]]) {
    const res = await get(handler, `/api/jobs/job-1/frames/0?variant=${variant}`);
    assert.equal(res.status, 200, variant as string);
    assert.equal(res.headers.get("content-type"), "image/jpeg");
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(Number(res.headers.get("content-length")), bytes.length);
    const img = jpeg.decode(bytes, { useTArray: true });
    assert.deepEqual([img.width, img.height], [32, 24]);
    const o = (12 * 32 + 16) * 4;
    const px = [...img.data.subarray(o, o + 3)];
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(px[c] - (expect as number[])[c]) < 12, `${variant}: ${px} vs ${expect}`);
    }
  }
  // Default variant is processed.
  const def = new Uint8Array(await (await get(handler, "/api/jobs/job-1/frames/0")).arrayBuffer());
  const proc = new Uint8Array(
    await (await get(handler, "/api/jobs/job-1/frames/0?variant=processed")).arrayBuffer(),
  );
  assert.deepEqual(def, proc);
});

Deno.test("GET frames: not kept, not processed yet, unknown job and bad params", async () => {
  const { handler } = setup();
  await error(
    await get(handler, "/api/jobs/job-1/frames/1"),
    404,
    /frame 1 of job job-1 is not kept.*kept now: 0, 2/,
  );
  await error(
    await get(handler, "/api/jobs/job-1/frames/2?variant=processed"),
    404,
    /has not been processed yet/,
  );
  const orig = await get(handler, "/api/jobs/job-1/frames/2?variant=original");
  assert.equal(orig.status, 200);
  await orig.body?.cancel();
  await error(await get(handler, "/api/jobs/ghost/frames/0"), 404, /no job 'ghost'/);
  await error(await get(handler, "/api/jobs/job-1/frames/-1"), 400, /bad frame index '-1'/);
  await error(await get(handler, "/api/jobs/job-1/frames/0?variant=raw"), 400, /bad variant/);
  await error(await get(handler, "/api/jobs/job-1/frames/0?x=1"), 400, /unknown query/);
});

Deno.test("GET output.mp4 of a job without output is 404", async () => {
  const { handler } = setup();
  await error(
    await get(handler, "/api/jobs/job-1/output.mp4"),
    404,
    /has no output to download \(state: running\)/,
  );
});

Deno.test("GET /metrics serves Prometheus text with jobs and queue depth", async () => {
  const { handler, metrics } = setup();
  metrics.frameDone({ ok: false, retried: true, latencyMs: 12 });
  const res = await get(handler, "/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const v = parseMetrics(await res.text());
  assert.equal(v.get("vframe_frames_fallback_total"), 1);
  assert.equal(v.get('vframe_jobs{state="running"}'), 1);
  assert.equal(v.get('vframe_queue_depth{backend="embedded"}'), 5);
});

Deno.test("GET /api/status reports the queue's workers", async () => {
  const { handler } = setup();
  const body = await (await get(handler, "/api/status")).json();
  assert.deepEqual(body.queue, {
    backend: "embedded",
    up: true,
    depth: 5,
    // fps: null at the preview's first reading of a worker (no rate yet).
    workers: [{ id: "thread-1", processed: 12, busy: 1, alive: true, lastSeenMs: 0, fps: null }],
    offline: [],
  });
  const bare = createPreviewHandler({ registry: makeRegistry(), metrics: new VframeMetrics() });
  assert.deepEqual(await (await get(bare, "/api/status")).json(), { queue: null });
});

Deno.test("GET /api/status and /metrics count live workers only; offline ones are listed apart", async () => {
  const seen: unknown[] = [];
  const queue = {
    backend: "bullmq",
    depth: () => Promise.resolve(3),
    workers: (options?: { includeOffline?: boolean }) => {
      seen.push(options);
      const all = [
        { id: "host:2", processed: 0, busy: 0, alive: false, lastSeenMs: 40_000 },
        { id: "host:1", processed: 9, busy: 1, alive: true, lastSeenMs: 400 },
        { id: "host:3", processed: 2, busy: 0, alive: false, lastSeenMs: 4_000 },
      ];
      return Promise.resolve(options?.includeOffline ? all : all.filter((w) => w.alive));
    },
  };
  const handler = createPreviewHandler({
    registry: makeRegistry(),
    metrics: new VframeMetrics(),
    queue,
  });
  const body = await (await get(handler, "/api/status")).json();
  assert.deepEqual(seen, [{ includeOffline: true }]);
  assert.deepEqual(body.queue.workers.map((w: { id: string }) => w.id), ["host:1"]);
  assert.deepEqual(
    body.queue.offline.map((w: { id: string; lastSeenMs: number }) => [w.id, w.lastSeenMs]),
    [["host:3", 4_000], ["host:2", 40_000]],
    "most recently seen first",
  );
  const v = parseMetrics(await (await get(handler, "/metrics")).text());
  assert.equal(v.get('vframe_queue_workers{backend="bullmq"}'), 1);
  handler.close();
});

Deno.test("a queue backend the preview has never heard of is passed on by name", async () => {
  // The preview knows no list of backends: whatever `queue.backend` says is reported.
  const queue = {
    backend: "sqs",
    depth: () => Promise.resolve(7),
    workers: () =>
      Promise.resolve([{ id: "lambda-1", processed: 3, busy: 1, alive: true, lastSeenMs: 0 }]),
  };
  const metrics = new VframeMetrics();
  const handler = createPreviewHandler({ registry: makeRegistry(), metrics, queue });
  const body = await (await get(handler, "/api/status")).json();
  assert.deepEqual(body.queue, {
    backend: "sqs",
    up: true,
    depth: 7,
    workers: [{ id: "lambda-1", processed: 3, busy: 1, alive: true, lastSeenMs: 0, fps: null }],
    offline: [],
  });
  const v = parseMetrics(await (await get(handler, "/metrics")).text());
  assert.equal(v.get('vframe_queue_depth{backend="sqs"}'), 7);
  assert.equal(v.get('vframe_queue_workers{backend="sqs"}'), 1);
  assert.equal(v.get('vframe_queue_up{backend="sqs"}'), 1);
});

Deno.test("page and assets are served from the preview itself, with a strict CSP", async () => {
  const { handler } = setup();
  const page = await get(handler, "/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /text\/html/);
  const csp = page.headers.get("content-security-policy")!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const html = await page.text();
  for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
    assert.ok(src[1].startsWith("/") || src[1] === "#", `local reference only, got ${src[1]}`);
    if (src[1].startsWith("/assets/")) {
      const asset = await get(handler, src[1]);
      assert.equal(asset.status, 200, src[1]);
      await asset.body?.cancel();
    }
  }
  assert.doesNotMatch(html, /<script>|<style>|style="/, "no inline script or style (CSP)");
  const js = await get(handler, "/assets/app.js");
  assert.match(js.headers.get("content-type")!, /text\/javascript/);
  const code = await js.text();
  assert.equal(
    code,
    await Deno.readTextFile(new URL("../../src/preview/assets/app.js", import.meta.url)),
  );
  const urls = [...code.matchAll(/https?:\/\/[^"' ]*/g)].map((m) => m[0]);
  assert.deepEqual(urls, ["http://www.w3.org/2000/svg"], "no remote URLs but the SVG namespace");
  assert.doesNotMatch(code, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  new Function(code); // parses as a classic script (throws SyntaxError otherwise)
  const css = await (await get(handler, "/assets/style.css")).text();
  assert.doesNotMatch(css, /url\(|@import/, "no external CSS resources");
  assert.match(css, /@media \(min-width/, "responsive layout");
  const icon = await get(handler, "/favicon.ico");
  assert.equal(icon.headers.get("content-type"), "image/svg+xml");
  await icon.body?.cancel();
  await error(await get(handler, "/assets/secret.ts"), 404, /no asset named 'secret.ts'/);
});

Deno.test("HEAD answers headers only; other methods get 405 with Allow", async () => {
  const { handler } = setup();
  const head = await get(handler, "/api/jobs", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  const post = await get(handler, "/api/jobs", { method: "POST", body: "{}" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("allowedHosts: other Host names get 421 (DNS-rebinding guard)", async () => {
  const registry = makeRegistry();
  const h = createPreviewHandler({
    registry,
    metrics: new VframeMetrics(),
    allowedHosts: ["127.0.0.1", "localhost"],
  });
  const ok = await h.handle(new Request("http://localhost:8080/api/jobs"));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const evil = await h.handle(new Request("http://attacker.example:8080/api/jobs"));
  await error(evil, 421, /does not answer for host 'attacker.example'/);
});

Deno.test("createPreviewHandler checks its options", () => {
  const metrics = new VframeMetrics();
  const registry = makeRegistry();
  // deno-lint-ignore no-explicit-any
  const bad = (o: any) => () => createPreviewHandler(o);
  assert.throws(bad({ registry: {}, metrics }), /registry must be a JobRegistry, got Object/);
  assert.throws(bad({ registry, metrics: null }), /metrics must be a VframeMetrics, got null/);
  assert.throws(bad({ registry, metrics, queue: 5 }), /queue must be a FrameQueue/);
  assert.throws(bad({ registry, metrics, queue: null }), /queue must be a FrameQueue, got null/);
  const noName = { depth: () => Promise.resolve(0), workers: () => Promise.resolve([]) };
  assert.throws(bad({ registry, metrics, queue: noName }), /queue must be a FrameQueue/);
  assert.throws(bad({ registry, metrics, allowedHosts: [] }), PreviewOptionsError);
  assert.throws(bad({ registry, metrics, frameMaxSide: -2 }), /maxSide/);
  assert.throws(bad({ registry, metrics, eventPeriodMs: 0 }), /eventPeriodMs must be/);
});
