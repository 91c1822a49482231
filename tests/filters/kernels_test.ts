/**
 * The wasm kernels one plane at a time, against the reference kernels: every size class, row
 * strides wider than the plane, radii larger than the plane, and canaries around every buffer so
 * a kernel that writes outside its output (or into its input) fails.
 */
import assert from "node:assert/strict";
import { SEPIA } from "../../src/filters/defs/sepia.ts";
import { boxNormaliser } from "../../src/filters/passes.ts";
import { type FilterKernels, instantiateKernels } from "../../src/filters/wasm.ts";
import * as R from "../reference/kernels.ts";
import { assertPlanesEqual, randomBytes, rng } from "./helpers.ts";

const k: FilterKernels = await instantiateKernels();
const CANARY = 0xa5;
const GAP = 64;

/** A bump allocator over wasm memory that surrounds every buffer with canary bytes. */
class Arena {
  #next = 0;
  #buffers: { at: number; size: number }[] = [];

  constructor() {
    this.reset();
  }

  reset() {
    this.#next = ((k.heapBase() + 63) & ~63) + GAP;
    this.#buffers = [];
  }

  alloc(size: number, fill?: Uint8Array): number {
    const at = this.#next;
    const end = at + size + GAP;
    if (end > k.memory.buffer.byteLength) {
      k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / 65536));
    }
    const mem = this.mem();
    mem.fill(CANARY, at - GAP, end);
    if (fill) mem.set(fill, at);
    this.#buffers.push({ at, size });
    this.#next = (end + 63) & ~63;
    this.#next += GAP;
    return at;
  }

  mem(): Uint8Array {
    return new Uint8Array(k.memory.buffer);
  }

  read(at: number, size: number): Uint8Array {
    return this.mem().slice(at, at + size);
  }

  /** Fails when a byte between buffers changed. */
  checkCanaries(what: string) {
    const mem = this.mem();
    for (const { at, size } of this.#buffers) {
      for (const i of [...range(at - GAP, at), ...range(at + size, at + size + GAP)]) {
        if (mem[i] !== CANARY) {
          assert.fail(
            `${what}: wrote outside its buffers (byte ${i - at} of a ${size}-byte buffer)`,
          );
        }
      }
    }
  }
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

const arena = new Arena();

/** A w × h plane stored with row stride s (padding bytes random). */
function strided(plane: Uint8Array, w: number, h: number, s: number, seed: number): Uint8Array {
  const out = randomBytes(s * h, seed);
  for (let y = 0; y < h; y++) out.set(plane.subarray(y * w, y * w + w), y * s);
  return out;
}

function unstride(bytes: Uint8Array, w: number, h: number, s: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(bytes.subarray(y * s, y * s + w), y * w);
  return out;
}

/** Applies a line function to every column of a w × h plane. */
function columns(
  plane: Uint8Array,
  w: number,
  h: number,
  f: (col: Uint8Array) => Uint8Array,
): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let x = 0; x < w; x++) {
    const col = new Uint8Array(h);
    for (let y = 0; y < h; y++) col[y] = plane[y * w + x];
    const filtered = f(col);
    for (let y = 0; y < h; y++) out[y * w + x] = filtered[y];
  }
  return out;
}

/** Plane sizes: tiny, around the 16/64-column strip boundaries, odd, tall and wide. */
const PLANES: [number, number][] = [
  [1, 1],
  [2, 1],
  [1, 2],
  [3, 5],
  [7, 3],
  [15, 4],
  [16, 3],
  [17, 6],
  [31, 2],
  [33, 9],
  [48, 5],
  [63, 7],
  [64, 4],
  [65, 8],
  [80, 3],
  [127, 5],
  [128, 2],
  [129, 11],
  [200, 3],
  [5, 40],
];

Deno.test("transpose: every size, with row strides wider than the plane", () => {
  for (const [w, h] of [...PLANES, [16, 16], [32, 48], [47, 33]] as [number, number][]) {
    for (const [ss, ds] of [[w, h], [w + 3, h + 17]]) {
      arena.reset();
      const plane = randomBytes(w * h, w * 7 + h);
      const srcBytes = strided(plane, w, h, ss, 1);
      const src = arena.alloc(ss * h, srcBytes);
      const dst = arena.alloc(ds * w, new Uint8Array(ds * w));
      k.transpose(src, ss, dst, ds, w, h);
      const what = `transpose ${w}x${h} strides ${ss}/${ds}`;
      arena.checkCanaries(what);
      assert.deepEqual(arena.read(src, ss * h), srcBytes, `${what}: input changed`);
      assertPlanesEqual(
        unstride(arena.read(dst, ds * w), h, w, ds),
        R.transpose(plane, w, h),
        h,
        what,
      );
    }
  }
});

/** Runs boxV on one plane and compares with the reference column by column. */
function checkBox(w: number, h: number, r: number, ss: number, ds: number, seed: number) {
  arena.reset();
  const plane = randomBytes(w * h, seed);
  const srcBytes = strided(plane, w, h, ss, seed + 1);
  const src = arena.alloc(ss * h, srcBytes);
  const dst = arena.alloc(ds * h, new Uint8Array(ds * h));
  const rows = arena.alloc(4 * (h + 2 * 128 + 2));
  const { m, shift } = r > 0 ? boxNormaliser(2 * r + 1) : { m: 0, shift: 0 };
  k.boxV(src, ss, dst, ds, w, h, r, m, shift, rows);
  const what = `boxV ${w}x${h} r=${r} strides ${ss}/${ds} seed ${seed}`;
  // The row table is scratch: only check the canaries, not its content.
  arena.checkCanaries(what);
  assert.deepEqual(arena.read(src, ss * h), srcBytes, `${what}: input changed`);
  const expected = columns(plane, w, h, (col) => (r > 0 ? R.boxLine(col, r) : col));
  assertPlanesEqual(unstride(arena.read(dst, ds * h), w, h, ds), expected, w, what);
}

Deno.test("boxV: radii 0..128, including radii larger than the plane", () => {
  const random = rng(7);
  for (const [w, h] of PLANES) {
    for (const r of [0, 1, 2, 3, 5, 63, 64, 100, 128]) {
      checkBox(w, h, r, w, w, w * 1000 + h * 10 + r);
    }
    for (let i = 0; i < 3; i++) {
      const r = 1 + Math.floor(random() * 128);
      checkBox(w, h, r, w + 1 + Math.floor(random() * 70), w + Math.floor(random() * 70), i);
    }
  }
  // Every window size once, on a plane with full strips and a tail.
  for (let r = 1; r <= 128; r++) checkBox(83, 9, r, 83, 83, r);
});

Deno.test("boxV: flat planes stay flat for every radius and level", () => {
  for (let r = 1; r <= 128; r++) {
    arena.reset();
    const w = 70, h = 3;
    const plane = new Uint8Array(w * h);
    for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) plane[y * w + x] = (x * 37 + r) % 256;
    const src = arena.alloc(w * h, plane);
    const dst = arena.alloc(w * h);
    const rows = arena.alloc(4 * (h + 2 * 128 + 2));
    const { m, shift } = boxNormaliser(2 * r + 1);
    k.boxV(src, w, dst, w, w, h, r, m, shift, rows);
    assertPlanesEqual(arena.read(dst, w * h), plane, w, `flat columns r=${r}`);
  }
});

Deno.test("tap3V: every c1, every size, strides", () => {
  for (const [w, h] of PLANES) {
    for (const c1 of [0, 1, 17, 64, 85]) {
      for (const [ss, ds] of [[w, w], [w + 5, w + 16]]) {
        arena.reset();
        const plane = randomBytes(w * h, c1 + w);
        const srcBytes = strided(plane, w, h, ss, 3);
        const src = arena.alloc(ss * h, srcBytes);
        const dst = arena.alloc(ds * h);
        k.tap3V(src, ss, dst, ds, w, h, c1);
        const what = `tap3V ${w}x${h} c1=${c1} strides ${ss}/${ds}`;
        arena.checkCanaries(what);
        assert.deepEqual(arena.read(src, ss * h), srcBytes, `${what}: input changed`);
        const expected = columns(plane, w, h, (col) => R.tap3Line(col, c1));
        assertPlanesEqual(unstride(arena.read(dst, ds * h), w, h, ds), expected, w, what);
      }
    }
  }
});

/** Runs an in-place kernel on a copy of `bytes` in wasm memory and returns the result. */
function inPlace(bytes: Uint8Array, what: string, run: (p: number) => void): Uint8Array {
  arena.reset();
  const p = arena.alloc(bytes.length, bytes);
  run(p);
  arena.checkCanaries(what);
  return arena.read(p, bytes.length);
}

/** Runs a src → dst plane kernel and returns dst, checking src is untouched. */
function srcToDst(
  plane: Uint8Array,
  what: string,
  run: (src: number, dst: number) => void,
): Uint8Array {
  arena.reset();
  const src = arena.alloc(plane.length, plane);
  const dst = arena.alloc(plane.length);
  run(src, dst);
  arena.checkCanaries(what);
  assert.deepEqual(arena.read(src, plane.length), plane, `${what}: input changed`);
  return arena.read(dst, plane.length);
}

/** Lengths around the 16-byte vector boundary, for the point kernels. */
const LENGTHS = [0, 1, 2, 15, 16, 17, 31, 32, 33, 100, 257];

Deno.test("point kernels: invert, threshold, eqLinear, lut, chromaScale on every tail length", () => {
  const random = rng(11);
  for (const n of LENGTHS) {
    const bytes = randomBytes(n, n + 1);
    assert.deepEqual(
      inPlace(bytes, `invert ${n}`, (p) => k.invert(p, n)),
      R.map(bytes, (x) => 255 - x),
    );
    for (const level of [0, 1, 128, 255]) {
      assert.deepEqual(
        inPlace(bytes, `threshold ${n}`, (p) => k.threshold(p, n, level)),
        R.map(bytes, (x) => (x >= level ? 255 : 0)),
        `threshold n=${n} level=${level}`,
      );
    }
    for (
      const [c, b] of [[4096, 0], [4915, -26], [-4096, 500], [32358, -1139], [-32358, 1394], [
        0,
        77,
      ]]
    ) {
      assert.deepEqual(
        inPlace(bytes, `eqLinear ${n}`, (p) => k.eqLinear(p, n, c, b)),
        R.map(bytes, (x) => R.eqLinearSample(x, c, b)),
        `eqLinear n=${n} c=${c} b=${b}`,
      );
    }
    const table = randomBytes(256, n + 99);
    assert.deepEqual(
      inPlace(bytes, `lut ${n}`, (p) => {
        const t = arena.alloc(256, table);
        k.lut(p, n, t);
      }),
      R.map(bytes, (x) => table[x]),
      `lut n=${n}`,
    );
    for (
      const c of [
        0,
        65536,
        98304,
        -131072,
        655360,
        -655360,
        Math.floor(random() * 1310720) - 655360,
      ]
    ) {
      assert.deepEqual(
        inPlace(bytes, `chromaScale ${n}`, (p) => k.chromaScale(p, n, c)),
        R.map(bytes, (x) => R.chromaScaleSample(x, c)),
        `chromaScale n=${n} c=${c}`,
      );
    }
  }
});

Deno.test("point kernels: unsharp and fill on every tail length", () => {
  for (const n of LENGTHS) {
    const bytes = randomBytes(n, n + 3);
    const blurred = randomBytes(n, n + 4);
    for (const a of [-1024, -1, 0, 512, 1000, 2560]) {
      const actual = inPlace(bytes, `unsharp ${n}`, (p) => {
        const b = arena.alloc(n, blurred);
        k.unsharp(p, b, n, a);
      });
      const expected = new Uint8Array(n);
      for (let i = 0; i < n; i++) expected[i] = R.unsharpSample(bytes[i], blurred[i], a);
      assert.deepEqual(actual, expected, `unsharp n=${n} a=${a}`);
    }
    assert.deepEqual(
      inPlace(bytes, `fill ${n}`, (p) => k.fill(p, 128, n)),
      new Uint8Array(n).fill(128),
    );
  }
});

Deno.test("sepia kernels: luma on every tail length, chroma on every plane shape", () => {
  const s = SEPIA;
  for (const n of [...LENGTHS, 256]) {
    const bytes = n === 256 ? Uint8Array.from({ length: 256 }, (_, i) => i) : randomBytes(n, n);
    assert.deepEqual(
      inPlace(
        bytes,
        `sepiaLuma ${n}`,
        (p) => k.sepiaLuma(p, n, s.kR, s.kG, s.kB, s.wR, s.wG, s.wB, s.cap),
      ),
      R.map(bytes, (x) => R.sepiaLumaSample(x, s)),
      `sepiaLuma n=${n}`,
    );
  }
  for (const [w, h] of [...PLANES, [33, 33], [34, 4], [47, 3]] as [number, number][]) {
    arena.reset();
    const cw = Math.ceil(w / 2);
    const ch = Math.ceil(h / 2);
    const luma = randomBytes(w * h, w * 3 + h);
    const y = arena.alloc(w * h, luma);
    const u = arena.alloc(cw * ch);
    const v = arena.alloc(cw * ch);
    k.sepiaChroma(y, u, v, w, h, s.kR, s.kG, s.kB, s.wR, s.wG, s.wB, s.cap, s.cU, s.cV);
    arena.checkCanaries(`sepiaChroma ${w}x${h}`);
    const [eu, ev] = R.sepiaChroma(luma, w, h, s);
    assertPlanesEqual(arena.read(u, cw * ch), eu, cw, `sepia U ${w}x${h}`);
    assertPlanesEqual(arena.read(v, cw * ch), ev, cw, `sepia V ${w}x${h}`);
    assert.deepEqual(arena.read(y, w * h), luma, "sepiaChroma must not change the luma");
  }
});

Deno.test("3×3 kernels: sobel and emboss on every plane shape", () => {
  for (const [w, h] of [...PLANES, [18, 3], [19, 4], [34, 2]] as [number, number][]) {
    for (const seed of [0, 1, 2, 3]) {
      const plane = randomBytes(w * h, seed * 100 + w + h);
      assertPlanesEqual(
        srcToDst(plane, `sobel ${w}x${h}`, (src, dst) => k.sobel(src, dst, w, h)),
        R.sobel(plane, w, h),
        w,
        `sobel ${w}x${h} seed ${seed}`,
      );
      assertPlanesEqual(
        srcToDst(plane, `emboss ${w}x${h}`, (src, dst) => k.emboss(src, dst, w, h)),
        R.emboss(plane, w, h),
        w,
        `emboss ${w}x${h} seed ${seed}`,
      );
    }
  }
});

Deno.test("pixelate: block sizes from 1 to larger than the plane", () => {
  for (const [w, h] of PLANES) {
    for (const b of [1, 2, 3, 7, 16, 17, 64, 256]) {
      const plane = randomBytes(w * h, b + w * h);
      const actual = inPlace(plane, `pixelate ${w}x${h}`, (p) => {
        const sums = arena.alloc(2 * (w + 16));
        k.pixelate(p, w, h, b, sums);
      });
      assertPlanesEqual(actual, R.pixelate(plane, w, h, b), w, `pixelate ${w}x${h} b=${b}`);
    }
  }
});

Deno.test("flips: every plane shape", () => {
  for (const [w, h] of [...PLANES, [32, 3], [47, 2], [48, 2], [49, 1]] as [number, number][]) {
    const plane = randomBytes(w * h, w + 7 * h);
    assertPlanesEqual(
      inPlace(plane, `hflip ${w}x${h}`, (p) => k.hflip(p, w, h)),
      R.hflip(plane, w, h),
      w,
      `hflip ${w}x${h}`,
    );
    assertPlanesEqual(
      inPlace(plane, `vflip ${w}x${h}`, (p) => k.vflip(p, w, h)),
      R.vflip(plane, w, h),
      w,
      `vflip ${w}x${h}`,
    );
  }
});

Deno.test("copyPlane: between strides", () => {
  for (const [w, h] of PLANES) {
    arena.reset();
    const plane = randomBytes(w * h, 5);
    const ss = w + 9;
    const src = arena.alloc(ss * h, strided(plane, w, h, ss, 6));
    const dst = arena.alloc(w * h);
    k.copyPlane(src, ss, dst, w, w, h);
    arena.checkCanaries(`copyPlane ${w}x${h}`);
    assertPlanesEqual(arena.read(dst, w * h), plane, w, `copyPlane ${w}x${h}`);
  }
});
