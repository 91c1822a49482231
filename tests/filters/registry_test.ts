import assert from "node:assert/strict";
import { FILTERS, findFilter, formatRange } from "../../src/filters/registry.ts";

Deno.test("registry: the filters the issue asks for, each documented", () => {
  const names = FILTERS.map((f) => f.name);
  assert.deepEqual(names, [
    "blur",
    "boxblur",
    "grayscale",
    "invert",
    "eq",
    "saturation",
    "sepia",
    "sharpen",
    "edges",
    "emboss",
    "pixelate",
    "threshold",
    "hflip",
    "vflip",
    "hue",
    "unsharp",
    "vignette",
    "drawbox",
    "colorbalance",
    "curves",
    "rotate",
    "scale",
    "crop",
    "pad",
    "transpose",
    "fade",
    "overlay",
  ]);
  for (const f of FILTERS) {
    assert.ok(f.description.length > 0, f.name);
    assert.ok(f.ffmpeg, `${f.name} names its ffmpeg equivalent`);
    assert.ok(f.planes, `${f.name} says what it does to each plane`);
    assert.equal(findFilter(f.name), f);
  }
  assert.equal(findFilter("nope"), undefined);
  assert.equal(findFilter("Blur"), undefined);
});

Deno.test("registry: parameters are well formed and their defaults in range", () => {
  for (const f of FILTERS) {
    const seen = new Set<string>();
    for (const p of f.params) {
      assert.ok(!seen.has(p.name), `${f.name}.${p.name} duplicated`);
      seen.add(p.name);
      assert.match(p.name, /^[a-z]+$/);
      assert.ok(p.min < p.max, `${f.name}.${p.name} range`);
      assert.ok(
        p.minExclusive ? p.default > p.min : p.default >= p.min,
        `${f.name}.${p.name} default`,
      );
      assert.ok(p.default <= p.max, `${f.name}.${p.name} default`);
      if (p.integer) assert.ok(Number.isInteger(p.default) && Number.isInteger(p.min));
      assert.ok(p.description.length > 0);
    }
  }
});

Deno.test("registry: every module says how it runs and how it is tested", () => {
  for (const f of FILTERS) {
    assert.ok(f.kernels.length > 0, `${f.name} names the kernels it calls`);
    assert.equal(typeof f.inPlace, "boolean", f.name);
    assert.equal(typeof f.wasm, "function", f.name);
    assert.equal(typeof f.reference, "function", f.name);
    assert.ok(f.examples.length > 0, `${f.name} has examples for the reference tests`);
    if (f.differences === undefined) {
      assert.ok(f.ffmpegExact?.length, `${f.name} claims ffmpeg's output: ffmpegExact checks it`);
    }
  }
});

Deno.test("registry: is frozen", () => {
  assert.ok(Object.isFrozen(FILTERS));
  assert.ok(Object.isFrozen(FILTERS[0].params[0]));
  assert.throws(() => {
    (FILTERS[0].params[0] as { default: number }).default = 5;
  }, TypeError);
});

Deno.test("formatRange", () => {
  assert.equal(formatRange(findFilter("blur")!.params[0]), "(0, 100]");
  assert.equal(formatRange(findFilter("boxblur")!.params[0]), "[0, 128]");
});
