/** /api/events: Server-Sent Events over a real socket. */
import assert from "node:assert/strict";
import { startPreview } from "../../src/preview/server.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { buildSnapshot, type Snapshot, sseMessage } from "../../src/preview/events.ts";
import { fakeQueue, makeRegistry, makeResult } from "./fixtures.ts";

/** Reads `event:`/`data:` messages from an SSE body. */
async function* sseEvents(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) yield { event, data: JSON.parse(data) as Snapshot };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

Deno.test("events: a snapshot at once, then changes as they happen", async () => {
  const registry = makeRegistry();
  const queue = fakeQueue({
    depth: 2,
    workers: [{ id: "w", processed: 1, busy: 0, alive: true, lastSeenMs: 0 }],
  });
  const preview = await startPreview({
    registry,
    metrics: new VframeMetrics(),
    queue,
    port: 0,
    eventThrottleMs: 20,
    eventPeriodMs: 60_000,
  });
  try {
    const res = await fetch(new URL("/api/events", preview.url));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
    const events = sseEvents(res.body!);
    const first = (await events.next()).value!;
    assert.equal(first.event, "snapshot");
    assert.deepEqual(first.data.jobs.map((j) => j.id), ["job-1"]);
    assert.deepEqual(first.data.changed, ["job-1"]);
    assert.equal(first.data.queue?.depth, 2);
    assert.equal(first.data.queue?.workers[0].id, "w");

    // A new job and progress on the old one arrive together after the throttle.
    registry.add(makeResult("job-2"));
    registry.frameDone("job-1", 13);
    registry.changed("job-1");
    const second = (await events.next()).value!;
    assert.deepEqual(second.data.jobs.map((j) => j.id), ["job-2", "job-1"]);
    assert.deepEqual(second.data.changed.sort(), ["job-1", "job-2"]);
    assert.equal(second.data.jobs[1].done, 13);

    registry.get("job-2")!.result.state = "done";
    registry.changed("job-2");
    const third = (await events.next()).value!;
    assert.deepEqual(third.data.changed, ["job-2"]);
    assert.equal(third.data.jobs[0].state, "done");
    await events.return(undefined);
  } finally {
    await preview.close();
  }
});

Deno.test("events: periodic snapshots keep speed and ETA fresh without changes", async () => {
  const registry = makeRegistry();
  const preview = await startPreview({
    registry,
    metrics: new VframeMetrics(),
    port: 0,
    eventPeriodMs: 50,
  });
  try {
    const res = await fetch(new URL("/api/events", preview.url));
    const events = sseEvents(res.body!);
    await events.next();
    const started = Date.now();
    const tick = (await events.next()).value!;
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(tick.data.changed, [], "nothing changed, still an update");
    assert.equal(tick.data.queue, null, "no queue attached");
    await events.return(undefined);
  } finally {
    await preview.close();
  }
});

Deno.test("events: close() ends open streams so shutdown does not hang", async () => {
  const registry = makeRegistry();
  // Count the registry's change listeners (EventTarget cannot list them).
  let listeners = 0;
  const add = registry.addEventListener.bind(registry);
  const remove = registry.removeEventListener.bind(registry);
  registry.addEventListener = (...args: Parameters<typeof add>) => {
    if (args[0] === "change") listeners++;
    add(...args);
  };
  registry.removeEventListener = (...args: Parameters<typeof remove>) => {
    if (args[0] === "change") listeners--;
    remove(...args);
  };
  const preview = await startPreview({ registry, metrics: new VframeMetrics(), port: 0 });
  const res = await fetch(new URL("/api/events", preview.url));
  const events = sseEvents(res.body!);
  await events.next();
  assert.equal(listeners, 1, "one stream, one listener");
  const started = Date.now();
  await preview.close();
  assert.ok(Date.now() - started < 2000, "close did not wait for the stream");
  const after = await events.next();
  assert.equal(after.done, true, "the stream ended");
  assert.equal(listeners, 0, "the stream stopped listening to the registry");
});

Deno.test("buildSnapshot and sseMessage", async () => {
  const registry = makeRegistry();
  const snap = await buildSnapshot(registry, "all", undefined, Date.parse("2026-01-01T00:00:00Z"));
  assert.equal(snap.time, "2026-01-01T00:00:00.000Z");
  assert.deepEqual(snap.changed, ["job-1"]);
  assert.equal(snap.queue, null);
  const msg = sseMessage("snapshot", { a: "line\nbreak" });
  assert.equal(msg, 'event: snapshot\ndata: {"a":"line\\nbreak"}\n\n', "data stays on one line");
});
