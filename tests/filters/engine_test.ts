import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { chainOutputSize, compileChain } from "../../src/filters/compile.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { FilterChainError } from "../../src/filters/errors.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FILTERS } from "../../src/filters/registry.ts";
import { filterModule } from "../../src/filters/wasm.ts";
import { referenceApply } from "../reference/chain.ts";
import { assertFramesEqual, randomBytes, SIZES } from "./helpers.ts";

const engine = await FilterEngine.create();

/**
 * Every filter's examples (its module in src/filters/defs/ lists parameter sets that reach each
 * code path: small and large radii, tables and fast paths), in registry order.
 */
const CHAINS = FILTERS.flatMap((f) => f.examples);

for (const text of CHAINS) {
  Deno.test(`engine matches the reference bit for bit: ${text}`, () => {
    const chain = parseChain(text);
    let ran = 0;
    SIZES.forEach(([w, h], i) => {
      const seed = i * 31 + text.length;
      const input = randomBytes(frameSize(w, h), seed);
      let out: { width: number; height: number };
      try {
        out = chainOutputSize(chain, w, h);
      } catch (e) {
        // A geometry filter may refuse a tiny input (a crop bigger than 1x1): so must the engine.
        assert.ok(e instanceof FilterChainError, String(e));
        assert.throws(() => engine.apply(chain, w, h, input), FilterChainError);
        return;
      }
      ran++;
      const before = input.slice();
      const actual = engine.apply(chain, w, h, input);
      assert.deepEqual(input, before, "input must be left untouched");
      assertFramesEqual(
        actual,
        referenceApply(chain, w, h, input),
        out.width,
        out.height,
        `${text} ${w}x${h} seed ${seed}`,
      );
    });
    assert.ok(ran >= SIZES.length - 2, `${text}: ran on ${ran} of ${SIZES.length} sizes only`);
  });
}

Deno.test("engine: chains mixing in-place and two-buffer filters", () => {
  const chains = [
    "blur=2,grayscale,edges,invert",
    "hflip,emboss,vflip,boxblur=3:1,sepia",
    "sharpen,pixelate=4,blur=0.5,threshold=100,saturation=2",
    "edges,edges,edges",
    "invert,invert",
  ];
  for (const text of chains) {
    const chain = parseChain(text);
    for (const [w, h] of [[1, 1], [17, 9], [66, 40]]) {
      const input = randomBytes(frameSize(w, h), w + h);
      assertFramesEqual(
        engine.apply(chain, w, h, input),
        referenceApply(chain, w, h, input),
        w,
        h,
        text,
      );
    }
  }
});

Deno.test("engine: a CompiledChain, text and a plain chain give the same frame", () => {
  const [w, h] = [23, 11];
  const input = randomBytes(frameSize(w, h), 4);
  const text = "eq=gamma=1.5,boxblur=3:1,pixelate=4";
  const expected = referenceApply(parseChain(text), w, h, input);
  for (const chain of [compileChain(text), text, parseChain(text)]) {
    assertFramesEqual(engine.apply(chain, w, h, input), expected, w, h, typeof chain);
  }
  assert.throws(() => engine.apply("blurr", w, h, input), FilterChainError);
});

Deno.test("engine: invert twice and flips twice give the input back", () => {
  for (const text of ["invert,invert", "hflip,hflip", "vflip,vflip,hflip,hflip"]) {
    const input = randomBytes(frameSize(37, 23), 5);
    assert.deepEqual(engine.apply(parseChain(text), 37, 23, input), input, text);
  }
});

Deno.test("engine: output buffer, in-place output, empty chain", () => {
  const [w, h] = [21, 13];
  const input = randomBytes(frameSize(w, h), 9);
  const expected = referenceApply(parseChain("blur=2"), w, h, input);
  const out = new Uint8Array(frameSize(w, h));
  assert.equal(engine.apply(parseChain("blur=2"), w, h, input, out), out);
  assert.deepEqual(out, expected);
  const same = input.slice();
  assert.equal(engine.apply(parseChain("blur=2"), w, h, same, same), same);
  assert.deepEqual(same, expected);
  const copy = engine.apply([], w, h, input);
  assert.notEqual(copy, input);
  assert.deepEqual(copy, input);
});

Deno.test("engine: buffers follow the frame size (grow, shrink, grow) with correct results", () => {
  const chain = parseChain("boxblur=5:2,sharpen");
  for (const [w, h] of [[8, 8], [300, 200], [3, 3], [301, 201], [40, 10]]) {
    const input = randomBytes(frameSize(w, h), w);
    assertFramesEqual(
      engine.apply(chain, w, h, input),
      referenceApply(chain, w, h, input),
      w,
      h,
      `${w}x${h}`,
    );
  }
  const size = engine.memoryBytes;
  engine.apply(chain, 300, 200, randomBytes(frameSize(300, 200), 1));
  assert.equal(engine.memoryBytes, size, "memory must not grow for a size already seen");
});

Deno.test("engine: rejects wrong sizes and invalid chains up front", () => {
  const input = new Uint8Array(frameSize(4, 4));
  assert.throws(
    () => engine.apply([], 4, 4, new Uint8Array(10)),
    {
      name: "RangeError",
      message: "input must be a Uint8Array of 24 bytes (yuv420p 4x4), got 10 bytes",
    },
  );
  assert.throws(
    () => engine.apply([], 4, 4, input, new Uint8Array(3)),
    { name: "RangeError", message: "output must be a Uint8Array of 24 bytes, got 3 bytes" },
  );
  assert.throws(() => engine.apply([], 0, 4, input), RangeError);
  assert.throws(() => engine.apply([], 4.5, 4, input), RangeError);
  assert.throws(
    () => engine.apply([{ name: "blur", params: { sigma: -1 } }], 4, 4, input),
    FilterChainError,
  );
});

Deno.test("engine: prepareInPlace (the benchmark hook) checks its input and leaves apply correct", () => {
  const [w, h] = [40, 30];
  const input = randomBytes(frameSize(w, h), 3);
  const run = engine.prepareInPlace(parseChain("blur=3,edges"), w, h, input);
  run();
  run();
  const chain = parseChain("sepia");
  assertFramesEqual(
    engine.apply(chain, w, h, input),
    referenceApply(chain, w, h, input),
    w,
    h,
    "after",
  );
  assert.throws(() => engine.prepareInPlace([], w, h, new Uint8Array(3)), RangeError);
  assert.throws(
    () => engine.prepareInPlace([{ name: "x", params: {} }], w, h, input),
    FilterChainError,
  );
});

Deno.test("engine: an instance of an already compiled module gives the same frames", async () => {
  const module = await filterModule();
  const shared = await FilterEngine.create({ module });
  const input = randomBytes(frameSize(40, 22), 5);
  const chain = parseChain("blur=2,edges,sepia");
  assert.deepEqual(shared.apply(chain, 40, 22, input), engine.apply(chain, 40, 22, input));
  assert.ok(shared.memoryBytes > 0);
});
