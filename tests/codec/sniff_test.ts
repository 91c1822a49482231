import assert from "node:assert/strict";
import { isIsoBmff, mp4StreamLayout, sniffHead, walkTopLevelBoxes } from "../../src/codec/sniff.ts";
import { concatBytes } from "../helpers/bytes.ts";

function box(type: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, size);
  b.set(new TextEncoder().encode(type), 4);
  return b;
}
function cat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}
const reader = (bytes: Uint8Array) => (at: number, len: number) =>
  Promise.resolve(bytes.slice(at, at + len));

Deno.test("sniffHead tells empty, images, text and binary apart", () => {
  assert.deepEqual(sniffHead(new Uint8Array()), { kind: "empty" });
  assert.deepEqual(sniffHead(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), {
    kind: "image",
    format: "PNG",
  });
  assert.deepEqual(sniffHead(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), {
    kind: "image",
    format: "JPEG",
  });
  assert.deepEqual(sniffHead(new TextEncoder().encode("hello, this is not a video\n")), {
    kind: "text",
  });
  assert.deepEqual(sniffHead(cat(box("ftyp", 24), box("moov", 16))), { kind: "binary" });
  assert.deepEqual(sniffHead(new TextEncoder().encode("YUV4MPEG2 W2 H2 F25:1\nFRAME\n")), {
    kind: "binary",
  });
});

Deno.test("walkTopLevelBoxes finds moov/mdat and flags a cut file", async () => {
  const file = cat(box("ftyp", 24), box("mdat", 100), box("moov", 40));
  const ok = await walkTopLevelBoxes(reader(file), file.length);
  assert.deepEqual(ok.boxes.map((b) => b.type), ["ftyp", "mdat", "moov"]);
  assert.equal(ok.truncated, false);
  assert.equal(ok.mdat, 1);
  assert.equal(ok.moov, 2);
  const cut = file.subarray(0, 90);
  const bad = await walkTopLevelBoxes(reader(cut), cut.length);
  assert.equal(bad.truncated, true);
  assert.equal(bad.moov, -1);
  assert.ok(isIsoBmff(file));
  assert.ok(!isIsoBmff(new TextEncoder().encode("not an mp4 at all")));
});

Deno.test("mp4StreamLayout: moov first streams, mdat first needs the whole file", () => {
  assert.equal(mp4StreamLayout(cat(box("ftyp", 24), box("moov", 40))), "stream");
  assert.equal(
    mp4StreamLayout(cat(box("ftyp", 24), box("free", 8), box("mdat", 16))),
    "whole-file",
  );
  assert.equal(mp4StreamLayout(box("ftyp", 24).subarray(0, 20)), "need-more");
});
