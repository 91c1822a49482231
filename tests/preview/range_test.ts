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

Deno.test("parseRange: an end past the body is clamped to the last byte (RFC 9110 §14.1.2)", () => {
  for (
    const [header, size, start, end] of [
      ["bytes=0-100", 100, 0, 99],
      ["bytes=0-99999999", 100, 0, 99],
      ["bytes=0-9007199254740991", 100, 0, 99], // Number.MAX_SAFE_INTEGER
      ["bytes=0-9007199254740992", 100, 0, 99], // one past it
      ["bytes=0-99999999999999999999", 100, 0, 99],
      [`bytes=0-${"9".repeat(400)}`, 100, 0, 99], // beyond any double: Infinity
      ["bytes=42-99999999999999999999", 100, 42, 99],
      ["bytes=99-99999999999999999999", 100, 99, 99],
      ["bytes=0-00000000000000000000000000005", 100, 0, 5], // leading zeros are still exact
      ["bytes=0-99999999999999999999", 1, 0, 0],
    ] as [string, number, number, number][]
  ) {
    assert.deepEqual(parseRange(header, size), { kind: "partial", start, end }, header);
  }
});

Deno.test("parseRange: a suffix longer than the body selects all of it (RFC 9110 §14.1.3)", () => {
  for (
    const header of [
      "bytes=-100",
      "bytes=-101",
      "bytes=-9007199254740992",
      "bytes=-99999999999999999999",
      `bytes=-${"9".repeat(400)}`,
    ]
  ) {
    assert.deepEqual(parseRange(header, 100), { kind: "partial", start: 0, end: 99 }, header);
  }
  assert.deepEqual(parseRange("bytes=-99999999999999999999", 1), {
    kind: "partial",
    start: 0,
    end: 0,
  });
});

Deno.test("parseRange: only a start at or past the end is unsatisfiable", () => {
  for (
    const [header, size] of [
      ["bytes=100-", 100],
      ["bytes=101-", 100],
      ["bytes=100-100", 100],
      ["bytes=100-99999999999999999999", 100],
      ["bytes=9007199254740992-", 100],
      ["bytes=99999999999999999999-", 100],
      ["bytes=99999999999999999999-99999999999999999999", 100],
      [`bytes=${"9".repeat(400)}-`, 100],
      ["bytes=0-99999999999999999999", 0],
    ] as [string, number][]
  ) {
    const d = parseRange(header, size);
    assert.equal(d.kind, "unsatisfiable", `${header} on ${size} bytes`);
    assert.match((d as { reason: string }).reason, /starts at or after the end/, header);
  }
});

Deno.test("parseRange: other units and several ranges are ignored (whole body)", () => {
  assert.deepEqual(parseRange("items=0-5", 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=0-1,5-6", 100), { kind: "full" });
  // One satisfiable range is enough for the set to be satisfiable (RFC 9110 §14.1.1).
  assert.deepEqual(parseRange("bytes=0-1,500-", 100), { kind: "full" });
  assert.deepEqual(parseRange("bytes=500-,-5", 100), { kind: "full" });
  const none = parseRange("bytes=500-,600-700", 100);
  assert.equal(none.kind, "unsatisfiable");
  assert.match((none as { reason: string }).reason, /'500-' starts at or after the end/);
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
      ["bytes=99999999999999999999-", 100, /starts at or after the end/],
      ["bytes=99999999999999999999-5", 100, /ends before it starts/],
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
