/**
 * How many of a finished job's frames fell back to the original, and whether that is more than
 * the client accepts (`--max-fallback`). Pure.
 */
import type { JobResult } from "../protocol/result.ts";
import { TooManyFallbacksError } from "./errors.ts";

/** Default `--max-fallback`: more than 5 % of the frames falling back is a failure. */
export const DEFAULT_MAX_FALLBACK_PERCENT = 5;

/** What {@link checkFallbacks} found. */
export interface FallbackReport {
  /** Frames that fell back to the original. */
  fallback: number;
  /** Frames of the job. */
  total: number;
  /** `fallback / total` in percent (0 for an empty job). */
  percent: number;
  /** One line for stderr when any frame fell back, else undefined. */
  line?: string;
  /** Set when `percent` is over the limit. */
  error?: TooManyFallbacksError;
}

/**
 * Counts `result`'s fallback frames against `maxPercent` (0..100; more than that share is too
 * many). The line names the first few frames and why they fell back.
 * @throws RangeError when `maxPercent` is not a number in 0..100.
 */
export function checkFallbacks(
  result: JobResult,
  maxPercent: number = DEFAULT_MAX_FALLBACK_PERCENT,
): FallbackReport {
  if (typeof maxPercent !== "number" || !(maxPercent >= 0 && maxPercent <= 100)) {
    throw new RangeError(`maxPercent must be a number in 0..100, got ${maxPercent}`);
  }
  const fallback = result.frames.fallback;
  const total = Math.max(result.frames.total, fallback);
  const percent = total > 0 ? (fallback / total) * 100 : 0;
  if (fallback === 0) return { fallback, total, percent };
  const shown = result.fallbackFrames.slice(0, 3)
    .map((e) => `#${e.index}: ${e.reason}`).join("; ");
  const line = `${fallback} of ${total} frames (${formatPercent(percent)} %) fell back to the ` +
    `original${shown ? ` (${shown}${fallback > 3 ? "; …" : ""})` : ""}`;
  const report: FallbackReport = { fallback, total, percent, line };
  if (percent > maxPercent) {
    report.error = new TooManyFallbacksError(
      `${fallback} of ${total} frames (${formatPercent(percent)} %) fell back to the original, ` +
        `more than --max-fallback ${maxPercent} % allows; the output was written all the same`,
    );
  }
  return report;
}

function formatPercent(p: number): string {
  return p >= 10 || Number.isInteger(p) ? String(Math.round(p * 10) / 10) : p.toFixed(1);
}
