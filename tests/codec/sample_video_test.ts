import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { drawTestFrame, sineWav } from "../../src/codec/sample_video.ts";

Deno.test("drawTestFrame: right size, deterministic, moves between frames, odd sizes", () => {
  for (const [w, h] of [[160, 120], [161, 91], [1, 1], [3, 5]]) {
    const a = drawTestFrame(w, h, 7);
    assert.equal(a.length, planeLayout(w, h).total);
    assert.deepEqual(drawTestFrame(w, h, 7), a);
  }
  assert.notDeepEqual(drawTestFrame(160, 120, 0), drawTestFrame(160, 120, 5));
  const f = drawTestFrame(160, 120, 0);
  const l = planeLayout(160, 120);
  assert.equal(f[l.uOffset], 128, "white bar has neutral chroma");
  assert.notEqual(f[l.uOffset + l.chromaWidth - 1], 128, "blue bar has chroma");
  assert.throws(() => drawTestFrame(0, 10, 0), /width/);
});

Deno.test("sineWav: a valid PCM header and the right length", () => {
  const wav = sineWav(0.5, 8000);
  const v = new DataView(wav.buffer);
  assert.equal(new TextDecoder().decode(wav.subarray(0, 4)), "RIFF");
  assert.equal(new TextDecoder().decode(wav.subarray(8, 12)), "WAVE");
  assert.equal(v.getUint32(24, true), 8000);
  assert.equal(v.getUint32(40, true), 8000);
  assert.equal(wav.length, 44 + 8000);
  let peak = 0;
  for (let i = 0; i < 4000; i++) peak = Math.max(peak, Math.abs(v.getInt16(44 + i * 2, true)));
  assert.ok(peak > 7000 && peak <= 8000, `peak ${peak}`);
});
