/**
 * Latency statistics for the result JSON. Pure.
 */

/**
 * The `p`-th percentile of `values` by the nearest-rank method: the smallest value such that at
 * least `p`% of the values are ≤ it. Empty input gives 0. Does not modify `values`.
 * @param p in [0, 100]; 0 gives the minimum, 100 the maximum.
 * @throws RangeError when `p` is outside [0, 100] or a value is not a finite number.
 */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0];
}

/**
 * Several percentiles at once (one sort), nearest-rank, in the order of `ps`.
 * @throws RangeError when a `p` is outside [0, 100] or a value is not a finite number.
 */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps) {
    if (typeof p !== "number" || !(p >= 0 && p <= 100)) {
      throw new RangeError(`percentile must be in [0, 100], got ${p}`);
    }
  }
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(`latency values must be finite numbers, got ${v}`);
    }
  }
  if (values.length === 0) return ps.map(() => 0);
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[rank - 1];
  });
}

/** The p50/p95/p99 of `values` (nearest rank, rounded to 0.1 ms); zeros for no values. */
export function latencySummary(
  values: readonly number[],
): { p50: number; p95: number; p99: number } {
  const [p50, p95, p99] = percentiles(values, [50, 95, 99]).map((v) => Math.round(v * 10) / 10);
  return { p50, p95, p99 };
}

/** Frames per second for `frames` frames in `ms` milliseconds, 2 decimals; 0 when `ms` ≤ 0. */
export function fps(frames: number, ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.round((frames / (ms / 1000)) * 100) / 100;
}
