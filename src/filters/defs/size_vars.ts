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
