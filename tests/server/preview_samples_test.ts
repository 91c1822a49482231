import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { shrinkYuv420 } from "../../src/server/preview_samples.ts";

/** The definition: each output pixel is the rounded mean of every `step`-th pixel of its block. */
function referenceShrink(data: Uint8Array, width: number, height: number, k: number): Uint8Array {
  const src = planeLayout(width, height);
  const ow = Math.ceil(width / k);
  const oh = Math.ceil(height / k);
  const dst = planeLayout(ow, oh);
  const out = new Uint8Array(dst.total);
  const step = Math.ceil(k / 4);
  const planes: [number, number, number, number, number, number][] = [
    [0, width, height, 0, ow, oh],
    [
      src.uOffset,
      src.chromaWidth,
      src.chromaHeight,
      dst.uOffset,
      dst.chromaWidth,
      dst.chromaHeight,
    ],
    [
      src.vOffset,
      src.chromaWidth,
      src.chromaHeight,
      dst.vOffset,
      dst.chromaWidth,
      dst.chromaHeight,
    ],
  ];
  for (const [so, w, h, d, pw, ph] of planes) {
    for (let oy = 0; oy < ph; oy++) {
      for (let ox = 0; ox < pw; ox++) {
        const y0 = Math.min(h - 1, oy * k);
        const x0 = Math.min(w - 1, ox * k);
        let sum = 0;
        let n = 0;
        for (let y = y0; y < Math.min(h, y0 + k); y += step) {
          for (let x = x0; x < Math.min(w, x0 + k); x += step) {
            sum += data[so + y * w + x];
            n++;
          }
        }
        out[d + oy * pw + ox] = Math.floor((sum + (n >> 1)) / n);
      }
    }
  }
  return out;
}

Deno.test("shrinkYuv420: the fast path gives the reference's bytes on odd sizes and every k", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (const [w, h] of [[2, 2], [7, 5], [33, 17], [64, 36], [97, 61], [1280, 720]]) {
    const data = Uint8Array.from({ length: planeLayout(w, h).total }, random);
    for (const k of [2, 3, 4, 5, 6, 7, 8, 9, 12, 13]) {
      const got = shrinkYuv420(data, w, h, k);
      assert.deepEqual(got.data, referenceShrink(data, w, h, k), `${w}x${h} k=${k}`);
    }
  }
});
