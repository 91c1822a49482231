/**
 * Issue #12 end to end, on both codec backends: a variable-frame-rate clip with audio goes through
 * the offline `vframe filter` command and through a server job (embedded pool, the real CLI
 * client) and comes out frame-exact — the same frame count, every frame at its input time (within
 * 1 ms or a tick), the audio in sync — checked with the native ffprobe. A 10-bit input is made
 * 8-bit, never silently: a warning on stderr, in `--json`, and in the job's result JSON.
 */
import assert from "node:assert/strict";
import type { CodecBackendName } from "../../src/codec/types.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import { vframe } from "../commands/run_cli.ts";
import { makeVfrVideo, type ProbedTimes, probeTimes } from "../helpers/vfr_video.ts";
import { BACKENDS } from "./backends.ts";

/**
 * The output keeps the input's frames, times, durations and audio. (`sameLength`: the files end
 * together — not for a Matroska input, whose AAC keeps its encoder delay that MP4 trims.)
 */
function assertSameTiming(
  input: ProbedTimes,
  output: ProbedTimes,
  label: string,
  sameLength = true,
): void {
  assert.equal(output.videoPts.length, input.videoPts.length, `${label}: frame count`);
  const tolerance = Math.max(0.001, input.videoTick) + 1e-6;
  input.videoPts.forEach((t, i) => {
    assert.ok(
      Math.abs(output.videoPts[i] - t) <= tolerance,
      `${label}: frame ${i} at ${output.videoPts[i]} s, in the input at ${t} s`,
    );
  });
  assert.ok(input.audio && output.audio, `${label}: audio kept`);
  assert.ok(Math.abs(output.audio.start - input.audio.start) < 0.001, `${label}: audio start`);
  assert.ok(
    Math.abs(output.audio.duration - input.audio.duration) < 0.03,
    `${label}: audio ${output.audio.duration} s, input ${input.audio.duration} s`,
  );
  assert.ok(Math.abs(output.videoStart - input.videoStart) < 0.001, `${label}: video start`);
  assert.ok(
    !sameLength || Math.abs(output.duration - input.duration) < 0.002,
    `${label}: duration ${output.duration} s, input ${input.duration} s`,
  );
}

const TEN_BIT = /the input is 10-bit \(yuv420p10le\).*output is 8-bit yuv420p/;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-vfr-jobs-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const codec of BACKENDS) {
  Deno.test(`[${codec}] vframe filter keeps a variable frame rate frame-exact, audio in sync`, async () => {
    const clip = await makeVfrVideo({ audio: true });
    await withDir(async (dir) => {
      const output = `${dir}/out.mp4`;
      const run = await vframe([
        ...["filter", clip.path, output, "--filter", "invert", "--codec", codec],
        ...["--threads", "1", "--no-progress", "--json"],
      ]);
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.variableFrameRate, true);
      assert.deepEqual(summary.warnings, []);
      assert.equal(summary.frames, 72);
      assert.doesNotMatch(run.stderr, /warning/);
      assertSameTiming(await probeTimes(clip.path), await probeTimes(output), "filter");
    });
  });

  Deno.test(`[${codec}] vframe filter: a 10-bit input is made 8-bit with a warning on stderr and in --json`, async () => {
    const clip = await makeVfrVideo({
      pieces: [{ frames: 12, fps: 24 }],
      audio: false,
      pixelFormat: "yuv420p10le",
    });
    await withDir(async (dir) => {
      const output = `${dir}/out.mp4`;
      const run = await vframe([
        ...["filter", clip.path, output, "--filter", "grayscale", "--codec", codec],
        ...["--threads", "1", "--no-progress", "--json"],
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /vframe filter: warning: the input is 10-bit/);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.warnings.length, 1);
      assert.match(summary.warnings[0], TEN_BIT);
      assert.equal(summary.variableFrameRate, false);
      const out = await probeTimes(output);
      assert.equal(out.pixelFormat, "yuv420p");
      assert.equal(out.videoPts.length, 12);
    });
  });

  Deno.test(`[${codec}] server job (embedded pool, CLI client): variable frame rate kept, 10-bit warned`, async () => {
    const vfr = await makeVfrVideo({ audio: true });
    const mkv = await makeVfrVideo({ audio: true, container: "mkv" });
    const tenBit = await makeVfrVideo({
      pieces: [{ frames: 12, fps: 24 }],
      audio: false,
      pixelFormat: "yuv420p10le",
    });
    const stack = await startServerStack({ port: 0, preview: false, threads: 1, codec });
    try {
      await withDir(async (dir) => {
        const common = ["--filter", "invert", "--server", `127.0.0.1:${stack.server.port}`];
        const output = `${dir}/vfr.mp4`;
        const run = await vframe([
          ...["client", vfr.path, ...common, "--out", output, "--json", `${dir}/vfr.json`, "-q"],
        ]);
        assert.equal(run.code, 0, run.stderr);
        const result = JSON.parse(await Deno.readTextFile(`${dir}/vfr.json`));
        assert.equal(result.state, "done");
        assert.equal(result.backend.codec, codec satisfies CodecBackendName);
        assert.equal(result.input.variableFrameRate, true);
        assert.equal(result.warnings, undefined, "nothing to warn about");
        assertSameTiming(await probeTimes(vfr.path), await probeTimes(output), "job");

        // Matroska is decoded while it uploads, before its frame times are known: the encoder
        // takes them from the complete upload.
        const mkvOut = `${dir}/mkv.mp4`;
        const streamed = await vframe(["client", mkv.path, ...common, "--out", mkvOut, "-q"]);
        assert.equal(streamed.code, 0, streamed.stderr);
        const [mkvIn, mkvDone] = [await probeTimes(mkv.path), await probeTimes(mkvOut)];
        assertSameTiming(mkvIn, mkvDone, "streamed job", false);

        const out10 = `${dir}/ten.mp4`;
        const ten = await vframe([
          ...["client", tenBit.path, ...common, "--out", out10, "--json", `${dir}/ten.json`, "-q"],
        ]);
        assert.equal(ten.code, 0, ten.stderr);
        assert.match(ten.stderr, /vframe client: warning: the input is 10-bit/);
        const tenResult = JSON.parse(await Deno.readTextFile(`${dir}/ten.json`));
        assert.equal(tenResult.input.pixelFormat, "yuv420p10le");
        assert.ok(tenResult.warnings.some((w: string) => TEN_BIT.test(w)), tenResult.warnings);
        assert.equal((await probeTimes(out10)).pixelFormat, "yuv420p");
      });
    } finally {
      await stack.close();
    }
  });
}
