/**
 * Shared helpers for the filter tests: seeded random frames and plane-by-plane comparison.
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` bytes of test content: a mix of noise, a gradient, flat runs and the extremes 0 and 255,
 * chosen by `seed`.
 */
export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  const kind = seed % 4;
  for (let i = 0; i < n; i++) {
    if (kind === 0) out[i] = Math.floor(r() * 256);
    else if (kind === 1) out[i] = (i * 7 + Math.floor(r() * 16)) & 255;
    else if (kind === 2) out[i] = r() < 0.5 ? 0 : 255;
    else out[i] = r() < 0.9 ? out[Math.max(0, i - 1)] : Math.floor(r() * 256);
  }
  return out;
}

/** Asserts two yuv420p frames are equal, naming the first plane and sample that differs. */
export function assertFramesEqual(
  actual: Uint8Array,
  expected: Uint8Array,
  width: number,
  height: number,
  what: string,
): void {
  const l = planeLayout(width, height);
  assert.equal(actual.length, l.total, `${what}: length`);
  const planes: [string, number, number, number][] = [
    ["Y", 0, l.width, l.ySize],
    ["U", l.uOffset, l.chromaWidth, l.uvSize],
    ["V", l.vOffset, l.chromaWidth, l.uvSize],
  ];
  for (const [name, offset, w, size] of planes) {
    for (let i = 0; i < size; i++) {
      if (actual[offset + i] !== expected[offset + i]) {
        assert.fail(
          `${what}: ${name} plane differs at x=${i % w} y=${Math.floor(i / w)}: ` +
            `got ${actual[offset + i]}, expected ${expected[offset + i]}`,
        );
      }
    }
  }
}

/** Asserts two planes (w × h) are equal, naming the first sample that differs. */
export function assertPlanesEqual(
  actual: Uint8Array,
  expected: Uint8Array,
  w: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      assert.fail(
        `${what}: differs at x=${i % w} y=${Math.floor(i / w)}: got ${actual[i]}, expected ${
          expected[i]
        }`,
      );
    }
  }
}

/**
 * Frame sizes that exercise every edge case of the kernels: 1×1, 2×2, odd sizes, widths
 * around 16, 32 and 64 (vector, strip and tail boundaries), and planes that are long and thin.
 */
export const SIZES: readonly [number, number][] = [
  [1, 1],
  [2, 2],
  [3, 5],
  [5, 3],
  [1, 19],
  [19, 1],
  [15, 16],
  [16, 15],
  [17, 17],
  [31, 33],
  [33, 31],
  [36, 34],
  [63, 65],
  [64, 64],
  [65, 63],
  [97, 35],
  [130, 2],
  [2, 130],
  [129, 67],
];
