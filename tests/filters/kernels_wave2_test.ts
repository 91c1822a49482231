/**
 * The second wave's kernels called directly, against their references: tiny, odd and vector-
 * boundary sizes, parameters at their extremes, the scratch the engine guarantees and no more,
 * and canaries around every buffer so a kernel that writes outside them fails.
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { balancePixel, type ColorbalanceKernels } from "../../src/filters/defs/colorbalance.ts";
import { type CurvesKernels, presetTables } from "../../src/filters/defs/curves.ts";
import {
  type BoxGeometry,
  type DrawboxKernels,
  drawboxPlan,
  drawboxRef,
} from "../../src/filters/defs/drawbox.ts";
import { type HueKernels, hueRotateSample } from "../../src/filters/defs/hue.ts";
import { reversePlane, type RotateKernels } from "../../src/filters/defs/rotate.ts";
import {
  type UnsharpKernels,
  unsharpPlaneRef,
  unsharpStep,
} from "../../src/filters/defs/unsharp.ts";
import {
  vignetteGeometry,
  type VignetteKernels,
  type VignettePlan,
  vignetteRef,
} from "../../src/filters/defs/vignette.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { rgbOperation } from "../../src/filters/reference_kernels.ts";
import { instantiateKernels } from "../../src/filters/wasm.ts";
import { assertPlanesEqual, randomBytes, rng } from "./helpers.ts";
import { Arena } from "./wasm_arena.ts";

type Kernels =
  & UnsharpKernels
  & HueKernels
  & RotateKernels
  & DrawboxKernels
  & VignetteKernels
  & CurvesKernels
  & ColorbalanceKernels;

const k = (await instantiateKernels()) as Kernels;
const arena = new Arena(k);

/** Plane and frame sizes: tiny, odd, around the 4/8/16-lane boundaries, long and thin. */
const SIZES: [number, number][] = [
  [1, 1],
  [2, 1],
  [1, 2],
  [3, 5],
  [5, 3],
  [7, 2],
  [8, 3],
  [9, 4],
  [15, 3],
  [16, 2],
  [17, 9],
  [31, 4],
  [32, 3],
  [33, 5],
  [47, 6],
  [64, 2],
  [65, 7],
  [2, 33],
];

/** The scratch the engine gives a filter in `sums`: 4 · (max(w, h) + 258) bytes. */
function sumsBytes(w: number, h: number): number {
  return 4 * (Math.max(w, h) + 258);
}

/** A frame's planes read back from wasm memory. */
function planesAt(at: number, w: number, h: number) {
  const l = planeLayout(w, h);
  const all = arena.read(at, l.total);
  return {
    y: all.slice(0, l.ySize),
    u: all.slice(l.uOffset, l.vOffset),
    v: all.slice(l.vOffset),
  };
}

function planesOf(frame: Uint8Array, w: number, h: number) {
  const l = planeLayout(w, h);
  return {
    y: frame.slice(0, l.ySize),
    u: frame.slice(l.uOffset, l.vOffset),
    v: frame.slice(l.vOffset),
  };
}

function assertFrame(
  actual: { y: Uint8Array; u: Uint8Array; v: Uint8Array },
  expected: { y: Uint8Array; u: Uint8Array; v: Uint8Array },
  w: number,
  what: string,
) {
  const cw = Math.ceil(w / 2);
  assertPlanesEqual(actual.y, expected.y, w, `${what} Y`);
  assertPlanesEqual(actual.u, expected.u, cw, `${what} U`);
  assertPlanesEqual(actual.v, expected.v, cw, `${what} V`);
}

Deno.test("unsharpPlane: 16- and 32-bit sums, every matrix shape, odd and tiny planes", () => {
  // Matrix sizes and amounts: 16-bit sums up to sx + sy = 4, 32-bit above (to ffmpeg's 12).
  const shapes: [number, number, number][] = [
    [3, 3, 1],
    [5, 5, 1],
    [7, 3, -2],
    [3, 9, 5],
    [9, 3, 2.5],
    [7, 5, 2.5],
    [23, 3, -1.5],
    [13, 11, 5],
    [3, 23, 0.3],
    [5, 5, 0],
  ];
  for (const [w, h] of SIZES) {
    for (const [mx, my, amount] of shapes) {
      arena.reset();
      const plane = randomBytes(w * h, w * 31 + h + mx);
      const step = unsharpStep(mx, my, amount);
      const src = arena.alloc(w * h, plane);
      const dst = arena.alloc(w * h);
      const row = arena.alloc(4 * (w + 2 * step.sx));
      k.unsharpPlane(src, dst, w, h, step.sx, step.sy, step.amount, row);
      const what = `unsharpPlane ${w}x${h} ${mx}x${my} amount ${amount}`;
      arena.checkCanaries(what);
      assert.deepEqual(arena.read(src, w * h), plane, `${what}: input changed`);
      assertPlanesEqual(arena.read(dst, w * h), unsharpPlaneRef(plane, w, h, step), w, what);
    }
  }
});

Deno.test("reverse: every length up to 70 and a long one", () => {
  for (const n of [...Array.from({ length: 71 }, (_, i) => i), 1000, 1031]) {
    arena.reset();
    const bytes = randomBytes(n, n + 3);
    const at = arena.alloc(n, bytes);
    k.reverse(at, n);
    arena.checkCanaries(`reverse ${n}`);
    assert.deepEqual(arena.read(at, n), reversePlane(bytes), `reverse ${n}`);
  }
});

Deno.test("hueRotate: vector and tail samples, gains at their extremes", () => {
  for (const n of [0, 1, 5, 15, 16, 17, 33, 100]) {
    for (const [c, s] of [[65536, 1], [0, 655360], [-655360, -655360], [46341, -46341]]) {
      arena.reset();
      const u0 = randomBytes(n, n + 1);
      const v0 = randomBytes(n, n + 2);
      const u = arena.alloc(n, u0);
      const v = arena.alloc(n, v0);
      k.hueRotate(u, v, n, c, s);
      const what = `hueRotate n=${n} c=${c} s=${s}`;
      arena.checkCanaries(what);
      const expected = Array.from({ length: n }, (_, i) => hueRotateSample(u0[i], v0[i], c, s));
      assert.deepEqual([...arena.read(u, n)], expected.map((p) => p[0]), `${what}: U`);
      assert.deepEqual([...arena.read(v, n)], expected.map((p) => p[1]), `${what}: V`);
    }
  }
});

Deno.test("drawbox: boxes inside, across and outside the frame, outlines and fills", () => {
  const random = rng(11);
  const colors = ["red@0.5", "0x2080f0", "white@0.1", "invert", "black@0x00"];
  for (const [w, h] of SIZES) {
    for (let i = 0; i < 12; i++) {
      const box: BoxGeometry = {
        x: Math.floor(random() * (w + 6)) - 4,
        y: Math.floor(random() * (h + 6)) - 4,
        w: 1 + Math.floor(random() * (w + 4)),
        h: 1 + Math.floor(random() * (h + 4)),
        t: [0, 1, 2, 3, 5, 2 ** 29][i % 6],
      };
      const color = colors[i % colors.length];
      const plan = drawboxPlan(parseChain(`drawbox=c=${color}`)[0].params);
      const l = planeLayout(w, h);
      arena.reset();
      const frame = randomBytes(l.total, w * 100 + h + i);
      const at = arena.alloc(l.total, frame);
      const ty = arena.alloc(256, plan.luma);
      const tables = arena.alloc(1024, plan.chroma ?? new Uint8Array(1024));
      const counts = arena.alloc(l.chromaWidth);
      const left = Math.max(box.x, 0);
      const right = Math.min(box.x + box.w, w);
      const top = Math.max(box.y, 0);
      const down = Math.min(box.y + box.h, h);
      k.drawbox(
        at,
        at + l.uOffset,
        at + l.vOffset,
        w,
        left,
        top,
        right,
        down,
        box.x,
        box.y,
        box.w,
        box.h,
        box.t,
        ty,
        tables,
        plan.chroma ? 1 : 0,
        counts,
      );
      const what = `drawbox ${w}x${h} ${JSON.stringify(box)} ${color}`;
      arena.checkCanaries(what);
      const expected = planesOf(frame, w, h);
      drawboxRef(expected, w, h, box, plan);
      assertFrame(planesAt(at, w, h), expected, w, what);
    }
  }
});

Deno.test("vignette: centres inside and outside, both modes, dither, aspect", () => {
  const chains = [
    "vignette",
    "vignette=PI/2:dither=0",
    "vignette=0.7:x0=-3:y0=h+2:mode=backward",
    "vignette=1.1:x0=w*0.3:y0=1.5:aspect=0.4",
    "vignette=0.2:x0=w+40:y0=-9:aspect=3:dither=0",
  ];
  for (const [w, h] of SIZES) {
    for (const text of chains) {
      const spec = parseChain(text)[0];
      const plan: VignettePlan = {
        params: spec.params,
        angle: Math.fround(Math.min(Math.fround(Math.PI / 2), Math.fround(spec.params.angle))),
        yscale: Math.fround(spec.params.aspect),
        backward: spec.params.mode === 1,
        dither: spec.params.dither === 1,
      };
      const l = planeLayout(w, h);
      arena.reset();
      const frame = randomBytes(l.total, w * 7 + h + text.length);
      const at = arena.alloc(l.total, frame);
      const g = arena.alloc(sumsBytes(w, h));
      const { x0, y0, dmax } = vignetteGeometry(plan.params, w, h);
      k.vignette(
        at,
        w,
        h,
        l.uOffset,
        l.vOffset,
        x0,
        y0,
        plan.yscale,
        plan.angle,
        dmax,
        plan.backward ? 1 : 0,
        plan.dither ? 1 : 0,
        g,
      );
      const what = `vignette ${w}x${h} ${text}`;
      arena.checkCanaries(what);
      const expected = planesOf(frame, w, h);
      vignetteRef(expected, w, h, plan);
      assertFrame(planesAt(at, w, h), expected, w, what);
    }
  }
});

Deno.test("curves and colorbalance: whole blocks, cut blocks and the vector path", () => {
  const balance = [0.3, -0.2, 0.1, -1, 1, 0.25, 0.6, -0.7, 0.15].map(Math.fround);
  for (const [w, h] of SIZES) {
    for (const preset of ["vintage", "negative", "cross_process"]) {
      const l = planeLayout(w, h);
      arena.reset();
      const frame = randomBytes(l.total, w * 13 + h);
      const at = arena.alloc(l.total, frame);
      const t = presetTables(preset);
      const tables = arena.alloc(768, t);
      k.curves(at, w, h, l.uOffset, l.vOffset, tables);
      const what = `curves ${w}x${h} ${preset}`;
      arena.checkCanaries(what);
      const expected = rgbOperation(
        {
          ...planesOf(frame, w, h),
          width: w,
          height: h,
          chromaWidth: l.chromaWidth,
          chromaHeight: l.chromaHeight,
        },
        (r, g, b) => [t[r], t[256 + g], t[512 + b]],
      );
      assertFrame(planesAt(at, w, h), expected, w, what);
    }
    const l = planeLayout(w, h);
    arena.reset();
    const frame = randomBytes(l.total, w * 17 + h);
    const at = arena.alloc(l.total, frame);
    const [rs, gs, bs, rm, gm, bm, rh, gh, bh] = balance;
    k.colorbalance(at, w, h, l.uOffset, l.vOffset, rs, gs, bs, rm, gm, bm, rh, gh, bh);
    const what = `colorbalance ${w}x${h}`;
    arena.checkCanaries(what);
    const expected = rgbOperation(
      {
        ...planesOf(frame, w, h),
        width: w,
        height: h,
        chromaWidth: l.chromaWidth,
        chromaHeight: l.chromaHeight,
      },
      (r, g, b) => balancePixel(r, g, b, balance),
    );
    assertFrame(planesAt(at, w, h), expected, w, what);
  }
});
