/** The names ffmpeg's size expressions may use (scale, crop, pad), as vframe evaluates them. */
export const SIZE_VARS: readonly string[] = [
  "iw",
  "ih",
  "in_w",
  "in_h",
  "ow",
  "oh",
  "out_w",
  "out_h",
  "a",
  "sar",
  "dar",
  "hsub",
  "vsub",
  "ohsub",
  "ovsub",
];

/**
 * The values of {@link SIZE_VARS} (and `x`, `y`) for an `iw`×`ih` input of 4:2:0 frames with square
 * pixels, before the output's size and position are known (those start as NaN: an expression
 * using them before they are set evaluates to NaN and is refused).
 */
export function sizeVars(iw: number, ih: number): Record<string, number> {
  return {
    iw,
    ih,
    in_w: iw,
    in_h: ih,
    a: iw / ih,
    sar: 1,
    dar: iw / ih,
    hsub: 2,
    vsub: 2,
    ohsub: 2,
    ovsub: 2,
    x: NaN,
    y: NaN,
    ow: NaN,
    oh: NaN,
    out_w: NaN,
    out_h: NaN,
  };
}
