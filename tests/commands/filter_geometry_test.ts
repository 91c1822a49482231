/**
 * The offline filter command with chains that change the frame size: the encoder opens at the
 * chain's output size (checked with ffprobe), every frame comes out, and a chain that would make
 * an empty frame is refused with exit code 2 before any work.
 */
import assert from "node:assert/strict";
import { probe } from "../../src/codec/mod.ts";
import { UsageError } from "../../src/commands/filter_checks.ts";
import { runFilter } from "../../src/commands/filter_run.ts";
import { ffprobe } from "../helpers/gop_video.ts";
import { makeSampleVideo } from "../helpers/video.ts";

Deno.test("runFilter: scale=-2:120,crop=iw-20:ih,transpose=1 makes 120x140 frames, all of them", async () => {
  const input = await makeSampleVideo({ width: 320, height: 240, seconds: 1 });
  const dir = await Deno.makeTempDir();
  try {
    const output = `${dir}/out.mp4`;
    const summary = await runFilter({
      input,
      output,
      filter: "scale=-2:120,crop=iw-20:ih,transpose=1",
      threads: 2,
    });
    // 320x240 → scale 160x120 → crop 140x120 → transpose 120x140.
    assert.deepEqual([summary.outputWidth, summary.outputHeight], [120, 140]);
    assert.equal(summary.frames, 30);
    const size = (await ffprobe([
      ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height"],
      ...["-of", "csv=p=0", output],
    ])).trim();
    assert.equal(size, "120,140");
    assert.equal((await probe(output)).frameCount, 30);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFilter: a chain that would make an empty frame is refused (exit 2), no output", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await Deno.makeTempDir();
  try {
    const output = `${dir}/out.mp4`;
    await assert.rejects(
      runFilter({ input, output, filter: "crop=iw-200:ih", threads: 1 }),
      (e: unknown) =>
        e instanceof UsageError && /crop/.test(e.message) && /160x120/.test(e.message),
    );
    await assert.rejects(
      runFilter({ input, output, filter: "scale=9000:-2", threads: 1 }),
      (e: unknown) => e instanceof UsageError && /limit of 7680/.test(e.message),
    );
    await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
