import assert from "node:assert/strict";
import { FilterChainError } from "../../src/filters/errors.ts";
import { paramsProblem } from "../../src/filters/params.ts";
import { formatChain, parseChain } from "../../src/filters/parse.ts";
import { FILTERS } from "../../src/filters/registry.ts";
import type { FilterChain } from "../../src/filters/types.ts";
import { validateChain } from "../../src/filters/validate.ts";

Deno.test("parseChain: named, positional and default parameters", () => {
  assert.deepEqual(parseChain("blur=sigma=3,grayscale"), [
    { name: "blur", params: { sigma: 3 } },
    { name: "grayscale", params: {} },
  ]);
  assert.deepEqual(parseChain("eq=brightness=0.1:contrast=1.2"), [
    { name: "eq", params: { brightness: 0.1, contrast: 1.2, gamma: 1 } },
  ]);
  assert.deepEqual(parseChain("blur=3"), [{ name: "blur", params: { sigma: 3 } }]);
  assert.deepEqual(parseChain("boxblur=5:3"), [
    { name: "boxblur", params: { radius: 5, passes: 3 } },
  ]);
  assert.deepEqual(parseChain("eq=0.1:gamma=2"), [
    { name: "eq", params: { brightness: 0.1, contrast: 1, gamma: 2 } },
  ]);
  assert.deepEqual(parseChain("boxblur"), [{ name: "boxblur", params: { radius: 2, passes: 2 } }]);
  assert.deepEqual(parseChain("eq=-.5:1e1:+2"), [
    { name: "eq", params: { brightness: -0.5, contrast: 10, gamma: 2 } },
  ]);
});

Deno.test("parseChain: whitespace and the empty chain", () => {
  assert.deepEqual(parseChain(""), []);
  assert.deepEqual(parseChain("   "), []);
  assert.deepEqual(parseChain(" blur = sigma = 2 , invert "), [
    { name: "blur", params: { sigma: 2 } },
    { name: "invert", params: {} },
  ]);
});

Deno.test("parseChain: -0 becomes 0", () => {
  const [spec] = parseChain("eq=brightness=-0");
  assert.ok(Object.is(spec.params.brightness, 0));
});

Deno.test("formatChain: canonical text round-trips for every filter", () => {
  const chain: FilterChain = parseChain(
    "blur=0.5,boxblur=7:1,grayscale,invert,eq=-0.25:1.5:0.8,saturation=-2,sepia," +
      "sharpen=2:1.5,edges,emboss,pixelate=9,threshold=77,hflip,vflip,hue=90:2,unsharp=7:5:2.5," +
      "vignette=PI/4,drawbox=10:5:20:15:red@0.5:fill,colorbalance=rs=0.3,curves=vintage,rotate=PI," +
      "scale=-2:ih/2:flags=lanczos,crop=iw-10:ih:center:0,pad=iw+2:ih+2:1:1:red,transpose=clock," +
      "fade=t=out:st=1:d=0.5,overlay=W-w-10:10:file=tests/filters/fixtures/overlay_logo.png",
  );
  assert.deepEqual(new Set(chain.map((s) => s.name)), new Set(FILTERS.map((f) => f.name)));
  const text = formatChain(chain);
  assert.equal(
    text,
    "blur=sigma=0.5,boxblur=radius=7:passes=1,grayscale,invert," +
      "eq=brightness=-0.25:contrast=1.5:gamma=0.8,saturation=amount=-2,sepia," +
      "sharpen=amount=2:sigma=1.5,edges,emboss,pixelate=block=9,threshold=level=77,hflip,vflip," +
      "hue=h=90:s=2:b=0,unsharp=lx=7:ly=5:la=2.5:cx=5:cy=5:ca=0," +
      "vignette=angle=0.7853981633974483:x=w/2:y=h/2:mode=forward:eval=init:dither=true:aspect=1," +
      "drawbox=x=10:y=5:width=20:height=15:color=0xff00007f:thickness=fill," +
      "colorbalance=rs=0.3:gs=0:bs=0:rm=0:gm=0:bm=0:rh=0:gh=0:bh=0,curves=preset=vintage," +
      "rotate=angle=3.141592653589793,scale=w=-2:h=ih/2:flags=lanczos," +
      "crop=w=iw-10:h=ih:x=center:y=0:exact=0,pad=w=iw+2:h=ih+2:x=1:y=1:color=0xff0000ff," +
      "transpose=dir=clock," +
      "fade=type=out:startframe=0:nbframes=25:starttime=1:duration=0.5:color=0x000000ff," +
      "overlay=x=W-w-10:y=10:file=tests/filters/fixtures/overlay_logo.png",
  );
  assert.deepEqual(parseChain(text), chain);
  assert.equal(formatChain([]), "");
  for (const def of FILTERS) {
    for (const pick of ["max", "min", "default"] as const) {
      const params = Object.fromEntries(def.params.map((p) => [p.name, p[pick]]));
      // Some extremes break a rule on the parameters together (unsharp's matrix size limit,
      // rotate's multiples of PI): those are checked in tests/filters/param_syntax_test.ts.
      const excluded = pick === "min" && def.params.some((p) => p.minExclusive);
      if (excluded || paramsProblem(def.params, params)) continue;
      const c = [{ name: def.name, params }];
      assert.deepEqual(parseChain(formatChain(c)), c, `${def.name} at ${pick}`);
    }
  }
});

/** Asserts that parsing `text` fails with exactly `message` and `position`. */
function fails(text: string, message: string, position: number) {
  assert.throws(() => parseChain(text), (e: unknown) => {
    assert.ok(e instanceof FilterChainError, `expected FilterChainError for ${text}`);
    assert.equal(e.message, message);
    assert.equal(e.position, position);
    assert.equal(e.name, "FilterChainError");
    return true;
  });
}

Deno.test("parseChain: unknown filters, with suggestions", () => {
  fails("blurr", "unknown filter 'blurr' at position 0; did you mean 'blur'?", 0);
  fails("blur=2,graysale", "unknown filter 'graysale' at position 7; did you mean 'grayscale'?", 7);
  fails("invert, Blur", "unknown filter 'Blur' at position 8; did you mean 'blur'?", 8);
  fails("gray", "unknown filter 'gray' at position 0; did you mean 'grayscale'?", 0);
  fails(
    "xyz",
    "unknown filter 'xyz' at position 0; known filters: " + FILTERS.map((f) => f.name).join(", "),
    0,
  );
});

Deno.test("parseChain: unknown and misplaced parameters", () => {
  fails(
    "blur=sigm=2",
    "unknown parameter 'sigm' for filter 'blur' at position 5; did you mean 'sigma'?",
    5,
  );
  fails(
    "boxblur=size=2",
    "unknown parameter 'size' for filter 'boxblur' at position 8; 'boxblur' takes: radius, passes",
    8,
  );
  fails(
    "invert=x=1",
    "unknown parameter 'x' for filter 'invert' at position 7; 'invert' takes no parameters",
    7,
  );
  fails("blur==2", "unknown parameter for filter 'blur' at position 5; 'blur' takes: sigma", 5);
  fails("grayscale=1", "filter 'grayscale' takes no parameters, got '1' at position 10", 10);
  fails(
    "blur=1:2",
    "too many values for filter 'blur' at position 7: it takes 1 parameter (sigma)",
    7,
  );
  fails(
    "boxblur=1:2:3",
    "too many values for filter 'boxblur' at position 12: it takes 2 parameters (radius, passes)",
    12,
  );
  fails("eq=gamma=2:0.5", "positional value '0.5' after a named parameter at position 11", 11);
  fails("blur=2:sigma=3", "parameter 'sigma' of filter 'blur' given twice, at position 7", 7);
});

Deno.test("parseChain: empty parts", () => {
  fails("blur,,invert", "empty filter at position 5", 5);
  fails("blur,", "empty filter at position 5", 5);
  fails(",blur", "empty filter at position 0", 0);
  fails("=3", "missing filter name at position 0", 0);
  fails("blur=", "empty parameter for filter 'blur' at position 5", 5);
  fails("boxblur=2:", "empty parameter for filter 'boxblur' at position 10", 10);
  fails("blur=sigma=", "missing value for parameter 'sigma' at position 11", 11);
});

Deno.test("parseChain: values that are not numbers or out of range", () => {
  fails("blur=sigma=-1", "sigma must be in (0, 100], got -1 at position 11", 11);
  fails("blur=0", "sigma must be in (0, 100], got 0 at position 5", 5);
  fails("blur=100.5", "sigma must be in (0, 100], got 100.5 at position 5", 5);
  fails("boxblur=radius=2.5", "radius must be an integer, got 2.5 at position 15", 15);
  fails("boxblur=129", "radius must be in [0, 128], got 129 at position 8", 8);
  fails("blur=abc", "sigma must be a number, got 'abc' at position 5", 5);
  fails("blur=0x10", "sigma must be a number, got '0x10' at position 5", 5);
  fails("blur=Infinity", "sigma must be a number, got 'Infinity' at position 5", 5);
  fails("blur=NaN", "sigma must be a number, got 'NaN' at position 5", 5);
  fails("blur=1e999", "sigma must be a finite number, got 1e999 at position 5", 5);
  fails("eq=gamma=0.05", "gamma must be in [0.1, 10], got 0.05 at position 9", 9);
  fails("threshold=256", "level must be in [0, 255], got 256 at position 10", 10);
  fails("pixelate=0", "block must be in [1, 256], got 0 at position 9", 9);
});

Deno.test("parseChain: rejects non-strings", () => {
  assert.throws(() => parseChain(3 as unknown as string), FilterChainError);
});

Deno.test("validateChain: accepts parsed chains, rejects malformed objects", () => {
  const good = parseChain("blur=2,eq=0.1");
  assert.equal(validateChain(good), good);
  const bad: [unknown, string][] = [
    [{}, "a filter chain must be an array, got object"],
    [[{ name: "nope", params: {} }], "filter 0: unknown filter 'nope'"],
    [[{ params: {} }], 'filter 0: expected { name, params }, got {"params":{}}'],
    [[{ name: "blur" }], "filter 0 ('blur'): params must be an object"],
    [[{ name: "blur", params: {} }], "filter 0 ('blur'): sigma must be a number, got undefined"],
    [
      [{ name: "blur", params: { sigma: "2" } }],
      `filter 0 ('blur'): sigma must be a number, got "2"`,
    ],
    [[{ name: "blur", params: { sigma: 2, x: 1 } }], "filter 0 ('blur'): unknown parameter 'x'"],
    [
      [{ name: "invert", params: {} }, { name: "blur", params: { sigma: 0 } }],
      "filter 1 ('blur'): sigma must be in (0, 100], got 0",
    ],
    [
      [{ name: "boxblur", params: { radius: 1.5, passes: 1 } }],
      "filter 0 ('boxblur'): radius must be an integer, got 1.5",
    ],
    [
      [{ name: "blur", params: { sigma: NaN } }],
      "filter 0 ('blur'): sigma must be a finite number, got NaN",
    ],
  ];
  for (const [chain, message] of bad) {
    assert.throws(() => validateChain(chain), (e: unknown) => {
      assert.ok(e instanceof FilterChainError);
      assert.equal(e.message, message);
      assert.equal(e.position, -1);
      return true;
    });
  }
  assert.throws(() => formatChain([{ name: "blur", params: { sigma: -1 } }]), FilterChainError);
});

Deno.test("FilterChainError.unknownFilter tells an unknown filter from a bad chain", () => {
  const caught = (fn: () => unknown): FilterChainError => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof FilterChainError);
      return error;
    }
    assert.fail("expected a FilterChainError");
  };
  assert.equal(caught(() => parseChain("blur,blurr")).unknownFilter, true);
  assert.equal(caught(() => validateChain([{ name: "nope", params: {} }])).unknownFilter, true);
  assert.equal(caught(() => parseChain("blur=sigma=-1")).unknownFilter, false);
  assert.equal(caught(() => parseChain("blur=sigma")).unknownFilter, false);
  assert.equal(caught(() => parseChain("blur=radius=2")).unknownFilter, false);
});
