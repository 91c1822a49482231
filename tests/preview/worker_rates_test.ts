/** Speeds shown in the workers panel: WorkerRates, and the window arithmetic it shares with jobs. */
import assert from "node:assert/strict";
import { WorkerRates } from "../../src/preview/worker_rates.ts";
import { readQueueStatus } from "../../src/preview/status.ts";
import { windowRate } from "../../src/server/registry.ts";
import { fakeQueue } from "./fixtures.ts";

Deno.test("windowRate: items over the window before now, from the origin while younger", () => {
  const points: [number, number][] = [[1000, 10], [2000, 20], [3000, 30]];
  assert.equal(windowRate(points, [4000, 40]), 10, "(40 − 10) / 3 s");
  assert.equal(windowRate(points, [2500, 25]), 10, "younger than 3 s: from the origin (0, 0)");
  assert.equal(windowRate(points, [3000, 35], [1000, 10]), 12.5, "from a given origin");
  assert.equal(windowRate(points, [9000, 30]), 0, "stalled: the window slid past the last item");
  assert.equal(windowRate([], [0, 0]), 0, "no time passed");
  assert.equal(windowRate(points, [4000, 40], [0, 0], 1000), 10, "another window");
});

Deno.test("WorkerRates: null at the first reading, then frames per second over 3 s", () => {
  const rates = new WorkerRates();
  assert.equal(rates.rate("w1", 100, 10_000), null);
  assert.equal(rates.rate("w1", 110, 11_000), 10, "1 s after the first reading");
  assert.equal(rates.rate("w1", 130, 12_000), 15);
  assert.equal(rates.rate("w1", 160, 13_000), 20, "(160 − 100) / 3 s");
  assert.equal(rates.rate("w1", 160, 14_000), 16.67, "window [11 s, 14 s]: 50 frames");
  assert.equal(rates.rate("w1", 160, 17_000), 0, "idle for 3 s");
  // Workers are measured separately; a restarted worker (count went down) starts over.
  assert.equal(rates.rate("w2", 5, 17_000), null);
  assert.equal(rates.rate("w1", 3, 18_000), null);
  assert.equal(rates.rate("w1", 9, 19_000), 6);
});

Deno.test("readQueueStatus: workers carry their fps; offline ones 0", async () => {
  const queue = fakeQueue({
    workers: [
      { id: "a", processed: 10, busy: 1, alive: true, lastSeenMs: 0 },
      { id: "b", processed: 4, busy: 0, alive: false, lastSeenMs: 5000 },
    ],
  });
  const rates = new WorkerRates();
  const first = await readQueueStatus(queue, 1000, rates);
  assert.deepEqual(first.workers.map((w) => [w.id, w.fps]), [["a", null]]);
  assert.deepEqual(first.offline.map((w) => [w.id, w.fps]), [["b", 0]]);
  const plain = await readQueueStatus(queue, 1000);
  assert.equal(plain.workers[0].fps, null, "no rates given: no speed");
});
