/**
 * scale's one-sweep kernel (scaleVH) called directly against the TypeScript reference
 * (scalePlane): shrinking and enlarging by the ratios that take each unrolled copy (1 to 4 tap
 * pairs) and the general loop, odd sizes and widths around the 16-sample blocks, odd output
 * heights, both pairings of output rows; canaries around every buffer (the row buffers are read
 * up to 16 bytes past their end, never written there). Plus the tables' limits (the host falls
 * back to the transposing path beyond them) and the engine on a few chains that reach both.
 */
import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { chainOutputSize } from "../../src/filters/compile.ts";
import { type ScaleKernels, scalePlane, scaleProgram } from "../../src/filters/defs/scale.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { instantiateKernels } from "../../src/filters/wasm.ts";
import { referenceApply } from "../reference/chain.ts";
import { assertFramesEqual, assertPlanesEqual, randomBytes } from "./helpers.ts";
import { Arena } from "./wasm_arena.ts";

const k = (await instantiateKernels()) as ScaleKernels;
const arena = new Arena(k);

const METHODS = { neighbor: 0, bilinear: 1, bicubic: 2, lanczos: 3 };

/** Runs scaleVH on a random w × h plane and compares with scalePlane; false if no program. */
function check(w: number, h: number, ow: number, oh: number, method: number, seed: number) {
  const prog = scaleProgram(w, h, ow, oh, method, 1 << 24);
  if (!prog) return false;
  arena.reset();
  const plane = randomBytes(w * h, seed);
  const src = arena.alloc(w * h, plane);
  const dst = arena.alloc(ow * oh);
  const row0 = arena.alloc(w);
  const row1 = arena.alloc(w);
  const tmp = arena.alloc(16);
  const tables = arena.alloc(prog.bytes.length, prog.bytes);
  k.scaleVH(
    src,
    w,
    dst,
    ow,
    w,
    ow,
    oh,
    prog.vTaps,
    tables + prog.vStarts,
    tables + prog.vCoefs,
    prog.hPairs,
    tables + prog.hGroups,
    tables + prog.hRecs,
    tables + prog.hUniform,
    row0,
    row1,
    tmp,
  );
  const what = `${w}x${h} -> ${ow}x${oh} method ${method}`;
  arena.checkCanaries(what);
  assertPlanesEqual(arena.read(dst, ow * oh), scalePlane(plane, w, h, ow, oh, method), ow, what);
  return true;
}

Deno.test("scaleVH matches scalePlane: 1080p-like ratios on small and odd planes", () => {
  const cases: [number, number, number, number][] = [
    [48, 36, 32, 24], // 1.5: 3 pairs (bicubic), 2 (bilinear)
    [47, 37, 31, 25],
    [96, 54, 64, 36],
    [64, 64, 32, 32], // 2: 4 pairs (bicubic)
    [128, 64, 64, 32], // blocks of 16 outputs sharing one record: 4 pairs (bicubic)…
    [40, 20, 80, 40], // … and enlarging by 2: 1 pair (bilinear), 2 (bicubic)
    [65, 63, 33, 31],
    [40, 30, 10, 8], // 4: the general loop (bicubic, lanczos)
    [17, 9, 34, 18], // enlarging: 2 taps (bilinear), 4 (bicubic), 6 (lanczos)
    [33, 31, 15, 7],
    [16, 16, 16, 16], // the same size: 1 tap
    [31, 5, 17, 3],
    [5, 3, 2, 1],
    [1, 1, 1, 1],
    [1, 7, 3, 2],
    [7, 1, 2, 3],
    [200, 3, 133, 2],
  ];
  let seed = 1;
  for (const [w, h, ow, oh] of cases) {
    for (const method of Object.values(METHODS)) {
      assert.ok(check(w, h, ow, oh, method, seed++), `${w}x${h} -> ${ow}x${oh} has a program`);
    }
  }
});

Deno.test("scaleVH matches scalePlane: output widths around the 16-sample blocks", () => {
  let seed = 100;
  for (const ow of [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 48, 49]) {
    for (const w of [ow, Math.ceil(ow * 1.5), ow * 2 + 1]) {
      for (const [h, oh] of [[9, 6], [10, 7], [4, 4]]) {
        assert.ok(check(w, h, ow, oh, METHODS.bicubic, seed++));
      }
    }
  }
});

Deno.test("scaleProgram: no program past the 16-byte window or the room it is given", () => {
  // Shrinking by 5: four outputs start up to 15 bytes apart.
  assert.equal(scaleProgram(100, 10, 20, 10, METHODS.bilinear, 1 << 24), undefined);
  assert.ok(scaleProgram(100, 10, 25, 10, METHODS.bilinear, 1 << 24));
  assert.equal(scaleProgram(1920, 1080, 1280, 720, METHODS.bicubic, 1000), undefined);
  // A periodic table (1.5) keeps a few distinct records whatever the width.
  const prog = scaleProgram(1920, 1080, 1280, 720, METHODS.bicubic, 1 << 24)!;
  const records = (prog.bytes.length - prog.hRecs) / (16 * (1 + prog.hPairs));
  assert.ok(records <= 8, `${records} records`);
  assert.equal(prog.vTaps, 6);
  assert.equal(prog.hPairs, 3);
});

Deno.test("engine: scale through the one-sweep kernel and the transposing fallback", async () => {
  const engine = await FilterEngine.create();
  const chains = [
    "scale=-2:ih*2/3:flags=bicubic",
    "scale=iw/2:ih/2",
    "scale=iw*2/3:ih*2/3:flags=lanczos",
    "scale=iw/6:ih/6:flags=bilinear", // shrinking by 6: the fallback
    "scale=iw/5:ih/3:flags=neighbor",
  ];
  for (const text of chains) {
    const chain = parseChain(text);
    for (const [w, h] of [[96, 54], [61, 47], [200, 18]]) {
      const input = randomBytes(frameSize(w, h), w * h);
      const out = engine.apply(chain, w, h, input);
      const ref = referenceApply(chain, w, h, input);
      const size = chainOutputSize(chain, w, h);
      assertFramesEqual(out, ref, size.width, size.height, `${text} ${w}x${h}`);
    }
  }
});
