/**
 * fade: the SIMD kernel against its TypeScript reference bit for bit (odd and tiny sizes, many
 * times and frame indexes), ffmpeg's factor, the frame's time carried by the pool, the modes
 * refused, and parity with the native ffmpeg's fade on a short clip (identical frame by frame).
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";
import { compileChain } from "../../src/filters/compile.ts";
import { fade, fadeFactor, fadePlan, fadePlaneRef } from "../../src/filters/defs/fade.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { FilterChainError } from "../../src/filters/errors.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FilterPool } from "../../src/filters/pool.ts";
import { assertFramesEqual, randomBytes } from "./helpers.ts";
import { maxDiffs } from "./ffmpeg_run.ts";

const engine = await FilterEngine.create();

/** The reference's output of `chain` (one fade) on a frame at `time`, `index`, as one buffer. */
function referenceFrame(
  chain: string,
  w: number,
  h: number,
  data: Uint8Array,
  time: number,
  index: number,
): Uint8Array {
  const l = planeLayout(w, h);
  const spec = parseChain(chain)[0];
  const out = fade.reference({
    width: w,
    height: h,
    chromaWidth: l.chromaWidth,
    chromaHeight: l.chromaHeight,
    y: data.subarray(0, l.ySize),
    u: data.subarray(l.uOffset, l.vOffset),
    v: data.subarray(l.vOffset),
    time,
    index,
  }, fadePlan(spec.params));
  const frame = new Uint8Array(l.total);
  frame.set(out.y, 0);
  frame.set(out.u, l.uOffset);
  frame.set(out.v, l.vOffset);
  return frame;
}

const param = (chain: string) => parseChain(chain)[0].params;

Deno.test("fade: ffmpeg's 16-bit factor in time and frame modes, in and out", () => {
  const tin = param("fade=t=in:st=0:d=1");
  assert.equal(fadeFactor(tin, 0, 0), 0);
  assert.equal(fadeFactor(tin, 0.2, 5), 13107); // 5/25 s: 5 · 65535 / 25 exactly
  assert.equal(fadeFactor(tin, 0.5, 0), 32767);
  assert.equal(fadeFactor(tin, 1, 0), 65535);
  assert.equal(fadeFactor(tin, 7, 0), 65535);
  const tout = param("fade=t=out:st=2:d=0.5");
  assert.equal(fadeFactor(tout, 1.9, 0), 65535); // before the start: the picture
  assert.equal(fadeFactor(tout, 2.25, 0), 65535 - 32767);
  assert.equal(fadeFactor(tout, 3, 0), 0);
  const frames = param("fade=in:5:10");
  assert.equal(fadeFactor(frames, 0, 4), 0);
  assert.equal(fadeFactor(frames, 0, 5), 0);
  assert.equal(fadeFactor(frames, 0, 8), 3 * 6553);
  assert.equal(fadeFactor(frames, 0, 15), 65530);
  assert.equal(fadeFactor(frames, 0, 16), 65535);
});

Deno.test("fade: the kernel matches the reference bit for bit on odd sizes and many times", () => {
  const sizes: [number, number][] = [[1, 1], [2, 1], [1, 3], [3, 5], [7, 2], [17, 9], [33, 7]];
  const chains = [
    "fade=t=in:st=0:d=1",
    "fade=t=out:st=0.3:d=0.5",
    "fade=in:2:6",
    "fade=t=out:n=4",
    "fade=t=in:st=0:d=1:c=white",
    "fade=t=out:st=0:d=2:color=0x3366cc",
  ];
  let seed = 1;
  let changed = 0;
  for (const chain of chains) {
    const compiled = compileChain(chain);
    for (const [w, h] of sizes) {
      for (let index = 0; index < 12; index++) {
        const time = index * 0.09;
        const input = randomBytes(planeLayout(w, h).total, seed++);
        const got = engine.apply(compiled, w, h, input, undefined, { time, index });
        const want = referenceFrame(chain, w, h, input, time, index);
        assertFramesEqual(got, want, w, h, `${chain} ${w}x${h} t=${time} n=${index}`);
        if (got.some((b, i) => b !== input[i])) changed++;
      }
    }
  }
  assert.ok(changed > 100, `the fades changed too few frames (${changed})`);
});

Deno.test("fade: the reference plane step is ffmpeg's formula, clamped", () => {
  const plane = Uint8Array.from([0, 16, 100, 235, 255]);
  assert.deepEqual([...fadePlaneRef(plane, 16, 0, (16 << 16) + 32768)], [16, 16, 16, 16, 16]);
  assert.deepEqual([...fadePlaneRef(plane, 16, 32768, (16 << 16) + 32768)], [8, 16, 58, 126, 136]);
  assert.deepEqual([...fadePlaneRef(plane, 128, 0, 8421367)], [128, 128, 128, 128, 128]);
});

Deno.test("fade: without a clock the frame is at time 0 and index 0", () => {
  const input = randomBytes(planeLayout(9, 5).total, 7);
  const black = engine.apply("fade=t=in:st=0:d=1", 9, 5, input);
  assert.ok(black.subarray(0, 45).every((b) => b === 16));
  const later = engine.apply("fade=t=in:st=0:d=1", 9, 5, input, undefined, { time: 1 });
  assert.deepEqual(later, input);
});

Deno.test("fade: modes that depend on earlier frames are refused with a clear error", () => {
  assert.throws(() => parseChain("fade=st=1"), (e: unknown) => {
    assert.ok(e instanceof FilterChainError);
    assert.match(e.message, /st \(seconds\) needs d=SECONDS/);
    return true;
  });
  assert.throws(() => parseChain("fade=s=5:d=1"), /start_frame with d/);
  assert.throws(() => parseChain("fade=c=invert"), /fade takes a colour/);
  assert.throws(() => parseChain("fade=t=sideways"), FilterChainError);
  assert.doesNotThrow(() => parseChain("fade=type=out:start_time=1:duration=2:color=red"));
});

Deno.test("fade: the pool carries each frame's time and index to its thread", async () => {
  const pool = await FilterPool.create({ size: 1 });
  try {
    const w = 21;
    const h = 11;
    const input = randomBytes(planeLayout(w, h).total, 3);
    for (
      const [chain, clock] of [
        ["fade=t=in:st=0:d=1", { time: 0.4 }],
        ["fade=in:0:10", { index: 3 }],
      ] as const
    ) {
      const got = await pool.run(chain, w, h, input, clock);
      const want = engine.apply(chain, w, h, input, undefined, clock);
      assertFramesEqual(got.data, want, w, h, chain);
      const atZero = engine.apply(chain, w, h, input);
      assert.notDeepEqual(got.data, atZero, `${chain}: the clock must reach the thread`);
    }
    await assert.rejects(pool.run("fade", w, h, input, { time: -1 }), RangeError);
    await assert.rejects(pool.run("fade", w, h, input, { index: 0.5 }), RangeError);
  } finally {
    await pool.close();
  }
});

/** `n` frames of ffmpeg's testsrc2 at w×h, 25 fps, as raw yuv420p. */
async function clip(w: number, h: number, n: number): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-f", "lavfi", "-i", `testsrc2=s=${w}x${h}:r=25`, "-frames:v", `${n}`],
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.equal(out.stdout.length, planeLayout(w, h).total * n);
  return out.stdout;
}

/** ffmpeg -vf `vf` on raw 25 fps frames (through a file: the output is larger than a pipe). */
async function ffmpegFrames(vf: string, w: number, h: number, input: Uint8Array) {
  const file = await Deno.makeTempFile({ suffix: ".yuv" });
  try {
    await Deno.writeFile(file, input);
    const out = await new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${w}x${h}`, "-r", "25"],
        ...["-i", file, "-vf", vf, "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, `ffmpeg -vf ${vf}: ${new TextDecoder().decode(out.stderr)}`);
    assert.equal(out.stdout.length, input.length);
    return out.stdout;
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("fade: identical to the native ffmpeg's fade frame by frame on a 25 fps clip", async () => {
  const w = 64;
  const h = 48;
  const n = 32;
  const size = planeLayout(w, h).total;
  const frames = await clip(w, h, n);
  for (
    const chain of [
      "fade=t=in:st=0:d=1",
      "fade=t=out:st=0.4:d=0.6",
      "fade=in:5:10",
      "fade=t=out:start_frame=20:nb_frames=7",
    ]
  ) {
    const theirs = await ffmpegFrames(chain, w, h, frames);
    let faded = 0;
    for (let i = 0; i < n; i++) {
      const input = frames.subarray(i * size, (i + 1) * size);
      const ours = engine.apply(chain, w, h, input, undefined, { time: i / 25, index: i });
      const want = theirs.subarray(i * size, (i + 1) * size);
      const diffs = maxDiffs(ours, want, w, h);
      assert.deepEqual(diffs, [0, 0, 0], `${chain}, frame ${i}: max differences Y, U, V`);
      if (ours.some((b, j) => b !== input[j])) faded++;
    }
    assert.ok(faded >= 5, `${chain}: only ${faded} frames were faded`);
  }
});
