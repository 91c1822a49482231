/**
 * Running the native ffmpeg on raw frames for the parity tests (needs `ffmpeg` on PATH:
 * `apt-get install -y ffmpeg`), and comparing its output with vframe's.
 */
import assert from "node:assert/strict";
import { planeLayout } from "../../src/codec/frame.ts";

/**
 * ffmpeg -vf `vf` on one raw `w`×`h` frame of `pixFmt` (yuv420p or rgb24), same format out;
 * `outBytes`: the size its output must have (default: the input's).
 */
export async function ffmpegFilter(
  vf: string,
  w: number,
  h: number,
  input: Uint8Array,
  pixFmt = "yuv420p",
  outBytes = input.length,
): Promise<Uint8Array> {
  let child;
  try {
    child = new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-f", "rawvideo", "-pix_fmt", pixFmt, "-s", `${w}x${h}`, "-i", "pipe:0"],
        ...["-vf", vf, "-f", "rawvideo", "-pix_fmt", pixFmt, "pipe:1"],
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(`this test needs the native ffmpeg on PATH (apt-get install -y ffmpeg): ${e}`);
  }
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const out = await child.output();
  assert.ok(out.success, `ffmpeg -vf ${vf} failed: ${new TextDecoder().decode(out.stderr)}`);
  assert.equal(out.stdout.length, outBytes, `ffmpeg -vf ${vf}: output size`);
  return out.stdout;
}

/** A `w`×`h` yuv420p frame of ffmpeg's testsrc2 pattern (colour bars, gradients, text). */
export async function testPattern(w: number, h: number): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-f", "lavfi", "-i", `testsrc2=s=${w + (w & 1)}x${h + (h & 1)}:d=1`],
      ...["-vf", `crop=${w}:${h}:0:0:exact=1`, "-frames:v", "1"],
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  assert.equal(out.stdout.length, planeLayout(w, h).total);
  return out.stdout;
}

/** PSNR in dB of the luma planes of two yuv420p frames (Infinity when identical). */
export function lumaPsnr(a: Uint8Array, b: Uint8Array, w: number, h: number): number {
  let se = 0;
  for (let i = 0; i < w * h; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / (w * h)));
}

/** Largest difference per plane (Y, U, V) of two yuv420p frames. */
export function maxDiffs(a: Uint8Array, b: Uint8Array, w: number, h: number): number[] {
  const l = planeLayout(w, h);
  return [[0, l.ySize], [l.uOffset, l.vOffset], [l.vOffset, l.total]].map(([s, e]) => {
    let m = 0;
    for (let i = s; i < e; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  });
}
