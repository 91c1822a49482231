/**
 * overlay: the SIMD blend against its TypeScript reference bit for bit (odd and tiny frames and
 * images, positions partly or wholly outside the frame), ffmpeg's arithmetic on known values, the
 * image read once and refused before any work when missing or not a PNG, the pool, and parity
 * with the native ffmpeg's `-i logo.png -filter_complex overlay` (luma PSNR ≥ 40 dB).
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import pngjs from "pngjs";
import { planeLayout } from "../../src/codec/frame.ts";
import { compileChain } from "../../src/filters/compile.ts";
import {
  blendSample,
  overlay,
  overlayPlan,
  overlayPosition,
} from "../../src/filters/defs/overlay.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { FilterChainError } from "../../src/filters/errors.ts";
import {
  loadOverlayImage,
  OVERLAY_ASSETS_KEPT,
  OVERLAY_MAX_ASSET_SIDE,
  overlayImage,
  overlayPath,
} from "../../src/filters/overlay_image.ts";
import { assetPath, assetRef, storeAsset } from "../../src/filters/overlay_assets.ts";
import { prepareRemoteChain } from "../../src/filters/remote_chain.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FilterPool } from "../../src/filters/pool.ts";
import { assertFramesEqual, randomBytes, rng } from "./helpers.ts";
import { lumaPsnr, testPattern } from "./ffmpeg_run.ts";

const engine = await FilterEngine.create();

interface PngLib {
  PNG: { new (o: { width: number; height: number }): { data: Buffer } } & {
    sync: { write(png: unknown): Buffer };
  };
}
const lib = pngjs as unknown as PngLib;

/** Writes a w×h RGBA PNG to a temporary file: `pixel(x, y)` gives [r, g, b, a]. */
function writePng(w: number, h: number, pixel: (x: number, y: number) => number[]): string {
  const png = new lib.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) png.data.set(pixel(x, y), 4 * (y * w + x));
  }
  const path = Deno.makeTempFileSync({ suffix: ".png" });
  Deno.writeFileSync(path, lib.PNG.sync.write(png));
  return path;
}

/** A PNG of random colours with transparent, opaque and partial alpha. */
function randomPng(w: number, h: number, seed: number): string {
  const r = rng(seed);
  return writePng(w, h, () => {
    const k = r();
    const a = k < 0.2 ? 0 : k > 0.8 ? 255 : Math.floor(r() * 256);
    return [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256), a];
  });
}

/** The reference's output of a one-filter overlay chain, as one buffer. */
function referenceFrame(chain: string, w: number, h: number, data: Uint8Array): Uint8Array {
  const l = planeLayout(w, h);
  const out = overlay.reference({
    width: w,
    height: h,
    chromaWidth: l.chromaWidth,
    chromaHeight: l.chromaHeight,
    y: data.subarray(0, l.ySize),
    u: data.subarray(l.uOffset, l.vOffset),
    v: data.subarray(l.vOffset),
  }, overlayPlan(parseChain(chain)[0].params));
  const frame = new Uint8Array(l.total);
  frame.set(out.y, 0);
  frame.set(out.u, l.uOffset);
  frame.set(out.v, l.vOffset);
  return frame;
}

Deno.test("overlay: the SIMD blend equals the reference on odd and tiny sizes, partly outside", () => {
  const images = [[1, 1], [3, 2], [17, 5], [40, 33]].map(([w, h], i) => randomPng(w, h, 11 + i));
  const frames: [number, number][] = [[1, 1], [2, 2], [3, 5], [17, 9], [33, 21], [64, 3]];
  const positions = ["0:0", "1:1", "-1:-3", "-6:2", "W-w/2:H-h/2", "W-w:H-h", "W-1:H-1", "W:0"];
  let changed = 0;
  try {
    for (const file of images) {
      for (const [w, h] of frames) {
        const input = randomBytes(planeLayout(w, h).total, w * 31 + h);
        for (const pos of positions) {
          const chain = `overlay=${pos}:file=${file}`;
          const got = engine.apply(chain, w, h, input);
          const want = referenceFrame(chain, w, h, input);
          assertFramesEqual(got, want, w, h, `${chain} on ${w}x${h}`);
          if (got.some((v, i) => v !== input[i])) changed++;
        }
      }
    }
  } finally {
    for (const file of images) Deno.removeSync(file);
  }
  assert.ok(changed > 50, `the overlay changed only ${changed} frames`);
});

Deno.test("overlay: ffmpeg's arithmetic on known values, and its even positions", () => {
  assert.equal(blendSample(16, 235, 255), 235);
  assert.equal(blendSample(16, 235, 0), 16);
  assert.equal(blendSample(16, 235, 128), Math.round((16 * 127 + 235 * 128) / 255));
  for (let d = 0; d < 256; d += 5) {
    for (let s = 0; s < 256; s += 7) {
      for (let a = 0; a < 256; a += 3) {
        assert.equal(blendSample(d, s, a), Math.round((d * (255 - a) + s * a) / 255));
      }
    }
  }
  // Opaque white on black: Y 235, U and V 128; a transparent pixel leaves the frame alone.
  const file = writePng(2, 2, (x) => [255, 255, 255, x === 0 ? 255 : 0]);
  try {
    const l = planeLayout(4, 2);
    const black = new Uint8Array(l.total).fill(16, 0, l.ySize).fill(128, l.ySize);
    const out = engine.apply(`overlay=x=2:y=0:file=${file}`, 4, 2, black);
    assert.deepEqual([...out.subarray(0, l.ySize)], [16, 16, 235, 16, 16, 16, 235, 16]);
    assert.deepEqual([...out.subarray(l.uOffset)], [128, 128, 128, 128]);
    // ffmpeg rounds x and y down to even numbers for yuv420p: 3 → 2, -1 → -2.
    const plan = overlayPlan(parseChain(`overlay=x=3:y=-1:file=${file}`)[0].params);
    assert.deepEqual(overlayPosition(plan, 4, 2), [2, -2]);
    const end = overlayPlan(parseChain(`overlay=W-w-10:main_h-overlay_h:file=${file}`)[0].params);
    assert.deepEqual(overlayPosition(end, 100, 51), [88, 48]);
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("overlay: a missing, unreadable or non-PNG file, or none, refuses the chain", () => {
  const refused = (chain: string, pattern: RegExp) =>
    assert.throws(() => compileChain(chain), (e: unknown) => {
      assert.ok(e instanceof FilterChainError, String(e));
      assert.match(e.message, pattern);
      return true;
    });
  refused("overlay=file=/nonexistent/logo.png", /cannot read overlay file.*no such file/);
  refused("overlay", /overlay needs file=PATH, a PNG image/);
  refused("overlay=10:10", /overlay needs file=PATH/);
  const text = Deno.makeTempFileSync({ suffix: ".png" });
  Deno.writeTextFileSync(text, "not a png");
  try {
    refused(`overlay=file=${text}`, /is not a PNG image vframe can read/);
  } finally {
    Deno.removeSync(text);
  }
  refused(`overlay=file=${Deno.makeTempDirSync()}`, /is not a file/);
});

Deno.test("overlay: the image is decoded once per file, again only when it changes", () => {
  const file = randomPng(5, 3, 3);
  try {
    const first = loadOverlayImage(file);
    assert.equal(typeof first, "number");
    assert.equal(loadOverlayImage(file), first);
    const image = overlayImage(first as number)!;
    assert.equal(image.width, 5);
    assert.equal(image.chromaWidth, 3);
    assert.equal(image.chromaHeight, 2);
    Deno.writeFileSync(file, Deno.readFileSync(randomPng(6, 3, 4)));
    const second = loadOverlayImage(file);
    assert.notEqual(second, first);
    assert.equal(overlayImage(second as number)!.width, 6);
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("overlay: pool threads give the engine's frames", async () => {
  const file = randomPng(23, 11, 9);
  const pool = await FilterPool.create({ size: 2 });
  try {
    const [w, h] = [41, 27];
    const chain = compileChain(`overlay=x=W-w+3:y=-2:file=${file},invert`);
    for (let i = 0; i < 4; i++) {
      const input = randomBytes(planeLayout(w, h).total, 70 + i);
      const want = engine.apply(chain, w, h, input);
      const got = await pool.run(chain, w, h, input.slice());
      assertFramesEqual(got.data, want, w, h, `frame ${i}`);
    }
  } finally {
    await pool.close();
    Deno.removeSync(file);
  }
});

/** ffmpeg's overlay of `png` at `xy` on one raw yuv420p frame. */
async function ffmpegOverlay(
  frame: Uint8Array,
  w: number,
  h: number,
  png: string,
  xy: string,
): Promise<Uint8Array> {
  const raw = await Deno.makeTempFile({ suffix: ".yuv" });
  try {
    await Deno.writeFile(raw, frame);
    const out = await new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${w}x${h}`, "-i", raw],
        ...["-i", png, "-filter_complex", `[0][1]overlay=${xy}`],
        ...["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, `ffmpeg overlay=${xy}: ${new TextDecoder().decode(out.stderr)}`);
    return out.stdout;
  } finally {
    await Deno.remove(raw);
  }
}

Deno.test("overlay: luma within 40 dB of the native ffmpeg's overlay", async () => {
  const [w, h] = [96, 64];
  const frame = await testPattern(w, h);
  const file = writePng(37, 21, (x, y) => [
    (x * 7) & 255,
    (y * 12) & 255,
    (x * y) & 255,
    x < 4 ? 0 : x > 30 ? 255 : (x * 9 + y * 5) & 255,
  ]);
  try {
    for (const xy of ["0:0", "W-w-10:10", "-9:-5", "W-w/2:H-h/2", "13:7"]) {
      const ours = engine.apply(`overlay=${xy}:file=${file}`, w, h, frame);
      const theirs = await ffmpegOverlay(frame, w, h, file, xy);
      assert.equal(theirs.length, ours.length);
      const psnr = lumaPsnr(ours, theirs, w, h);
      assert.ok(psnr >= 40, `overlay=${xy}: luma PSNR ${psnr.toFixed(1)} dB`);
      assert.ok(lumaPsnr(frame, theirs, w, h) < 40, `overlay=${xy} changed little`);
    }
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("overlay: an image sent with a job is at most 4096 px a side, on the client and the server", () => {
  const path = writePng(OVERLAY_MAX_ASSET_SIDE + 1, 1, () => [255, 255, 255, 255]);
  const hash = storeAsset(Deno.readFileSync(path));
  try {
    // The server: the image it stored is refused when the chain naming it is read.
    assert.match(
      String(loadOverlayImage(assetRef(hash))),
      /is 4097x1, past the limit of 4096 px per side for an image sent with a job/,
    );
    // The client: refused before anything is sent (the same file works offline).
    assert.equal(typeof loadOverlayImage(path), "number");
    assert.throws(
      () => prepareRemoteChain(`overlay=file=${path}`),
      /is 4097x1: an image sent to a server may be at most 4096 px per side/,
    );
  } finally {
    Deno.removeSync(assetPath(hash));
    Deno.removeSync(path);
  }
});

Deno.test("overlay: only the last 8 images sent with jobs stay decoded; the others are decoded again", () => {
  const files = Array.from(
    { length: OVERLAY_ASSETS_KEPT + 1 },
    (_, i) => writePng(3 + i, 2, (x) => [40 * i, x * 50, 90, 255]),
  );
  const hashes = files.map((f) => storeAsset(Deno.readFileSync(f)));
  try {
    const first = loadOverlayImage(assetRef(hashes[0])) as number;
    const decoded = overlayImage(first)!;
    for (const hash of hashes.slice(1)) loadOverlayImage(assetRef(hash));
    const again = overlayImage(first)!;
    assert.notEqual(again, decoded, "dropped, then decoded again from the asset folder");
    assert.deepEqual([again.width, again.y, again.u], [decoded.width, decoded.y, decoded.u]);
    assert.equal(overlayImage(first), again, "kept again once used");
    // Dropped with its file gone: no image (the chain naming it is refused), no throw.
    const second = loadOverlayImage(assetRef(hashes[1])) as number;
    for (const hash of hashes.slice(2)) overlayImage(loadOverlayImage(assetRef(hash)) as number);
    overlayImage(first);
    Deno.removeSync(assetPath(hashes[1]));
    assert.equal(overlayImage(second), undefined);
    assert.equal(overlayPath(second), assetRef(hashes[1]), "its name is still known");
  } finally {
    for (const hash of hashes) {
      try {
        Deno.removeSync(assetPath(hash));
      } catch {
        // removed by the test
      }
    }
    for (const f of files) Deno.removeSync(f);
  }
});
