/** Input limits: defaults, validation, and the checks that refuse inputs past them. */
import { InvalidInputError } from "./errors.ts";
import type { InputLimits } from "./types.ts";

/** Defaults: 7680 px (8K) per side, one million frames (over 9 hours at 30 fps). */
export const DEFAULT_LIMITS: Readonly<Required<InputLimits>> = Object.freeze({
  maxDimension: 7680,
  maxFrames: 1_000_000,
});

/**
 * Fills in defaults and validates.
 * @throws RangeError when a limit is not an integer ≥ 1.
 */
export function resolveLimits(limits: InputLimits = {}): Required<InputLimits> {
  const out = {
    maxDimension: limits.maxDimension ?? DEFAULT_LIMITS.maxDimension,
    maxFrames: limits.maxFrames ?? DEFAULT_LIMITS.maxFrames,
  };
  for (const [key, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`limits.${key} must be an integer >= 1, got ${value}`);
    }
  }
  return out;
}

/** @throws InvalidInputError (`too-large`) when width or height exceeds `maxDimension`. */
export function checkDimensions(
  width: number,
  height: number,
  limits: Required<InputLimits>,
  input: string,
): void {
  if (width > limits.maxDimension || height > limits.maxDimension) {
    throw new InvalidInputError(
      "too-large",
      input,
      `video is ${width}x${height}, larger than the limit of ${limits.maxDimension} px per side; ` +
        `scale it down first or raise limits.maxDimension`,
    );
  }
}

/** @throws InvalidInputError (`too-large`) when `frames` exceeds `maxFrames`. */
export function checkFrameCount(
  frames: number,
  limits: Required<InputLimits>,
  input: string,
): void {
  if (frames > limits.maxFrames) {
    throw new InvalidInputError(
      "too-large",
      input,
      `video has ${frames} frames or more, past the limit of ${limits.maxFrames}; ` +
        `cut it shorter or raise limits.maxFrames`,
    );
  }
}
