/**
 * The second wave of filters on the filter pool's threads: chains travel there as canonical text
 * (chain_codec.ts), so words, colours and expressions of the frame size must come back the same
 * in another thread, and a chain of several frame sizes must be evaluated for each.
 */
import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { FilterPool } from "../../src/filters/pool.ts";
import { referenceApply } from "../reference/chain.ts";
import { assertFramesEqual, randomBytes } from "./helpers.ts";

const engine = await FilterEngine.create();

const CHAIN = "unsharp=7:5:1.5:3:3:0.5,hue=h=-40:s=1.4:b=0.3," +
  "vignette=PI/4:x0=w/3:y0='max(h/2,4)':mode=forward," +
  "drawbox=x=iw/5:y=ih-ih/3:w='min(iw,ih)/2':h=fill:c=Orange@0.6:t=fill," +
  "drawbox=2:2:iw-4:ih-4:c=invert:t=1,colorbalance=rs=0.2:bh=-0.3,curves=cross_process,rotate=PI";

Deno.test("pool: a chain of every new filter gives the reference's frames on every thread", async () => {
  const pool = await FilterPool.create({ size: 2 });
  try {
    const sizes: [number, number][] = [[64, 48], [33, 17], [1, 1], [97, 62], [64, 48]];
    const inputs = sizes.map(([w, h], i) => randomBytes(frameSize(w, h), 40 + i));
    const results = await Promise.all(
      sizes.map(([w, h], i) => pool.run(CHAIN, w, h, inputs[i])),
    );
    results.forEach((r, i) => {
      const [w, h] = sizes[i];
      assert.ok(r.thread === 0 || r.thread === 1, `frame ${i} ran on a pool thread`);
      const expected = referenceApply(CHAIN, w, h, inputs[i]);
      assertFramesEqual(r.data, expected, w, h, `${w}x${h} on thread ${r.thread}`);
      assertFramesEqual(engine.apply(CHAIN, w, h, inputs[i]), expected, w, h, `${w}x${h} here`);
    });
  } finally {
    await pool.close();
  }
});
