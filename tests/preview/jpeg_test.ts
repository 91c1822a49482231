import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import { downscaleFactor, yuv420pToRgba } from "../../src/preview/yuv_to_rgba.ts";
import { encodeFrameJpeg, FrameJpegCache } from "../../src/preview/jpeg.ts";
import { PreviewOptionsError } from "../../src/preview/errors.ts";
import { planeLayout } from "../../src/codec/frame.ts";
import { BLACK, RED, solidFrame, WHITE } from "./fixtures.ts";

function pixel(img: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 4;
  return [...img.data.subarray(o, o + 4)];
}

Deno.test("yuv420pToRgba: BT.601 limited range maps reference colours", () => {
  for (
    const [yuv, rgb] of [
      [WHITE, [255, 255, 255]],
      [BLACK, [0, 0, 0]],
      [RED, [255, 0, 0]],
      [[145, 54, 34], [0, 255, 0]],
      [[41, 240, 110], [0, 0, 255]],
      [[126, 128, 128], [128, 128, 128]],
    ] as [number[], number[]][]
  ) {
    const img = yuv420pToRgba(solidFrame(4, 2, yuv[0], yuv[1], yuv[2]), 4, 2);
    const px = pixel(img, 3, 1);
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(px[c] - rgb[c]) <= 1, `yuv ${yuv} → ${px}, expected ≈ ${rgb}`);
    }
    assert.equal(px[3], 255);
  }
});

Deno.test("yuv420pToRgba: odd sizes read the right chroma sample for every pixel", () => {
  const w = 3, h = 5;
  const l = planeLayout(w, h);
  const data = new Uint8Array(l.total).fill(126);
  // Chroma is 2×3; give the bottom-right chroma cell a strong red (V high).
  data.fill(128, l.uOffset, l.uOffset + l.uvSize);
  data.fill(128, l.vOffset, l.vOffset + l.uvSize);
  data[l.vOffset + 2 * l.chromaWidth + 1] = 240;
  const img = yuv420pToRgba(data, w, h);
  assert.deepEqual([img.width, img.height], [3, 5]);
  assert.ok(pixel(img, 2, 4)[0] > 200, "pixel (2,4) uses chroma cell (1,2)");
  assert.equal(pixel(img, 1, 3)[0], 128, "pixel (1,3) uses chroma cell (0,1), neutral");
});

Deno.test("yuv420pToRgba: maxSide shrinks by an integer factor, averaging luma", () => {
  assert.equal(downscaleFactor(1920, 1080, 640), 3);
  assert.equal(downscaleFactor(640, 360, 640), 1);
  assert.equal(downscaleFactor(641, 10, 640), 2);
  assert.equal(downscaleFactor(4000, 10, 0), 1);
  const w = 8, h = 4;
  const l = planeLayout(w, h);
  const data = new Uint8Array(l.total).fill(128);
  // Left half black, right half white in luma; the 2× image averages 2×2 blocks.
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = x % 2 ? 235 : 16;
  const img = yuv420pToRgba(data, w, h, { maxSide: 4 });
  assert.deepEqual([img.width, img.height], [4, 2]);
  const px = pixel(img, 1, 1);
  assert.ok(Math.abs(px[0] - 128) <= 1, `average of black and white is mid grey, got ${px}`);
});

Deno.test("yuv420pToRgba: rejects a buffer of the wrong size and bad options", () => {
  assert.throws(() => yuv420pToRgba(new Uint8Array(10), 4, 4), /has 24 bytes, got 10/);
  assert.throws(
    () => yuv420pToRgba(new Uint8Array(24), 4, 4, { maxSide: -1 }),
    PreviewOptionsError,
  );
  assert.throws(() => yuv420pToRgba(new Uint8Array(24), 0, 4), RangeError);
});

Deno.test("encodeFrameJpeg: a decodable JPEG of the frame's colours and size", () => {
  const bytes = encodeFrameJpeg(solidFrame(33, 17, ...RED), 33, 17, { quality: 90 });
  assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], "JPEG SOI marker");
  const img = jpeg.decode(bytes, { useTArray: true });
  assert.deepEqual([img.width, img.height], [33, 17]);
  const px = pixel(img, 16, 8);
  assert.ok(px[0] > 240 && px[1] < 20 && px[2] < 20, `red survives JPEG, got ${px}`);
  assert.throws(() => encodeFrameJpeg(new Uint8Array(6), 2, 2, { quality: 0 }), /quality/);
});

Deno.test("encodeFrameJpeg: frames bigger than maxSide are shrunk", () => {
  const bytes = encodeFrameJpeg(solidFrame(1280, 720, ...WHITE), 1280, 720);
  const img = jpeg.decode(bytes, { useTArray: true });
  assert.deepEqual([img.width, img.height], [640, 360], "default maxSide is 640");
  const full = jpeg.decode(encodeFrameJpeg(solidFrame(700, 10, ...WHITE), 700, 10, { maxSide: 0 }));
  assert.equal(full.width, 700);
});

Deno.test("FrameJpegCache: encodes each buffer once, keyed by the buffer", () => {
  const cache = new FrameJpegCache({ maxSide: 0 });
  const a = solidFrame(8, 8, ...RED);
  const b = solidFrame(8, 8, ...RED);
  const first = cache.get(a, 8, 8);
  assert.equal(cache.get(a, 8, 8), first, "second call returns the cached bytes");
  assert.equal(cache.encodedCount, 1);
  cache.get(b, 8, 8);
  assert.equal(cache.encodedCount, 2, "an equal but different buffer is a different frame");
  assert.throws(() => new FrameJpegCache({ quality: 101 }), PreviewOptionsError);
});
