import assert from "node:assert/strict";
import { eqPlan } from "../../src/filters/defs/eq.ts";
import { pixelateBlocks } from "../../src/filters/defs/pixelate.ts";
import { roundHalfEven, saturationGain } from "../../src/filters/defs/saturation.ts";
import { unsharpAmount } from "../../src/filters/defs/sharpen.ts";
import {
  boxNormaliser,
  boxPasses,
  gaussianPasses,
  passVariance,
} from "../../src/filters/passes.ts";
import { boxLine, boxLineNaive } from "../reference/kernels.ts";
import { randomBytes } from "./helpers.ts";

Deno.test("gaussianPasses: three boxes close to sigma², a 3-tap pass for small sigma", () => {
  assert.deepEqual(gaussianPasses(0.5), [{ kind: "tap3", c1: 32 }]);
  assert.deepEqual(gaussianPasses(0.01), []);
  assert.deepEqual(gaussianPasses(5).map((p) => p.kind === "box" && p.radius), [4, 4, 5]);
  let previous = 0;
  for (let sigma = 0.05; sigma <= 100; sigma *= 1.1) {
    const passes = gaussianPasses(sigma);
    const v = passVariance(passes);
    assert.ok(v >= previous, `variance must not decrease with sigma (sigma ${sigma})`);
    previous = v;
    assert.ok(passes.length <= 3, `at most three passes (sigma ${sigma})`);
    for (const p of passes) {
      if (p.kind === "box") assert.ok(p.radius >= 1 && p.radius <= 128);
      else assert.ok(p.c1 >= 1 && p.c1 <= 85);
    }
    if (sigma >= 2) {
      const effective = Math.sqrt(v);
      assert.ok(
        Math.abs(effective - sigma) / sigma < 0.1,
        `sigma ${sigma} blurs like ${effective}`,
      );
    }
    if (sigma * sigma < 2 / 3 && passes.length) {
      assert.ok(Math.abs(v - sigma * sigma) <= 1 / 256, `small sigma ${sigma}: variance ${v}`);
    }
  }
  assert.throws(() => gaussianPasses(0), RangeError);
});

Deno.test("boxPasses: passes of one radius, none when radius or passes is 0", () => {
  assert.deepEqual(boxPasses(3, 2), [{ kind: "box", radius: 3 }, { kind: "box", radius: 3 }]);
  assert.deepEqual(boxPasses(0, 2), []);
  assert.deepEqual(boxPasses(5, 0), []);
});

Deno.test("boxNormaliser: ffmpeg's rounding for small windows, flat areas kept, within 1 of the mean", () => {
  for (let len = 3; len <= 257; len += 2) {
    const { m, shift } = boxNormaliser(len);
    assert.equal(shift, len > 128 ? 1 : 0);
    assert.ok(m > 0 && m <= 32767);
    const inv = Math.floor((65536 + Math.floor(len / 2)) / len);
    for (let s = 0; s <= 255 * len; s++) {
      const mean = Math.floor(((s >> shift) * m + 16384) / 32768);
      assert.ok(Math.abs(mean - s / len) < 1, `len ${len} sum ${s}: ${mean}`);
      if (len <= 11) {
        assert.equal(mean, Math.floor((s * inv + 32768) / 65536), `len ${len} sum ${s}`);
      }
      if (s % len === 0) assert.equal(mean, s / len, `flat: len ${len} level ${s / len}`);
    }
  }
  for (const bad of [1, 2, 4, 259, 3.5]) assert.throws(() => boxNormaliser(bad), RangeError);
});

Deno.test("reference boxLine (sliding sum) equals the box definition", () => {
  for (const n of [1, 2, 3, 10, 40]) {
    for (const r of [1, 2, 7, 39, 40, 41, 128]) {
      const line = randomBytes(n, n * 131 + r);
      assert.deepEqual(boxLine(line, r), boxLineNaive(line, r), `n=${n} r=${r}`);
    }
  }
});

Deno.test("eqPlan: ffmpeg eq's three cases", () => {
  assert.deepEqual(eqPlan(0, 1, 1), { kind: "identity" });
  // brightness 0.1, contrast 1.2: C = trunc(1.2·4096) = 4915; B = trunc(110·511/200) - 128 - 153.
  assert.deepEqual(eqPlan(0.1, 1.2, 1), { kind: "linear", contrast: 4915, brightness: 0 });
  assert.deepEqual(eqPlan(-0.5, -2, 1), {
    kind: "linear",
    contrast: -8192,
    brightness: 255 - 128 + 256 - 128,
  });
  const table = eqPlan(0, 1, 2);
  assert.equal(table.kind, "table");
  if (table.kind === "table") {
    assert.equal(table.table[0], 0);
    assert.equal(table.table[255], 255);
    // v = sqrt(64/255) = 0.50097..., 256·v = 128.25
    assert.equal(table.table[64], 128);
  }
  const big = eqPlan(0, 8, 1);
  assert.equal(big.kind, "table", "|contrast| ≥ 7.9 uses the table");
});

Deno.test("rint-style rounding and the other constants", () => {
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(3.5), 4);
  assert.equal(roundHalfEven(-2.5), -2);
  assert.equal(roundHalfEven(2.4), 2);
  assert.equal(saturationGain(1), 65536);
  assert.equal(saturationGain(2.5 / 65536), 2);
  assert.equal(saturationGain(-1.5), -98304);
  assert.equal(unsharpAmount(1), 512);
  assert.equal(unsharpAmount(-2), -1024);
  assert.deepEqual(pixelateBlocks(16), { luma: 16, chroma: 8 });
  assert.deepEqual(pixelateBlocks(5), { luma: 4, chroma: 2 });
  assert.deepEqual(pixelateBlocks(1), { luma: 2, chroma: 1 });
});
