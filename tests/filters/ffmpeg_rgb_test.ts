/**
 * curves and colorbalance against the native ffmpeg. Both work on RGB in ffmpeg, which converts
 * yuv420p with swscale before and after them, so the frames are compared by luma PSNR (≥ 40 dB,
 * the bar); what vframe computes in RGB is checked exactly: the curve tables byte for
 * byte, and colorbalance's formula pixel for pixel, both on rgb24 frames ffmpeg filters without
 * any conversion.
 */
import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { balancePixel } from "../../src/filters/defs/colorbalance.ts";
import { CURVES_PRESETS, presetTables } from "../../src/filters/defs/curves.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { ffmpegFilter, lumaPsnr, testPattern } from "./ffmpeg_run.ts";
import { randomBytes, rng } from "./helpers.ts";

const engine = await FilterEngine.create();
const PRESETS = Object.keys(CURVES_PRESETS);

Deno.test("ffmpeg: every curves preset's tables are ffmpeg's, byte for byte", async () => {
  // An rgb24 row holding every value in every channel: ffmpeg's output is its three tables.
  const ramp = new Uint8Array(256 * 3).map((_, i) => Math.floor(i / 3));
  for (const preset of PRESETS) {
    const out = await ffmpegFilter(`curves=preset=${preset}`, 256, 1, ramp, "rgb24");
    const tables = presetTables(preset);
    for (let c = 0; c < 3; c++) {
      const theirs = Array.from({ length: 256 }, (_, i) => out[i * 3 + c]);
      assert.deepEqual(
        [...tables.subarray(c * 256, c * 256 + 256)],
        theirs,
        `${preset} ${"RGB"[c]}`,
      );
    }
  }
});

Deno.test("ffmpeg: colorbalance's formula is ffmpeg 5.1's, pixel for pixel on rgb24", async () => {
  const random = rng(5);
  const settings = [
    "rs=0.3:gs=-0.2:bs=0.1:rm=-0.4:gm=0.25:bm=0.5:rh=0.6:gh=-0.7:bh=0.15",
    "rs=-1:gs=1:bs=-1:rm=1:gm=-1:bm=1:rh=-1:gh=1:bh=-1",
    "rm=0.05:bh=-0.33",
  ];
  const n = 4096;
  const pixels = new Uint8Array(n * 3).map(() => Math.floor(random() * 256));
  for (const setting of settings) {
    const out = await ffmpegFilter(`colorbalance=${setting}`, n, 1, pixels, "rgb24");
    const p = parseChain(`colorbalance=${setting}`)[0].params;
    const amounts = ["rs", "gs", "bs", "rm", "gm", "bm", "rh", "gh", "bh"].map((k) =>
      Math.fround(p[k])
    );
    for (let i = 0; i < n; i++) {
      const [r, g, b] = pixels.subarray(i * 3, i * 3 + 3);
      assert.deepEqual(
        balancePixel(r, g, b, amounts),
        [out[i * 3], out[i * 3 + 1], out[i * 3 + 2]],
        `${setting}: pixel ${r},${g},${b}`,
      );
    }
  }
});

/**
 * Frames for the PSNR comparisons. ffmpeg converts with nearest chroma when the height is even;
 * with an odd height its swscale interpolates chroma between rows, and sharp colour edges then
 * differ by more, so the sizes here have even heights (one an odd width).
 */
async function frames(): Promise<[string, number, number, Uint8Array][]> {
  return [
    ["testsrc2 160x120", 160, 120, await testPattern(160, 120)],
    ["testsrc2 97x62", 97, 62, await testPattern(97, 62)],
    ["noise 96x64", 96, 64, randomBytes(frameSize(96, 64), 8)],
  ];
}

Deno.test("ffmpeg: curves presets are within 40 dB luma PSNR of ffmpeg's", async () => {
  for (const [what, w, h, frame] of await frames()) {
    for (const preset of PRESETS) {
      const ours = engine.apply(`curves=${preset}`, w, h, frame);
      const theirs = await ffmpegFilter(`curves=preset=${preset}`, w, h, frame);
      const psnr = lumaPsnr(ours, theirs, w, h);
      assert.ok(psnr >= 40, `${what} ${preset}: ${psnr.toFixed(1)} dB`);
    }
  }
});

Deno.test("ffmpeg: colorbalance is within 40 dB luma PSNR of ffmpeg's", async () => {
  const settings = [
    "rs=0.3:gm=-0.2:bh=0.5",
    "0.5:-0.5:0.3:-0.3:0.4:-0.2:0.2:0.1:-0.4",
    "0.1:0.1:0.1:0:0:0:-0.2:0:0.3",
  ];
  for (const [what, w, h, frame] of await frames()) {
    for (const setting of settings) {
      const ours = engine.apply(`colorbalance=${setting}`, w, h, frame);
      const theirs = await ffmpegFilter(`colorbalance=${setting}`, w, h, frame);
      const psnr = lumaPsnr(ours, theirs, w, h);
      assert.ok(psnr >= 40, `${what} ${setting}: ${psnr.toFixed(1)} dB`);
    }
  }
});
