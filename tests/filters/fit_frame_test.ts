import assert from "node:assert/strict";
import { fitFrame, fitPlacement } from "../../src/filters/fit_frame.ts";
import { planeLayout } from "../../src/codec/frame.ts";

Deno.test("fitPlacement: the aspect ratio kept, centred, even corners, never outside", () => {
  assert.deepEqual(fitPlacement(1920, 1080, 1280, 720), { width: 1280, height: 720, x: 0, y: 0 });
  assert.deepEqual(fitPlacement(1920, 1080, 1080, 1920), {
    width: 1080,
    height: 608,
    x: 0,
    y: 656,
  });
  assert.deepEqual(fitPlacement(1920, 1080, 1820, 1080), {
    width: 1820,
    height: 1024,
    x: 0,
    y: 28,
  });
  for (const [w, h, ow, oh] of [[7, 5, 3, 9], [2, 2, 1, 1], [5, 3, 64, 2], [100, 1, 3, 3]]) {
    const f = fitPlacement(w, h, ow, oh);
    assert.ok(f.width >= 1 && f.height >= 1, `${w}x${h} in ${ow}x${oh}`);
    assert.ok(f.x % 2 === 0 && f.y % 2 === 0 && f.x + f.width <= ow && f.y + f.height <= oh);
  }
});

Deno.test("fitFrame: the original inside, black around it, every plane", () => {
  // A 4x2 grey frame (Y 200, U 90, V 160) fitted into 8x8: a 8x4 band in the middle.
  const src = planeLayout(4, 2);
  const data = new Uint8Array(src.total);
  data.fill(200, 0, src.ySize).fill(90, src.uOffset, src.vOffset).fill(160, src.vOffset);
  const out = fitFrame(data, 4, 2, 8, 8);
  const dst = planeLayout(8, 8);
  assert.equal(out.length, dst.total);
  const y = (r: number) => Array.from(out.subarray(r * 8, r * 8 + 8));
  assert.deepEqual(y(0), new Array(8).fill(16), "black above");
  assert.deepEqual(y(1), new Array(8).fill(16));
  for (const r of [2, 3, 4, 5]) assert.deepEqual(y(r), new Array(8).fill(200), `row ${r}`);
  assert.deepEqual(y(6), new Array(8).fill(16), "black below");
  const u = Array.from(out.subarray(dst.uOffset, dst.vOffset));
  const v = Array.from(out.subarray(dst.vOffset));
  assert.deepEqual(u, [
    ...new Array(4).fill(128),
    ...new Array(8).fill(90),
    ...new Array(4).fill(128),
  ]);
  assert.deepEqual(v, [
    ...new Array(4).fill(128),
    ...new Array(8).fill(160),
    ...new Array(4).fill(128),
  ]);
  // Odd sizes: the right length, nothing thrown.
  assert.equal(
    fitFrame(new Uint8Array(planeLayout(7, 5).total), 7, 5, 3, 9).length,
    planeLayout(3, 9).total,
  );
});
