/**
 * A reorder buffer: frames finish in any order, the encoder must receive them in index order.
 * Pure: `push` returns the items that have become ready, in order.
 */
import { VframeError } from "./errors.ts";

/** Thrown when an index is pushed twice, is below the next expected one, or is not valid. */
export class ReorderError extends VframeError {
  readonly code: string = "internal";
  override name = "ReorderError";
}

/** Holds out-of-order items until every item before them has arrived. */
export class ReorderBuffer<T> {
  #next: number;
  #held = new Map<number, T>();

  /**
   * @param start the first index expected (default 0); an integer ≥ 0.
   * @throws RangeError when `start` is not an integer ≥ 0.
   */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0) {
      throw new RangeError(`reorder start must be an integer >= 0, got ${start}`);
    }
    this.#next = start;
  }

  /** The index the buffer waits for next. */
  get next(): number {
    return this.#next;
  }

  /** Items held because an earlier index is missing. */
  get pending(): number {
    return this.#held.size;
  }

  /**
   * Adds item `index`; returns every item now ready, in index order (empty when `index` is not
   * the next expected one).
   * @throws ReorderError when `index` is not an integer ≥ 0, was already delivered, or is held.
   */
  push(index: number, item: T): T[] {
    if (!Number.isInteger(index) || index < 0) {
      throw new ReorderError(`frame index must be an integer >= 0, got ${index}`);
    }
    if (index < this.#next || this.#held.has(index)) {
      throw new ReorderError(`frame ${index} arrived twice (next expected: ${this.#next})`);
    }
    this.#held.set(index, item);
    const ready: T[] = [];
    while (this.#held.has(this.#next)) {
      ready.push(this.#held.get(this.#next)!);
      this.#held.delete(this.#next);
      this.#next++;
    }
    return ready;
  }

  /** Indices still held (missing predecessors), ascending. */
  heldIndices(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** Drops everything held (e.g. on cancel). */
  clear(): void {
    this.#held.clear();
  }
}
