/** x264's presets, fastest first (pure data: the protocol and the CLI read it too). */
export const PRESETS = [
  "ultrafast",
  "superfast",
  "veryfast",
  "faster",
  "fast",
  "medium",
  "slow",
  "slower",
  "veryslow",
  "placebo",
] as const;

/** One of {@link PRESETS}. */
export type Preset = typeof PRESETS[number];
