/**
 * What is lost when an input becomes vframe's frames — 8-bit planar YUV 4:2:0, no alpha
 * (frame.ts) — said as warnings, so that no conversion is silent: a 10-bit (or 12-, 16-bit)
 * input is made 8-bit, 4:2:2 / 4:4:4 / RGB chroma is halved to 4:2:0, an alpha channel is
 * dropped. The commands print them (`vframe filter` on stderr and in `--json`; a server job in
 * the result JSON's `warnings`, which the client prints). Pure.
 */
import type { VideoInfo } from "./types.ts";

/** What a pixel format holds, as far as conversion to 8-bit 4:2:0 is concerned. */
export interface PixelFormatTraits {
  /** Bits per component (8 for the usual formats). */
  bitDepth: number;
  /** Chroma layout: `420`, `422`, `444`, `440`, `411`, `410`, `rgb`, `gray`, or `unknown`. */
  chroma: string;
  alpha: boolean;
}

/** Packed or semi-planar formats whose depth the name does not end with. */
const DEPTH_BY_NAME: [RegExp, number][] = [
  [/^(rgb|bgr)48|^(rgba|bgra)64|^ayuv64|^y216|^xv48|^p016|^p216|^p416/, 16],
  [/^y212|^xv36|^p012|^p212|^p412|^xyz12/, 12],
  [/^x2(rgb|bgr)10|^v210|^xv30|^y210|^nv20|^v30x|^p010|^p210|^p410/, 10],
];

/**
 * Reads a pixel format name as ffmpeg prints it (`yuv420p10le`, `p010le`, `gbrap12le`, `nv12`,
 * `rgba` …). Unknown names count as 8-bit with `unknown` chroma and no alpha.
 */
export function pixelFormatTraits(name: string): PixelFormatTraits {
  const fmt = name.toLowerCase();
  let bitDepth = 8;
  const named = DEPTH_BY_NAME.find(([pattern]) => pattern.test(fmt));
  if (named) bitDepth = named[1];
  else {
    // Planar and gray formats end with the depth: yuv420p10le, gbrp12be, gray16le, yuva444p9.
    const match = /(?:p|gray|ya)(\d{1,2})(?:le|be)?$/.exec(fmt);
    if (match && Number(match[1]) > 8) bitDepth = Number(match[1]);
  }
  const alpha = /^(yuva|gbrap|rgba|bgra|argb|abgr|ya\d|ayuv)/.test(fmt);
  let chroma = "unknown";
  const yuv = /^yuvj?a?4(\d\d)p/.exec(fmt);
  if (yuv) chroma = `4${yuv[1]}`;
  else if (/^(nv12|nv21|p01[026])/.test(fmt)) chroma = "420";
  else if (/^(nv16|nv20|p21|y21|yuyv422|uyvy422|yvyu422|v210)/.test(fmt)) chroma = "422";
  else if (/^(nv24|nv42|p41|xv|ayuv|v30x|vuy)/.test(fmt)) chroma = "444";
  else if (/^(gray|ya\d|mono)/.test(fmt)) chroma = "gray";
  else if (/^(rgb|bgr|gbr|argb|abgr|x2rgb|x2bgr|0rgb|0bgr|pal8)/.test(fmt)) chroma = "rgb";
  return { bitDepth, chroma, alpha };
}

/**
 * The warnings for an input of `info.pixelFormat`; empty for 8-bit 4:2:0 without alpha (and for
 * formats not recognised).
 */
export function conversionWarnings(info: Pick<VideoInfo, "pixelFormat">): string[] {
  const format = info.pixelFormat;
  const traits = pixelFormatTraits(format);
  const warnings: string[] = [];
  if (traits.bitDepth > 8) {
    warnings.push(
      `the input is ${traits.bitDepth}-bit (${format}); vframe filters 8-bit frames, so the ` +
        "output is 8-bit yuv420p: the extra precision is lost (gradients may band). " +
        "vframe cannot keep high bit depth yet",
    );
  }
  const chroma: Record<string, string> = {
    "422": "4:2:2",
    "444": "4:4:4",
    "440": "4:4:0",
    rgb: "RGB",
  };
  if (chroma[traits.chroma]) {
    warnings.push(
      `the input's colour is ${chroma[traits.chroma]} (${format}); the output is 4:2:0 ` +
        "(yuv420p): the finer colour detail is lost",
    );
  }
  if (traits.alpha) {
    warnings.push(
      `the input has an alpha (transparency) channel (${format}); the output has none: it is ` +
        "dropped",
    );
  }
  return warnings;
}
