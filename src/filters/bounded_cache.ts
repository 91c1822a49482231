/**
 * BoundedCache: a small least-recently-used map, for memoising parsed filter chains.
 */

/**
 * A map that keeps at most `capacity` entries, dropping the least recently used (read or
 * written) one when a new key would exceed it.
 */
export class BoundedCache<K, V> {
  /** Most entries kept. */
  readonly capacity: number;
  readonly #map = new Map<K, V>();

  /**
   * @param capacity most entries kept, an integer ≥ 1.
   * @throws RangeError for any other capacity.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`cache capacity must be an integer >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Entries held now. */
  get size(): number {
    return this.#map.size;
  }

  /** The value stored under `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Stores `value` under `key`, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) {
      this.#map.delete(this.#map.keys().next().value as K);
    }
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
  }
}
