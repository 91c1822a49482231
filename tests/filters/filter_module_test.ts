import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { checkKernelExports } from "../../src/filters/engine.ts";
import { FilterDefinitionError } from "../../src/filters/errors.ts";
import {
  type AnyFilterModule,
  defineFilter,
  type FilterModule,
  type WasmStep,
} from "../../src/filters/filter_module.ts";
import { type FilterKernels, instantiateKernels } from "../../src/filters/wasm.ts";
import { posterize } from "./example_filter.ts";
import { assertFramesEqual, randomBytes } from "./helpers.ts";

/** A minimal valid module, for the tests to break one field at a time. */
function valid(): FilterModule {
  return {
    name: "noop",
    description: "Does nothing.",
    params: [{ name: "amount", default: 1, min: 0, max: 2, description: "unused" }],
    differences: "not in ffmpeg",
    kernels: ["copy"],
    inPlace: true,
    wasm() {},
    reference: (f) => ({ y: f.y.slice(), u: f.u.slice(), v: f.v.slice() }),
    examples: ["noop"],
  };
}

Deno.test("defineFilter: returns the module deep-frozen", () => {
  const m = defineFilter(valid());
  assert.ok(Object.isFrozen(m) && Object.isFrozen(m.params) && Object.isFrozen(m.params[0]));
  assert.ok(Object.isFrozen(m.examples) && Object.isFrozen(m.kernels));
});

Deno.test("defineFilter: rejects malformed modules, naming the filter and the problem", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ name: "No" }, "filter 'No': the name must be lower case: [a-z][a-z0-9_]*"],
    [{ name: "a,b" }, "filter 'a,b': the name must be lower case: [a-z][a-z0-9_]*"],
    [{ description: "" }, "filter 'noop': needs a description"],
    [
      { params: [{ name: "x1", default: 0, min: 0, max: 1, description: "d" }] },
      "filter 'noop': parameter 'x1': the name must be lower-case letters",
    ],
    [
      {
        params: [
          { name: "x", default: 0, min: 0, max: 1, description: "d" },
          { name: "x", default: 0, min: 0, max: 1, description: "d" },
        ],
      },
      "filter 'noop': parameter 'x': declared twice",
    ],
    [
      { params: [{ name: "x", default: 0, min: 1, max: 1, description: "d" }] },
      "filter 'noop': parameter 'x': the range must be finite with min < max, got [1, 1]",
    ],
    [
      { params: [{ name: "x", default: 5, min: 0, max: 1, description: "d" }] },
      "filter 'noop': parameter 'x': default: x must be in [0, 1], got 5",
    ],
    [
      { params: [{ name: "x", default: 0, min: 0, max: 1, minExclusive: true, description: "d" }] },
      "filter 'noop': parameter 'x': default: x must be in (0, 1], got 0",
    ],
    [
      { params: [{ name: "x", default: 1, min: 0.5, max: 2, integer: true, description: "d" }] },
      "filter 'noop': parameter 'x': an integer parameter needs an integer min",
    ],
    [
      { params: [{ name: "x", default: 1, min: 0, max: 2, description: "" }] },
      "filter 'noop': parameter 'x': needs a description",
    ],
    [{ kernels: [""] }, "filter 'noop': kernels must list the names of the wasm exports it calls"],
    [{ inPlace: undefined }, "filter 'noop': inPlace must be true or false"],
    [{ wasm: undefined }, "filter 'noop': needs a wasm function"],
    [{ reference: undefined }, "filter 'noop': needs a reference function"],
    [{ plan: 3 }, "filter 'noop': plan must be a function"],
    [{ examples: [] }, "filter 'noop': needs at least one example chain for the reference tests"],
    [
      { ffmpegExact: [["noop"]] },
      "filter 'noop': ffmpegExact entries must be [chain, ffmpeg -vf] pairs",
    ],
    [
      { differences: undefined, ffmpeg: "null" },
      "filter 'noop': without `differences` the docs call its output identical to ffmpeg's: " +
      "give `ffmpeg` and the `ffmpegExact` pairs that check it",
    ],
  ];
  for (const [change, message] of cases) {
    const module = { ...valid(), ...change } as unknown as FilterModule;
    assert.throws(() => defineFilter(module), (e: unknown) => {
      assert.ok(e instanceof FilterDefinitionError, message);
      assert.equal(e.message, message);
      assert.equal(e.code, "filter-definition");
      return true;
    });
  }
});

Deno.test("checkKernelExports: a kernel missing from the wasm build is named", async () => {
  const kernels = await instantiateKernels();
  checkKernelExports(kernels); // the registry's filters are all there
  const needsMore = defineFilter({ ...valid(), kernels: ["copy", "nope"] } as FilterModule);
  assert.throws(() => checkKernelExports(kernels, [needsMore as AnyFilterModule]), {
    name: "FilterDefinitionError",
    message: "filter 'noop': calls kernel 'nope', which wasm/filters.wasm does not export: " +
      "export it from asm/filters.ts and run `deno task build:wasm`",
  });
});

Deno.test("the docs' example module: its kernel call matches its reference bit for bit", async () => {
  const k: FilterKernels = await instantiateKernels();
  for (const [w, h] of [[1, 1], [17, 9], [64, 36]]) {
    for (const levels of [2, 4, 256]) {
      const frame = planeLayout(w, h);
      const input = randomBytes(frame.total, w + levels);
      const plan = posterize.plan!({ levels });
      // A frame and a table above the module's static data, as the engine lays them out.
      const src = (k.heapBase() + 63) & ~63;
      const table = src + ((frame.total + 63) & ~63);
      const need = table + 256 - k.memory.buffer.byteLength;
      if (need > 0) k.memory.grow(Math.ceil(need / 65536));
      const memory = new Uint8Array(k.memory.buffer);
      memory.set(input, src);
      const step: WasmStep = {
        k,
        memory,
        frame,
        planes: [
          { offset: 0, width: w, height: h },
          { offset: frame.uOffset, width: frame.chromaWidth, height: frame.chromaHeight },
          { offset: frame.vOffset, width: frame.chromaWidth, height: frame.chromaHeight },
        ],
        src,
        dst: -1,
        table,
        sums: -1,
        time: 0,
        index: 0,
        out: frame,
        outPlanes: [
          { offset: 0, width: w, height: h },
          { offset: frame.uOffset, width: frame.chromaWidth, height: frame.chromaHeight },
          { offset: frame.vOffset, width: frame.chromaWidth, height: frame.chromaHeight },
        ],
        scratch: -1,
        scratch2: -1,
        weights: -1,
        separable: () => assert.fail("posterize does not use separable passes"),
      };
      posterize.wasm(step, plan);
      const actual = memory.slice(src, src + frame.total);
      const y = input.subarray(0, frame.ySize);
      const u = input.subarray(frame.uOffset, frame.vOffset);
      const v = input.subarray(frame.vOffset);
      const ref = posterize.reference({ ...frame, y, u, v }, plan);
      const expected = new Uint8Array(frame.total);
      expected.set(ref.y);
      expected.set(ref.u, frame.uOffset);
      expected.set(ref.v, frame.vOffset);
      assertFramesEqual(actual, expected, w, h, `posterize=${levels} ${w}x${h}`);
    }
  }
});
