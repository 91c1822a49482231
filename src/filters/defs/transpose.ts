/** `transpose`: turns the frame a quarter turn, mirrored or not, as ffmpeg transpose (0–3). */
import { defineFilter } from "../filter_module.ts";
import type { FilterParams } from "../params.ts";
import { TRANSPOSE_DIRS, type TurnKernels, turnPlane, turnWasm } from "./turn.ts";

export const transpose = defineFilter<FilterParams, TurnKernels>({
  name: "transpose",
  description: "Turns the frame by 90° (width and height swap), mirrored or not, as ffmpeg " +
    "transpose.",
  params: [
    {
      name: "dir",
      default: 0,
      min: 0,
      max: 3,
      integer: true,
      words: TRANSPOSE_DIRS,
      description: "0 `cclock_flip` (counter-clockwise and flipped vertically: the transpose, " +
        "default), 1 `clock`, 2 `cclock`, 3 `clock_flip`",
    },
  ],
  ffmpeg: "transpose=D",
  planes: "Every plane turned the same way; chroma planes swap their sizes too.",
  kernels: ["transpose", "hflip", "vflip", "reverse"],
  inPlace: false,
  outputSize: (_p, w, h) => ({ width: h, height: w }),
  wasm: (step, p) => turnWasm(step, p.dir),
  reference: (f, p) => ({
    y: turnPlane(f.y, f.width, f.height, p.dir),
    u: turnPlane(f.u, f.chromaWidth, f.chromaHeight, p.dir),
    v: turnPlane(f.v, f.chromaWidth, f.chromaHeight, p.dir),
  }),
  examples: ["transpose", "transpose=1", "transpose=cclock", "transpose=dir=clock_flip"],
  ffmpegExact: [
    ["transpose=0", "transpose=0"],
    ["transpose=clock", "transpose=clock"],
    ["transpose=2", "transpose=2"],
    ["transpose=dir=clock_flip", "transpose=dir=clock_flip"],
  ],
});
