/**
 * scale against ffmpeg's scale (swscale) on the same frames: the same output size for every
 * size expression, and luma within PSNR 40 dB for each kernel (needs `ffmpeg` on PATH).
 */
import assert from "node:assert/strict";
import { frameSize } from "../../src/codec/frame.ts";
import { chainOutputSize } from "../../src/filters/compile.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { ffmpegFilter, lumaPsnr, testPattern } from "./ffmpeg_run.ts";

const engine = await FilterEngine.create();

/** ffmpeg's output size for `vf` on a raw w × h yuv420p frame (from showinfo). */
async function ffmpegSize(vf: string, w: number, h: number): Promise<[number, number]> {
  const child = new Deno.Command("ffmpeg", {
    args: [
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${w}x${h}`, "-i", "pipe:0"],
      ...["-vf", `${vf},showinfo`, "-f", "null", "-"],
    ],
    stdin: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new Uint8Array(frameSize(w, h)));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stderr);
  const m = text.match(/ s:(\d+)x(\d+)/);
  assert.ok(out.success && m, `ffmpeg -vf ${vf} on ${w}x${h}: ${text.slice(-400)}`);
  return [Number(m[1]), Number(m[2])];
}

Deno.test("scale, crop, pad: the same output sizes as ffmpeg 5.1", async () => {
  const cases = [
    "scale=-2:120",
    "scale=-1:31",
    "scale=100:-2",
    "scale=iw/3:ih/2",
    "scale=0:50",
    "scale=w=oh*2:h=40",
    "scale=-4:-1",
    "crop=iw-20:ih-11",
    "crop=iw/3:ih/3",
    "crop=ih:ih",
    "pad=iw+41:ih+21:11:7",
    "pad=ih*2:ih+1",
  ];
  for (const vf of cases) {
    for (const [w, h] of [[67, 45], [320, 240], [101, 77]]) {
      const ours = chainOutputSize(parseChain(vf), w, h);
      assert.deepEqual([ours.width, ours.height], await ffmpegSize(vf, w, h), `${vf} ${w}x${h}`);
    }
  }
});

for (const flags of ["bilinear", "bicubic", "lanczos"]) {
  Deno.test(`scale flags=${flags}: luma within 40 dB of ffmpeg's swscale`, async () => {
    for (
      const [w, h, vf] of [[320, 240, "scale=-2:120"], [160, 120, "scale=260:-2"], [
        201,
        99,
        "scale=150:75",
      ]] as const
    ) {
      const chain = `${vf}:flags=${flags}`;
      const input = await testPattern(w, h);
      const out = chainOutputSize(parseChain(chain), w, h);
      const bytes = frameSize(out.width, out.height);
      const expected = await ffmpegFilter(chain, w, h, input, "yuv420p", bytes);
      const actual = engine.apply(parseChain(chain), w, h, input);
      const psnr = lumaPsnr(actual, expected, out.width, out.height);
      assert.ok(psnr >= 40, `${chain} on ${w}x${h}: luma PSNR ${psnr.toFixed(2)} dB`);
    }
  });
}

Deno.test("scale with no flags is ffmpeg's default (bicubic)", async () => {
  const input = await testPattern(160, 120);
  const expected = await ffmpegFilter("scale=96:72", 160, 120, input, "yuv420p", frameSize(96, 72));
  const ours = engine.apply(parseChain("scale=96:72"), 160, 120, input);
  const bilinear = engine.apply(parseChain("scale=96:72:flags=bilinear"), 160, 120, input);
  const psnr = lumaPsnr(ours, expected, 96, 72);
  assert.ok(psnr >= 40, `PSNR ${psnr}`);
  assert.ok(psnr > lumaPsnr(bilinear, expected, 96, 72), "closer than bilinear");
});

Deno.test("rotate=PI/2 and -PI/2 are identical to ffmpeg's rotate with ow=ih:oh=iw", async () => {
  for (
    const [ours, vf] of [["rotate=PI/2", "rotate=PI/2:ow=ih:oh=iw"], [
      "rotate=-PI/2",
      "rotate=-PI/2:ow=ih:oh=iw",
    ]]
  ) {
    const [w, h] = [64, 48];
    const input = await testPattern(w, h);
    const expected = await ffmpegFilter(vf, w, h, input, "yuv420p", input.length);
    const actual = engine.apply(parseChain(ours), w, h, input);
    const psnr = lumaPsnr(actual, expected, h, w);
    assert.ok(psnr >= 40, `${ours}: ${psnr}`);
  }
});
