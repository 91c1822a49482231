import assert from "node:assert/strict";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { PreviewOptionsError } from "../../src/preview/errors.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { fakeQueue, makeResult, parseMetrics } from "./fixtures.ts";

Deno.test("VframeMetrics: frame counters, in-flight gauge and latency histogram", async () => {
  const m = new VframeMetrics();
  m.inFlight(+1);
  m.inFlight(+1);
  m.inFlight(+1);
  m.frameDone({ ok: true, retried: false, latencyMs: 3 });
  m.inFlight(-1);
  m.frameDone({ ok: true, retried: true, latencyMs: 40 });
  m.inFlight(-1);
  m.frameDone({ ok: false, retried: true, latencyMs: 2000 });
  const text = await m.render(new JobRegistry());
  const v = parseMetrics(text);
  assert.equal(v.get("vframe_frames_processed_total"), 2);
  assert.equal(v.get("vframe_frames_fallback_total"), 1);
  assert.equal(v.get("vframe_frames_retried_total"), 2);
  assert.equal(v.get("vframe_frames_in_flight"), 1);
  assert.equal(v.get("vframe_frame_latency_seconds_count"), 3);
  assert.equal(v.get("vframe_frame_latency_seconds_sum"), 2.043);
  assert.equal(v.get('vframe_frame_latency_seconds_bucket{le="0.005"}'), 1);
  assert.equal(v.get('vframe_frame_latency_seconds_bucket{le="0.05"}'), 2);
  assert.equal(v.get('vframe_frame_latency_seconds_bucket{le="+Inf"}'), 3);
  assert.match(text, /# TYPE vframe_frame_latency_seconds histogram/);
  assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
});

Deno.test("VframeMetrics: per-stage histograms, every stage present from the start", async () => {
  const m = new VframeMetrics();
  let v = parseMetrics(await m.render(new JobRegistry()));
  for (const stage of ["upload", "decode", "process", "encode", "total"]) {
    assert.equal(v.get(`vframe_stage_duration_seconds_count{stage="${stage}"}`), 0, stage);
  }
  m.stage("decode", 1500);
  m.stage("decode", 30);
  m.stage("total", 120_000);
  v = parseMetrics(await m.render(new JobRegistry()));
  assert.equal(v.get('vframe_stage_duration_seconds_count{stage="decode"}'), 2);
  assert.equal(v.get('vframe_stage_duration_seconds_sum{stage="decode"}'), 1.53);
  assert.equal(v.get('vframe_stage_duration_seconds_bucket{le="0.05",stage="decode"}'), 1);
  assert.equal(v.get('vframe_stage_duration_seconds_bucket{le="120",stage="total"}'), 1);
  assert.equal(v.get('vframe_stage_duration_seconds_bucket{le="60",stage="total"}'), 0);
});

Deno.test("VframeMetrics: jobs by state and queue depth come from the registry and queue", async () => {
  const m = new VframeMetrics();
  const registry = new JobRegistry();
  registry.add(makeResult("a"));
  registry.add(makeResult("b"));
  registry.add(makeResult("c", { state: "done" }));
  registry.add(makeResult("d", { state: "failed" }));
  const queue = fakeQueue({
    depth: 17,
    workers: [{ id: "w1", processed: 3, busy: 1, alive: true, lastSeenMs: 0 }],
  });
  let v = parseMetrics(await m.render(registry, queue));
  assert.equal(v.get('vframe_jobs{state="running"}'), 2);
  assert.equal(v.get('vframe_jobs{state="done"}'), 1);
  assert.equal(v.get('vframe_jobs{state="failed"}'), 1);
  assert.equal(v.get('vframe_jobs{state="queued"}'), 0);
  assert.equal(v.get('vframe_queue_depth{backend="embedded"}'), 17);
  assert.equal(v.get('vframe_queue_workers{backend="embedded"}'), 1);
  assert.equal(v.get('vframe_queue_up{backend="embedded"}'), 1);
  registry.get("a")!.result.state = "done";
  v = parseMetrics(await m.render(registry, queue));
  assert.equal(v.get('vframe_jobs{state="running"}'), 1);
  assert.equal(v.get('vframe_jobs{state="done"}'), 2);
});

Deno.test("VframeMetrics: a failing or hanging queue is reported down, not thrown", async () => {
  const m = new VframeMetrics({ queueTimeoutMs: 50 });
  const registry = new JobRegistry();
  let v = parseMetrics(await m.render(registry, fakeQueue({ depth: 3 })));
  assert.equal(v.get('vframe_queue_depth{backend="embedded"}'), 3);
  v = parseMetrics(await m.render(registry, fakeQueue({ fail: true })));
  assert.equal(v.get('vframe_queue_up{backend="embedded"}'), 0);
  assert.equal(v.has('vframe_queue_depth{backend="embedded"}'), false, "stale depth is dropped");
  const started = Date.now();
  v = parseMetrics(await m.render(registry, fakeQueue({ hang: true })));
  assert.equal(v.get('vframe_queue_up{backend="embedded"}'), 0);
  assert.ok(Date.now() - started < 1000, "gave up after the timeout");
});

Deno.test("VframeMetrics: arguments are checked", () => {
  const m = new VframeMetrics();
  assert.throws(
    () => m.frameDone({ ok: true, retried: false, latencyMs: NaN }),
    /latencyMs must be a finite number of milliseconds, got NaN/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => m.frameDone({ ok: true, retried: false, latencyMs: "5" as any }),
    PreviewOptionsError,
  );
  // deno-lint-ignore no-explicit-any
  assert.throws(() => m.stage("mux" as any, 1), /stage must be one of .*got 'mux'/);
  assert.throws(() => m.stage("decode", Infinity), /ms must be/);
  assert.throws(() => m.inFlight(NaN), /delta must be a finite number/);
  assert.throws(() => new VframeMetrics({ queueTimeoutMs: 0 }), PreviewOptionsError);
});

Deno.test("VframeMetrics: a negative duration (clock stepped back) counts as 0", async () => {
  const m = new VframeMetrics();
  m.frameDone({ ok: true, retried: false, latencyMs: -3 });
  m.stage("encode", -1);
  const v = parseMetrics(await m.render(new JobRegistry()));
  assert.equal(v.get("vframe_frame_latency_seconds_sum"), 0);
  assert.equal(v.get('vframe_frame_latency_seconds_bucket{le="0.005"}'), 1);
  assert.equal(v.get('vframe_stage_duration_seconds_sum{stage="encode"}'), 0);
  assert.equal(v.get('vframe_stage_duration_seconds_count{stage="encode"}'), 1);
});

Deno.test("VframeMetrics: two instances keep separate figures", async () => {
  const a = new VframeMetrics();
  const b = new VframeMetrics();
  a.frameDone({ ok: true, retried: false, latencyMs: 1 });
  const va = parseMetrics(await a.render(new JobRegistry()));
  const vb = parseMetrics(await b.render(new JobRegistry()));
  assert.equal(va.get("vframe_frames_processed_total"), 1);
  assert.equal(vb.get("vframe_frames_processed_total"), 0);
});
