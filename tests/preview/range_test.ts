import assert from "node:assert/strict";
import { parseRange } from "../../src/preview/range.ts";

Deno.test("parseRange: well-formed single ranges", () => {
  assert.deepEqual(parseRange(null, 100), { kind: "full" });
  assert.deepEqual(parseRange(undefined, 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=0-9", 100), { kind: "partial", start: 0, end: 9 });
  assert.deepEqual(parseRange("bytes=10-", 100), { kind: "partial", start: 10, end: 99 });
  assert.deepEqual(parseRange("bytes=90-500", 100), { kind: "partial", start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=-10", 100), { kind: "partial", start: 90, end: 99 });
  assert.deepEqual(parseRange("bytes=-1000", 100), { kind: "partial", start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=99-99", 100), { kind: "partial", start: 99, end: 99 });
  assert.deepEqual(parseRange(" Bytes = 5-6 ", 100), { kind: "partial", start: 5, end: 6 });
});

Deno.test("parseRange: other units and several ranges are ignored (whole body)", () => {
  assert.deepEqual(parseRange("items=0-5", 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=0-1,5-6", 100), { kind: "full" });
});

Deno.test("parseRange: malformed or unsatisfiable ranges", () => {
  for (
    const [header, size, why] of [
      ["bytes=100-", 100, /starts at or after the end/],
      ["bytes=100-200", 100, /starts at or after the end/],
      ["bytes=5-2", 100, /ends before it starts/],
      ["bytes=-0", 100, /selects no bytes/],
      ["bytes=-5", 0, /selects no bytes/],
      ["bytes=0-0", 0, /starts at or after the end/],
      ["bytes=abc", 100, /malformed byte range/],
      ["bytes=-", 100, /malformed byte range/],
      ["bytes=", 100, /malformed byte range/],
      ["bytes=1-2-3", 100, /malformed byte range/],
      ["bytes=0x10-", 100, /malformed byte range/],
      ["bytes=+1-2", 100, /malformed byte range/],
      ["bytes=0-1,x", 100, /malformed byte range/],
      ["bytes=99999999999999999999-", 100, /out of bounds/],
      ["garbage", 100, /malformed Range header/],
    ] as [string, number, RegExp][]
  ) {
    const d = parseRange(header, size);
    assert.equal(d.kind, "unsatisfiable", `${header} on ${size} bytes`);
    assert.match((d as { reason: string }).reason, why, header);
  }
});

Deno.test("parseRange: rejects a bad size", () => {
  assert.throws(() => parseRange("bytes=0-1", -1), RangeError);
  assert.throws(() => parseRange("bytes=0-1", 1.5), /safe integer/);
});
