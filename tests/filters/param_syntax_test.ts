/**
 * The parameter syntax the second wave of filters brought: ffmpeg's option aliases, named-only
 * parameters, words (presets, modes), expressions (constant ones, and ones of the frame size kept
 * for each frame), quoting, colours, odd sizes and rules on several parameters together.
 */
import assert from "node:assert/strict";
import { decodeChain, encodeChain } from "../../src/filters/chain_codec.ts";
import { FilterChainError } from "../../src/filters/errors.ts";
import {
  formatParamValue,
  isExpressionValue,
  paramValue,
  readParamValue,
} from "../../src/filters/params.ts";
import { formatChain, parseChain } from "../../src/filters/parse.ts";
import { findFilter } from "../../src/filters/registry.ts";
import { validateChain } from "../../src/filters/validate.ts";

function params(text: string): Record<string, number> {
  return parseChain(text)[0].params;
}

/** Asserts that parsing `text` fails with exactly `message` and `position`. */
function fails(text: string, message: string, position: number) {
  assert.throws(() => parseChain(text), (e: unknown) => {
    assert.ok(e instanceof FilterChainError, `expected FilterChainError for ${text}`);
    assert.equal(e.message, message);
    assert.equal(e.position, position);
    return true;
  });
}

Deno.test("params: ffmpeg's option names work as aliases, the canonical text uses the name", () => {
  assert.deepEqual(params("unsharp=luma_msize_x=7:luma_amount=2:chroma_amount=-1"), {
    lx: 7,
    ly: 5,
    la: 2,
    cx: 5,
    cy: 5,
    ca: -1,
  });
  const box = params("drawbox=w=10:h=5:c=red:t=2");
  assert.deepEqual([box.width, box.height, box.color, box.thickness], [10, 5, 0xff0000ff, 2]);
  assert.equal(params("rotate=a=PI").angle, Math.PI);
  assert.equal(formatChain(parseChain("drawbox=w=10")).includes(":width=10:"), true);
  fails(
    "unsharp=lx=3:luma_msize_x=5",
    "parameter 'lx' of filter 'unsharp' given twice, at position 13",
    13,
  );
  fails(
    "unsharp=luma_msize=5",
    "unknown parameter 'luma_msize' for filter 'unsharp' at position 8; did you mean " +
      "'luma_msize_x'?",
    8,
  );
});

Deno.test("params: a named-only parameter is skipped by positional values", () => {
  assert.deepEqual(params("hue=90:2"), { h: 90, s: 2, b: 0 });
  assert.deepEqual(params("hue=90:b=1"), { h: 90, s: 1, b: 1 });
  fails(
    "hue=90:2:1",
    "too many values for filter 'hue' at position 9: it takes 2 parameters (h, s)",
    9,
  );
});

Deno.test("params: words stand for numbers and are printed back", () => {
  assert.equal(params("curves=vintage").preset, 10);
  assert.equal(params("curves=preset=none").preset, 0);
  assert.equal(params("curves=3").preset, 3);
  assert.equal(formatChain(parseChain("curves=3")), "curves=preset=darker");
  assert.equal(params("vignette=mode=backward").mode, 1);
  assert.equal(params("vignette=dither=false").dither, 0);
  fails(
    "curves=preset=sepia",
    "preset must be one of 'none', 'color_negative', 'cross_process', 'darker', " +
      "'increase_contrast', 'lighter', 'linear_contrast', 'medium_contrast', 'negative', " +
      "'strong_contrast', 'vintage', got 'sepia' at position 14",
    14,
  );
  fails(
    "vignette=eval=frame",
    "filter 'vignette': eval=frame is not supported: frames carry no time or number here, so " +
      "the expressions would not change from frame to frame; use eval=init at position 0",
    0,
  );
});

Deno.test("params: constant expressions are evaluated once (PI, arithmetic, functions)", () => {
  assert.equal(params("vignette=PI/4").angle, Math.PI / 4);
  assert.equal(params("hue=h=90+45*2").h, 180);
  assert.equal(params("hue=h=-(10-4)^2").h, -36);
  assert.equal(params("blur=sigma=2*PI").sigma, 2 * Math.PI);
  assert.equal(params("hue=h='max(10,20)'").h, 20);
  assert.equal(params("hue=h='round(2.5)+floor(-0.5)+mod(-7,3)'").h, 3 - 1 + 2);
  fails(
    "hue=h=max(1,2)",
    "h must be a number or an expression, got 'max(1' (expected ')'; an expression holding , " +
      "or : goes in single quotes: 'max(a,b)') at position 6",
    6,
  );
  // A constant expression is stored as its value: the canonical text prints the number.
  assert.equal(formatChain(parseChain("hue=h=30*3")), "hue=h=90:s=1:b=0");
  fails("hue=h=foo", "h must be a number, got 'foo' at position 6", 6);
  fails(
    "hue=h=1+",
    "h must be a number or an expression, got '1+' (it ends too early) at position 6",
    6,
  );
  fails(
    "hue=h=(1",
    "h must be a number or an expression, got '(1' (expected ')') at position 6",
    6,
  );
  fails(
    "hue=h=nope(1)",
    "h must be a number or an expression, got 'nope(1)' (unknown function 'nope') at position 6",
    6,
  );
  fails(
    "hue=h='max(1)'",
    "h must be a number or an expression, got 'max(1)' (max() takes 2 arguments) at position 6",
    6,
  );
  fails("hue=h=iw/2", "h must be a number, got 'iw/2': unknown name 'iw' at position 6", 6);
  fails("hue=h=PI*2000", "h must be in [-3600, 3600], got PI*2000 at position 6", 6);
  // ffmpeg's hexadecimal and special values stay refused for numbers.
  fails("blur=0x10", "sigma must be a number, got '0x10' at position 5", 5);
  fails("blur=NaN", "sigma must be a number, got 'NaN' at position 5", 5);
});

Deno.test("params: expressions of the frame size are kept and evaluated per frame size", () => {
  const box = params("drawbox=x=iw/4:y=ih-10:w='min(iw,ih)/2':h=fill");
  for (const key of ["x", "y", "width", "height"]) {
    assert.ok(isExpressionValue(box[key]), key);
  }
  assert.equal(box.thickness, 3);
  assert.equal(paramValue(box.x, { iw: 100, ih: 50 }), 25);
  assert.equal(paramValue(box.y, { iw: 100, ih: 50 }), 40);
  assert.equal(paramValue(box.width, { iw: 100, ih: 50 }), 25);
  assert.ok(Number.isNaN(paramValue(box.x, {})), "a missing name is NaN, as in ffmpeg");
  assert.equal(paramValue(7), 7);
  // The same text gives the same handle; whitespace does not matter.
  assert.equal(params("drawbox=x=iw / 4").x, box.x);
  const def = findFilter("drawbox")!.params[2];
  assert.equal(formatParamValue(def, box.width), "min(iw,ih)/2");
  const text = formatChain(parseChain("drawbox=x=iw/4:y=ih-10:w='min(iw,ih)/2':h=fill"));
  assert.equal(
    text,
    "drawbox=x=iw/4:y=ih-10:width='min(iw,ih)/2':height=fill:color=0x000000ff:thickness=3",
  );
  assert.deepEqual(parseChain(text), parseChain("drawbox=x=iw/4:y=ih-10:w='min(iw,ih)/2':h=fill"));
  // Through the chain codec (how chains reach pool threads and BullMQ workers).
  assert.deepEqual([...decodeChain(encodeChain(text))], parseChain(text));
  // validateChain takes a handle where the parameter allows the frame's size, not elsewhere.
  assert.doesNotThrow(() => validateChain([{ name: "drawbox", params: box }]));
  assert.throws(
    () => validateChain([{ name: "blur", params: { sigma: box.x } }]),
    /sigma must be in \(0, 100\]/,
  );
  // A number that happens to equal a handle is a number, and out of range.
  fails(
    `drawbox=x=${box.x}`,
    `x must be in [-100000, 100000], got ${box.x} at position 10`,
    10,
  );
  fails(
    "drawbox=x=zz*2",
    "x must be a number, got 'zz*2': unknown name 'zz' (it may use iw, ih, in_w, in_h, x, y, " +
      "w, h, t, fill, dar, sar, hsub, vsub) at position 10",
    10,
  );
});

Deno.test("params: single quotes keep , and : inside a value", () => {
  const chain = parseChain("drawbox=w='max(iw,2)':c='red@0.5',invert");
  assert.equal(chain.length, 2);
  assert.equal(paramValue(chain[0].params.width, { iw: 1 }), 2);
  assert.equal(chain[0].params.color, 0xff00007f);
  assert.deepEqual(params("blur='3'"), { sigma: 3 });
});

Deno.test("params: colours in ffmpeg's syntax", () => {
  const color = (text: string) => params(`drawbox=c=${text}`).color;
  assert.equal(color("red"), 0xff0000ff);
  assert.equal(color("DarkSlateGray"), 0x2f4f4fff);
  assert.equal(color("darkslategray"), 0x2f4f4fff);
  assert.equal(color("#00ff00@0.5"), 0x00ff007f);
  assert.equal(color("0x336699AA"), 0x336699aa);
  assert.equal(color("336699"), 0x336699ff);
  assert.equal(color("blue@0x40"), 0x0000ff40);
  assert.equal(color("white@1"), 0xffffffff);
  assert.equal(color("invert"), 2 ** 32);
  assert.equal(
    formatChain(parseChain("drawbox=c=red@0.25")),
    "drawbox=x=0:y=0:width=0:height=0:color=0xff00003f:thickness=3",
  );
  assert.equal(formatChain(parseChain("drawbox=c=invert")).includes("color=invert"), true);
  fails(
    "drawbox=c=nocolour",
    "color: unknown colour 'nocolour' in 'nocolour'; expected a colour name such as red or " +
      "DarkSlateGray, 0xRRGGBB, #RRGGBB, with @alpha if wanted at position 10",
    10,
  );
  fails(
    "drawbox=c=random",
    "color: unknown colour 'random' in 'random'; expected random colours are not supported " +
      "(each frame is filtered on its own) at position 10",
    10,
  );
  fails(
    "drawbox=c=red@2",
    "color: bad alpha in 'red@2': give @0 to @1 (or @0x00 to @0xff) at position 10",
    10,
  );
  fails(
    "drawbox=c=0x12345",
    "color must be 0xRRGGBB or 0xRRGGBBAA in hex (or #RRGGBB, or a colour name), got " +
      "'0x12345' at position 10",
    10,
  );
  const def = findFilter("drawbox")!.params[4];
  assert.deepEqual(readParamValue(def, "12"), {
    problem: "color must be 0xRRGGBB or 0xRRGGBBAA in hex (or #RRGGBB, or a colour name), got '12'",
  });
});

Deno.test("params: odd sizes and rules on parameters together", () => {
  fails("unsharp=4", "lx must be an odd integer, got 4 at position 8", 8);
  fails("unsharp=3.5", "lx must be an integer, got 3.5 at position 8", 8);
  fails("unsharp=25", "lx must be in [3, 23], got 25 at position 8", 8);
  assert.deepEqual(params("unsharp=23:3"), { lx: 23, ly: 3, la: 1, cx: 5, cy: 5, ca: 0 });
  assert.deepEqual(params("unsharp=13:13").lx, 13);
  fails(
    "invert,unsharp=15:13",
    "filter 'unsharp': the luma matrix 15x13 is too big: lx/2 + ly/2 (rounded down) must be at " +
      "most 12 (ffmpeg's limit), got 13 at position 7",
    7,
  );
  fails(
    "unsharp=cx=17:cy=17",
    "filter 'unsharp': the chroma matrix 17x17 is too big: cx/2 + cy/2 (rounded down) must be " +
      "at most 12 (ffmpeg's limit), got 16 at position 0",
    0,
  );
  assert.throws(
    () =>
      formatChain([
        { name: "unsharp", params: { lx: 23, ly: 23, la: 1, cx: 5, cy: 5, ca: 0 } },
      ]),
    (e: unknown) =>
      e instanceof FilterChainError &&
      e.message.startsWith("filter 0 ('unsharp'): the luma matrix 23x23 is too big"),
  );
  fails(
    "rotate=PI/3",
    "filter 'rotate': angle must be a multiple of PI/2 (a quarter turn: PI/2, PI, 3*PI/2, -PI/2), " +
      "got 1.0471975511965976 at position 0",
    0,
  );
  assert.equal(params("rotate=PI/2").angle, Math.PI / 2);
  assert.equal(params("rotate=-3*PI").angle, -3 * Math.PI);
});
