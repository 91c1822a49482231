import assert from "node:assert/strict";
import { sniffStreamable } from "../../src/codec/streamable.ts";
import { concatBytes } from "../helpers/bytes.ts";

function box(type: string, payload: number): Uint8Array {
  const b = new Uint8Array(8 + payload);
  new DataView(b.buffer).setUint32(0, 8 + payload);
  b.set([...type].map((c) => c.charCodeAt(0)), 4);
  return b;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

Deno.test("sniff: faststart MP4 (moov before mdat) streams; headerBytes covers moov", () => {
  const file = concat(box("ftyp", 24), box("moov", 500), box("mdat", 5000));
  const d = sniffStreamable(file.subarray(0, 40), file.length);
  assert.deepEqual(d, { kind: "stream", container: "mp4", headerBytes: 32 + 508 });
});

Deno.test("sniff: MP4 with mdat first decodes after upload", () => {
  const file = concat(box("ftyp", 24), box("free", 0), box("mdat", 5000), box("moov", 500));
  const d = sniffStreamable(file.subarray(0, 48), file.length);
  assert.equal(d.kind, "after-upload");
  assert.match((d as { reason: string }).reason, /moov after mdat/);
});

Deno.test("sniff: waits for more bytes when a box header is not in yet", () => {
  const file = concat(box("ftyp", 24), box("moov", 500));
  assert.deepEqual(sniffStreamable(file.subarray(0, 3), file.length), { kind: "need-more" });
  assert.deepEqual(sniffStreamable(file.subarray(0, 36), 10_000), { kind: "need-more" });
});

Deno.test("sniff: 64-bit box sizes, zero sizes and nonsense sizes", () => {
  const large = new Uint8Array(16 + 8);
  const v = new DataView(large.buffer);
  v.setUint32(0, 1);
  large.set([..."free"].map((c) => c.charCodeAt(0)), 4);
  v.setBigUint64(8, 24n);
  const file = concat(box("ftyp", 8), large, box("moov", 10));
  assert.deepEqual(sniffStreamable(file, file.length), {
    kind: "stream",
    container: "mp4",
    headerBytes: 16 + 24 + 18,
  });
  const broken = concat(box("ftyp", 8));
  new DataView(broken.buffer).setUint32(0, 3);
  assert.equal(sniffStreamable(broken, 1000).kind, "after-upload");
});

Deno.test("sniff: Matroska and MPEG-TS stream; unknown bytes decode after upload", () => {
  assert.equal(sniffStreamable(new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1]), 100).kind, "stream");
  const ts = new Uint8Array(188 * 3);
  ts[0] = ts[188] = ts[376] = 0x47;
  assert.deepEqual(sniffStreamable(ts, 10_000), {
    kind: "stream",
    container: "mpegts",
    headerBytes: 0,
  });
  const text = new TextEncoder().encode("hello, this is not a video".repeat(20));
  assert.equal(sniffStreamable(text, text.length).kind, "after-upload");
});
