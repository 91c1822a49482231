/**
 * The example module of docs/filters.md ("Adding a filter"), kept here so that it type-checks
 * and its test (filter_module_test.ts) proves its kernel call matches its reference. It is not
 * registered: a real filter lives in src/filters/defs/ and is listed in defs/index.ts.
 */
import { defineFilter } from "../../src/filters/filter_module.ts";
import { map, withLuma } from "../../src/filters/reference_kernels.ts";

/** Posterize: the luma quantised to `levels` grey levels through a 256-entry table. */
export const posterize = defineFilter<Uint8Array>({
  name: "posterize",
  description: "Quantises the luma to a few grey levels.",
  params: [
    {
      name: "levels",
      default: 4,
      min: 2,
      max: 256,
      integer: true,
      description: "number of luma levels",
    },
  ],
  planes: "Y only, point-wise; U and V unchanged.",
  differences: "No single ffmpeg filter; `lutyuv` with the same table gives the same output.",
  kernels: ["lut"], // an existing kernel: nothing to add to asm/
  inPlace: true,
  plan: ({ levels }) => {
    const table = new Uint8Array(256);
    for (let x = 0; x < 256; x++) {
      table[x] = Math.round((Math.floor((x * levels) / 256) * 255) / (levels - 1));
    }
    return table;
  },
  wasm({ k, memory, src, frame, table }, plan) {
    memory.set(plan, table);
    k.lut(src, frame.ySize, table);
  },
  reference: (frame, plan) => withLuma(frame, map(frame.y, (x) => plan[x])),
  examples: ["posterize", "posterize=2", "posterize=256"],
});
