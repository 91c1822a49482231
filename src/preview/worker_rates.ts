/**
 * Each worker's speed for the workers panel: frames per second from the `processed` counts the
 * queue reports at successive readings, measured the way a job's speed is (`windowRate`, frames
 * finished in the last 3 s), so a worker's figure and a job's figure can be compared.
 */
import { FPS_WINDOW_MS, windowRate } from "../server/registry.ts";

/** Readings kept per worker: enough for the window at one reading a second, and then some. */
const MAX_POINTS = 32;
/** A worker not seen for this long is forgotten (ms). */
const FORGET_MS = 120_000;

/**
 * Remembers `[time, processed]` readings per worker id and turns them into frames per second.
 * Not thread-safe in any interesting sense: one instance per preview, fed by its queue reader.
 */
export class WorkerRates {
  readonly #points = new Map<string, [number, number][]>();
  readonly #windowMs: number;

  /** @param windowMs the window of {@link rate} (default 3000 ms, as for jobs). */
  constructor(windowMs: number = FPS_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Records that worker `id` had `processed` frames at `now` (ms, any monotonic clock) and
   * returns its frames per second (2 decimals) over the window before `now`: from its first
   * reading while it has been watched for less than that; null at its first reading (no rate
   * yet). A count that went down (the worker restarted under the same id) starts over.
   */
  rate(id: string, processed: number, now: number): number | null {
    let points = this.#points.get(id);
    const last = points?.at(-1);
    if (!points || (last && processed < last[1])) {
      points = [];
      this.#points.set(id, points);
    }
    const origin = points[0];
    const value = origin ? windowRate(points, [now, processed], origin, this.#windowMs) : null;
    if (!last || now > last[0] || points.length === 0) points.push([now, processed]);
    if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    this.#forget(now);
    return value === null ? null : Math.round(value * 100) / 100;
  }

  /** Drops workers whose newest reading is older than {@link FORGET_MS}. */
  #forget(now: number): void {
    for (const [id, points] of this.#points) {
      const newest = points.at(-1);
      if (!newest || now - newest[0] > FORGET_MS) this.#points.delete(id);
    }
  }
}
