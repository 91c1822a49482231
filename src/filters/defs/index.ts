/**
 * Every filter module, in the order the docs list them. The registry (../registry.ts) is built
 * from this list: adding a filter is one module in this folder and one line here.
 */
import type { AnyFilterModule } from "../filter_module.ts";
import { blur } from "./blur.ts";
import { boxblur } from "./boxblur.ts";
import { colorbalance } from "./colorbalance.ts";
import { crop } from "./crop.ts";
import { curves } from "./curves.ts";
import { drawbox } from "./drawbox.ts";
import { edges } from "./edges.ts";
import { emboss } from "./emboss.ts";
import { fade } from "./fade.ts";
import { eq } from "./eq.ts";
import { grayscale } from "./grayscale.ts";
import { hflip } from "./hflip.ts";
import { hue } from "./hue.ts";
import { invert } from "./invert.ts";
import { overlay } from "./overlay.ts";
import { pad } from "./pad.ts";
import { pixelate } from "./pixelate.ts";
import { rotate } from "./rotate.ts";
import { saturation } from "./saturation.ts";
import { scale } from "./scale.ts";
import { sepia } from "./sepia.ts";
import { sharpen } from "./sharpen.ts";
import { threshold } from "./threshold.ts";
import { transpose } from "./transpose.ts";
import { unsharp } from "./unsharp.ts";
import { vflip } from "./vflip.ts";
import { vignette } from "./vignette.ts";

/** The filter modules, in docs order. */
export const FILTER_MODULES: readonly AnyFilterModule[] = [
  blur,
  boxblur,
  grayscale,
  invert,
  eq,
  saturation,
  sepia,
  sharpen,
  edges,
  emboss,
  pixelate,
  threshold,
  hflip,
  vflip,
  hue,
  unsharp,
  vignette,
  drawbox,
  colorbalance,
  curves,
  rotate,
  scale,
  crop,
  pad,
  transpose,
  fade,
  overlay,
];
