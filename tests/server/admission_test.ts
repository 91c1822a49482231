import assert from "node:assert/strict";
import {
  admit,
  admitAndReserve,
  BUSY_RETRY_MS,
  JobSlots,
  type ServerResources,
} from "../../src/server/admission.ts";
import { MemoryBudget } from "../../src/server/memory.ts";
import { type HelloMessage, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";

const hello = (over: Partial<HelloMessage> = {}): HelloMessage => ({
  type: "hello",
  version: PROTOCOL_VERSION,
  fileName: "a.mp4",
  size: 1000,
  filter: "grayscale",
  options: {},
  ...over,
});
const state = { maxUploadBytes: 10_000, activeJobs: 0, maxJobs: 2 };

Deno.test("admit: accepts a good hello and returns the canonical chain", () => {
  const v = admit(hello({ filter: "blur=3, grayscale" }), state);
  assert.equal(v.ok, true);
  assert.match(
    (v as { filter: string }).filter,
    /^blur=sigma=3(\.0+)?(:[a-z]+=[\d.]+)*,grayscale$/,
  );
});

Deno.test("admit: each refusal has its code and a reason naming the values", () => {
  const other = PROTOCOL_VERSION + 1;
  const version = admit(hello({ version: other }), state);
  assert.deepEqual(version.ok ? null : version.code, "version-mismatch");
  assert.match(
    (version as { reason: string }).reason,
    new RegExp(`speaks protocol version ${PROTOCOL_VERSION}, the client sent ${other}`),
  );

  const busy = admit(hello(), { ...state, activeJobs: 2 });
  assert.equal(busy.ok ? null : busy.code, "server-busy");
  assert.equal((busy as { retryAfterMs?: number }).retryAfterMs, BUSY_RETRY_MS);

  const closing = admit(hello(), { ...state, closing: true });
  assert.equal(closing.ok ? null : closing.code, "server-busy");

  const big = admit(hello({ size: 10_001 }), state);
  assert.equal(big.ok ? null : big.code, "too-large");
  assert.match((big as { reason: string }).reason, /10001 bytes.*at most 10000/);

  const unknown = admit(hello({ filter: "blurr=3" }), state);
  assert.equal(unknown.ok ? null : unknown.code, "unknown-filter");
  assert.match((unknown as { reason: string }).reason, /blurr/);

  const bad = admit(hello({ filter: "blur=sigma=-1" }), state);
  assert.equal(bad.ok ? null : bad.code, "bad-filter");
  assert.match((bad as { reason: string }).reason, /sigma/);
});

Deno.test("admit: busy when the memory budget cannot take a job's base share", () => {
  const memory = { limitBytes: 1000, reservedBytes: 950, jobBaseBytes: 100 };
  const v = admit(hello(), { ...state, memory });
  assert.equal(v.ok ? null : v.code, "server-busy");
  assert.match((v as { reason: string }).reason, /memory limit \(--max-memory-mb\)/);
  assert.equal((v as { retryAfterMs?: number }).retryAfterMs, BUSY_RETRY_MS);
  assert.equal(admit(hello(), { ...state, memory: { ...memory, reservedBytes: 900 } }).ok, true);
  const waiting = admit(hello(), { ...state, memory: { ...memory, reservedBytes: 0, waiting: 1 } });
  assert.equal(waiting.ok ? null : waiting.code, "server-busy");
  assert.match((waiting as { reason: string }).reason, /waiting for memory/);
});

Deno.test("JobSlots: taken synchronously up to max, each release counted once", () => {
  assert.throws(() => new JobSlots(0), RangeError);
  const slots = new JobSlots(2);
  const a = slots.tryTake()!;
  const b = slots.tryTake()!;
  assert.equal(slots.tryTake(), undefined);
  assert.equal(slots.used, 2);
  a();
  a();
  assert.equal(slots.used, 1);
  assert.ok(slots.tryTake());
  b();
  assert.equal(slots.used, 1);
});

Deno.test("admitAndReserve: 20 hellos in one go → exactly max-jobs reserved, freed on release", () => {
  const r: ServerResources = {
    slots: new JobSlots(2),
    memory: new MemoryBudget(10_000),
    jobBaseBytes: 1000,
    maxUploadBytes: 10_000,
    closing: false,
  };
  const verdicts = Array.from({ length: 20 }, () => admitAndReserve(hello(), r));
  const accepted = verdicts.filter((v) => v.ok);
  assert.equal(accepted.length, 2);
  for (const v of verdicts.filter((v) => !v.ok)) {
    assert.equal(v.ok ? null : v.code, "server-busy");
  }
  assert.equal(r.slots.used, 2);
  assert.equal(r.memory!.reservedBytes, 2000);
  for (const v of accepted) {
    if (v.ok) {
      assert.equal(v.reservation.memoryBytes, 1000);
      v.reservation.release();
      v.reservation.release();
    }
  }
  assert.equal(r.slots.used, 0);
  assert.equal(r.memory!.reservedBytes, 0);
  // A refusal reserves nothing.
  const refused = admitAndReserve(hello({ filter: "nosuch" }), r);
  assert.equal(refused.ok, false);
  assert.equal(r.slots.used, 0);
  assert.equal(r.memory!.reservedBytes, 0);
});

Deno.test("admitAndReserve: the memory budget bounds admissions too", () => {
  const r: ServerResources = {
    slots: new JobSlots(10),
    memory: new MemoryBudget(2500),
    jobBaseBytes: 1000,
    maxUploadBytes: 10_000,
    closing: false,
  };
  const verdicts = Array.from({ length: 5 }, () => admitAndReserve(hello(), r));
  assert.equal(verdicts.filter((v) => v.ok).length, 2);
  const refused = verdicts.find((v) => !v.ok)!;
  assert.equal(refused.ok ? null : refused.code, "server-busy");
  assert.match(
    (refused as { reason: string }).reason,
    /hold 2 KiB of the server's 2 KiB memory limit.*needs at least 1000 bytes/,
  );
  for (const v of verdicts) if (v.ok) v.reservation.release();
  assert.equal(r.slots.used, 0);
});
