import assert from "node:assert/strict";
// @ts-types="../../src/codec/y4m.d.ts"
import { parseY4mHeader, Y4mFormatError, Y4mParser } from "../../src/codec/y4m.js";
import { FrameAssembler } from "../../src/codec/raw_frames.ts";
import { CodecError } from "../../src/codec/errors.ts";
import { concatBytes } from "../helpers/bytes.ts";

const enc = new TextEncoder();

function y4m(width: number, height: number, frames: number): Uint8Array {
  const size = width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  const parts: Uint8Array[] = [
    enc.encode(`YUV4MPEG2 W${width} H${height} F30000:1001 Ip A1:1 C420jpeg\n`),
  ];
  for (let i = 0; i < frames; i++) {
    parts.push(enc.encode("FRAME\n"));
    parts.push(new Uint8Array(size).fill(i + 1));
  }
  return concatBytes(parts);
}

Deno.test("parseY4mHeader reads size, rate and colorspace", () => {
  const h = parseY4mHeader("YUV4MPEG2 W161 H91 F30000:1001 Ip A1:1 C420mpeg2 XYSCSS=420MPEG2");
  assert.deepEqual(h, {
    width: 161,
    height: 91,
    fps: { num: 30000, den: 1001 },
    colorspace: "420mpeg2",
  });
});

Deno.test("parseY4mHeader refuses other formats, bad sizes and non-4:2:0", () => {
  assert.throws(() => parseY4mHeader("RIFF1234"), Y4mFormatError);
  assert.throws(() => parseY4mHeader("YUV4MPEG2 W0 H10 F25:1"), /bad frame size/);
  assert.throws(() => parseY4mHeader("YUV4MPEG2 W10 H10"), /frame rate/);
  assert.throws(() => parseY4mHeader("YUV4MPEG2 W10 H10 F25:1 C444"), /not 4:2:0/);
});

Deno.test("Y4mParser assembles frames split across chunks of any size", () => {
  const bytes = y4m(5, 3, 4); // odd size: 15 + 2*3*2 = 27 bytes a frame
  for (const chunkSize of [1, 7, 27, 33, 1000]) {
    const frames: Uint8Array[] = [];
    let header;
    const parser = new Y4mParser({ onHeader: (h) => header = h });
    for (let at = 0; at < bytes.length; at += chunkSize) {
      const chunk = bytes.subarray(at, at + chunkSize);
      assert.equal(parser.push(chunk, (f) => frames.push(f)), chunk.length);
    }
    parser.finish();
    assert.deepEqual(header, {
      width: 5,
      height: 3,
      fps: { num: 30000, den: 1001 },
      colorspace: "420jpeg",
    });
    assert.equal(frames.length, 4, `chunk size ${chunkSize}`);
    frames.forEach((f, i) => {
      assert.equal(f.length, 27);
      assert.ok(f.every((b) => b === i + 1));
    });
  }
});

Deno.test("Y4mParser copies bytes: the caller may reuse its chunk", () => {
  const bytes = y4m(2, 2, 1);
  const chunk = bytes.slice();
  const frames: Uint8Array[] = [];
  const parser = new Y4mParser();
  parser.push(chunk, (f) => frames.push(f));
  chunk.fill(0);
  assert.ok(frames[0].every((b) => b === 1));
});

Deno.test("Y4mParser stops after maxFrames and reports the bytes it consumed", () => {
  const bytes = y4m(2, 2, 3);
  const parser = new Y4mParser();
  const frames: Uint8Array[] = [];
  const used = parser.push(bytes, (f) => frames.push(f), 1);
  assert.equal(frames.length, 1);
  assert.ok(used < bytes.length);
  parser.push(bytes.subarray(used), (f) => frames.push(f));
  assert.equal(frames.length, 3);
  assert.equal(parser.frames, 3);
});

Deno.test("Y4mParser rejects a missing FRAME marker and a stream cut inside a frame", () => {
  const bytes = y4m(2, 2, 2);
  const broken = bytes.slice();
  const second = broken.length - 6 - 6;
  broken.set(enc.encode("FRAMX"), second);
  assert.throws(() => new Y4mParser().push(broken, () => {}), /FRAME marker after frame 1/);
  const parser = new Y4mParser();
  parser.push(bytes.subarray(0, bytes.length - 2), () => {});
  assert.throws(() => parser.finish(), /ended inside frame 1/);
});

Deno.test("FrameAssembler cuts raw yuv420p into frames and refuses a partial last one", () => {
  const asm = new FrameAssembler(3, 3); // 9 + 2*2*2 = 17
  assert.equal(asm.frameBytes, 17);
  const frames: Uint8Array[] = [];
  const data = new Uint8Array(17 * 3).map((_, i) => Math.floor(i / 17));
  asm.push(data.subarray(0, 10), (f) => frames.push(f));
  asm.push(data.subarray(10, 40), (f) => frames.push(f));
  asm.push(data.subarray(40), (f) => frames.push(f));
  asm.finish();
  assert.deepEqual(frames.map((f) => f[16]), [0, 1, 2]);
  asm.push(new Uint8Array(5), () => {});
  assert.equal(asm.pendingBytes, 5);
  assert.throws(() => asm.finish(), CodecError);
  assert.throws(() => new FrameAssembler(0, 4), RangeError);
});
