/**
 * vframe's filters against their ffmpeg equivalents, run by the native `ffmpeg` on raw yuv420p
 * frames (needs `ffmpeg` on PATH: `apt-get install -y ffmpeg`). Most are identical byte for byte;
 * boxblur is identical for the radii whose rounding matches (see boxNormaliser) and within one
 * level per pass otherwise; blur is checked to be close to gblur on smooth content.
 */
import assert from "node:assert/strict";
import { frameSize, planeLayout } from "../../src/codec/frame.ts";
import { chainOutputSize } from "../../src/filters/compile.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FILTERS } from "../../src/filters/registry.ts";
import { ffmpegFilter as ffmpeg, maxDiffs as maxDiff } from "./ffmpeg_run.ts";
import { randomBytes } from "./helpers.ts";

const engine = await FilterEngine.create();

/** Every filter's `ffmpegExact` pairs (its module in src/filters/defs/). */
const EXACT = FILTERS.flatMap((f) => f.ffmpegExact ?? []);

for (const [ours, vf] of EXACT) {
  Deno.test(`ffmpeg: ${ours} is identical to -vf ${vf}`, async () => {
    // ffmpeg boxblur refuses radii above min(w, h) / 2 of any plane: bigger frames for radius 20.
    const sizes = ours.includes("radius=20")
      ? [[170, 96, 1], [161, 97, 2]]
      : [[67, 45, 1], [130, 96, 2], [96, 85, 3]];
    for (const [w, h, seed] of sizes) {
      const input = randomBytes(frameSize(w, h), seed);
      // Geometry filters (crop, pad, transpose…) change the size: ffmpeg must make the same.
      const out = chainOutputSize(parseChain(ours), w, h);
      const bytes = frameSize(out.width, out.height);
      const expected = await ffmpeg(vf, w, h, input, "yuv420p", bytes);
      const actual = engine.apply(parseChain(ours), w, h, input);
      assert.deepEqual(maxDiff(actual, expected, out.width, out.height), [0, 0, 0], `${w}x${h}`);
    }
  });
}

Deno.test("ffmpeg: boxblur with a radius whose rounding differs stays within 1 level per pass", async () => {
  const [w, h] = [160, 120];
  for (const [radius, passes] of [[7, 1], [13, 2], [24, 3]]) {
    const input = randomBytes(frameSize(w, h), radius);
    const expected = await ffmpeg(
      `boxblur=luma_radius=${radius}:luma_power=${passes}`,
      w,
      h,
      input,
    );
    const actual = engine.apply(parseChain(`boxblur=${radius}:${passes}`), w, h, input);
    for (const d of maxDiff(actual, expected, w, h)) {
      assert.ok(d <= passes * 2, `radius ${radius}: ${d}`);
    }
  }
});

Deno.test("ffmpeg: blur is close to gblur on smooth content", async () => {
  const [w, h] = [160, 120];
  const l = planeLayout(w, h);
  const input = new Uint8Array(l.total);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      input[y * w + x] = Math.round(
        128 + 100 * Math.sin(x / 9) * Math.cos(y / 13) + ((x * 7 + y * 3) % 11) - 5,
      );
    }
  }
  for (let i = l.uOffset; i < l.total; i++) input[i] = 128 + ((i * 13) % 40) - 20;
  for (const sigma of [0.5, 1, 2, 5]) {
    const expected = await ffmpeg(`gblur=sigma=${sigma}`, w, h, input);
    const actual = engine.apply(parseChain(`blur=${sigma}`), w, h, input);
    let diff = 0;
    let effect = 0;
    for (let i = 0; i < l.ySize; i++) {
      diff += Math.abs(actual[i] - expected[i]);
      effect += Math.abs(expected[i] - input[i]);
    }
    assert.ok(
      diff < effect * 0.4,
      `sigma ${sigma}: mean difference ${diff / l.ySize} vs blur effect ${effect / l.ySize}`,
    );
  }
});
