import assert from "node:assert/strict";
import { admit, BUSY_RETRY_MS } from "../../src/server/admission.ts";
import type { HelloMessage } from "../../src/protocol/messages.ts";

const hello = (over: Partial<HelloMessage> = {}): HelloMessage => ({
  type: "hello",
  version: 1,
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
  const version = admit(hello({ version: 2 }), state);
  assert.deepEqual(version.ok ? null : version.code, "version-mismatch");
  assert.match(
    (version as { reason: string }).reason,
    /speaks protocol version 1, the client sent 2/,
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
