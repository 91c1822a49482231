/** The worker's stop-signal rules (src/commands/signals.ts), without sending real signals. */
import assert from "node:assert/strict";
import { SIGNAL_DEDUPE_MS, StopSignalGate } from "../../src/commands/signals.ts";

Deno.test("StopSignalGate: the first stops, copies within the window are ignored, later forces", () => {
  const gate = new StopSignalGate();
  assert.equal(gate.windowMs, SIGNAL_DEDUPE_MS);
  assert.equal(SIGNAL_DEDUPE_MS, 300);
  assert.deepEqual(
    [1000, 1002, 1150, 1300, 1301, 2000].map((t) => gate.accept(t)),
    ["stop", "duplicate", "duplicate", "duplicate", "force", "force"],
  );
});

Deno.test("StopSignalGate: the window counts from the first signal, not the last", () => {
  const gate = new StopSignalGate(100);
  assert.deepEqual([0, 90, 180].map((t) => gate.accept(t)), ["stop", "duplicate", "force"]);
  const none = new StopSignalGate(0);
  assert.deepEqual([5, 5, 6].map((t) => none.accept(t)), ["stop", "duplicate", "force"]);
});

Deno.test("StopSignalGate checks its window", () => {
  assert.throws(() => new StopSignalGate(-1), /windowMs must be a finite number >= 0, got -1/);
  assert.throws(() => new StopSignalGate(NaN), /got NaN/);
});
