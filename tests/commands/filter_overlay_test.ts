/**
 * `vframe filter` with overlay: the PNG blended onto every frame (compared with the native
 * ffmpeg's overlay of the same input), and a missing image refused before any work (exit 2, no
 * output written).
 */
import assert from "node:assert/strict";
import { decodeFrames, type Frame } from "../../src/codec/mod.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { vframe } from "./run_cli.ts";

const LOGO = new URL("../filters/fixtures/overlay_big.png", import.meta.url).pathname;

async function firstFrame(path: string): Promise<Frame> {
  for await (const f of decodeFrames(path, { backend: "native" })) return f;
  throw new Error(`${path} has no frame`);
}

function lumaPsnr(a: Uint8Array, b: Uint8Array, pixels: number): number {
  let se = 0;
  for (let i = 0; i < pixels; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / pixels));
}

Deno.test("vframe filter overlay: the logo on every frame, as ffmpeg's overlay", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 0.5 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-overlay-" });
  try {
    const ours = `${dir}/ours.mp4`;
    const run = await vframe([
      "filter",
      input,
      ours,
      "--filter",
      `overlay=file=${LOGO}:x=W-w-10:y=10`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const theirs = `${dir}/theirs.mp4`;
    const ff = await new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-i", input, "-i", LOGO, "-filter_complex", "overlay=W-w-10:10"],
        ...["-pix_fmt", "yuv420p", "-crf", "10", theirs],
      ],
      stderr: "piped",
    }).output();
    assert.ok(ff.success, new TextDecoder().decode(ff.stderr));
    const [a, b, original] = await Promise.all([ours, theirs, input].map(firstFrame));
    const pixels = 160 * 120;
    assert.ok(lumaPsnr(a.data, b.data, pixels) >= 35, `psnr ${lumaPsnr(a.data, b.data, pixels)}`);
    assert.ok(lumaPsnr(original.data, b.data, pixels) < 30, "the logo changes the frame");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(input);
  }
});

Deno.test("vframe filter overlay: a missing image exits 2 before any work", async () => {
  const input = await makeSampleVideo({ width: 64, height: 48, seconds: 0.2 });
  const dir = await Deno.makeTempDir({ prefix: "vframe-overlay-" });
  try {
    const out = `${dir}/out.mp4`;
    const run = await vframe(["filter", input, out, "--filter", "overlay=file=/nonexistent.png"]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /cannot read overlay file '\/nonexistent\.png': no such file/);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(input);
  }
});
