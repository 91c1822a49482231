import assert from "node:assert/strict";
import { type BenchRow, main, table, targets } from "../../scripts/bench/filters.ts";

Deno.test("bench filters: prints a header, a Markdown table and the targets", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  let rows: BenchRow[];
  try {
    rows = await main([
      "--sizes",
      "64x36,33x17",
      "--filters",
      "blur=sigma=5;invert",
      "--min-ms",
      "1",
      "--ref-runs",
      "1",
      "--no-ffmpeg",
    ]);
  } finally {
    console.log = log;
  }
  const out = lines.join("\n");
  assert.match(
    out,
    /^vframe filters benchmark: \d{4}-\d\d-\d\dT.*, deno \d+\.\d+\.\d+ .*logical cores/,
  );
  assert.match(
    out,
    /\| filter \| size \| wasm ms\/frame \| wasm Mpx\/s \| apply\(\) ms \| TS ms\/frame \| TS Mpx\/s \| wasm ÷ TS \| ffmpeg ms\/frame \| ffmpeg ÷ wasm \|/,
  );
  assert.match(
    out,
    /\| `blur=sigma=5` \| 64x36 \| [\d.]+ \| \d+ \| [\d.]+ \| [\d.]+ \| \d+ \| [\d.]+× \| – \| – \|/,
  );
  assert.match(out, /\| `invert` \| 33x17 \|/);
  assert.match(out, /every kernel at least 4× its TypeScript reference/);
  assert.equal(rows.length, 4);
  for (const r of rows) assert.ok(r.wasmMs > 0 && r.applyMs > 0 && r.refMs! > 0);
});

Deno.test("bench filters: rejects bad options", async () => {
  await assert.rejects(main(["--sizes", "huge"]), /size must be one of/);
  await assert.rejects(main(["--ref-runs", "0"]), /--ref-runs must be an integer >= 1, got 0/);
  await assert.rejects(main(["--filters", "blurr"]), /unknown filter 'blurr'/);
});

Deno.test("bench filters: targets summarise 1080p blur time and the speed-up", () => {
  const row = (chain: string, wasmMs: number, refMs: number): BenchRow => ({
    chain,
    size: "1080p",
    width: 1920,
    height: 1080,
    wasmMs,
    applyMs: wasmMs,
    refMs,
  });
  assert.deepEqual(targets([row("blur=sigma=5", 2.5, 100), row("invert", 0.1, 1)]), [
    "- blur and boxblur on 1080p within 3 ms: met (slowest 2.50 ms)",
    "- every kernel at least 4× its TypeScript reference: met (lowest 10.0×)",
  ]);
  assert.deepEqual(targets([row("boxblur=radius=2", 3.5, 10)]), [
    "- blur and boxblur on 1080p within 3 ms: NOT met for boxblur=radius=2 (3.50 ms)",
    "- every kernel at least 4× its TypeScript reference: NOT met for boxblur=radius=2 1080p (2.9×)",
  ]);
  assert.match(
    table([row("invert", 0.1, 1)]),
    /\| `invert` \| 1080p \| 0\.10 \| 20736 \| 0\.10 \| 1\.00 \| 2074 \| 10\.0× \| – \| – \|/,
  );
  assert.match(
    table([{ ...row("scale=-2:720:flags=bicubic", 1.5, 30), ffmpegMs: 4.5 }]),
    /\| 1\.50 \| 1382 \| 1\.50 \| 30\.0 \| 69 \| 20\.0× \| 4\.50 \| 3\.0× \|$/,
  );
  assert.deepEqual(
    targets([{ ...row("scale=-2:720:flags=bicubic", 1.5, 30), ffmpegMs: 4.5 }]).slice(0, 1),
    [
      "- `scale=-2:720:flags=bicubic` 1080p within 2 ms: met (1.50 ms); faster than swscale " +
      "(4.50 ms): met",
    ],
  );
  assert.deepEqual(
    targets([{ ...row("scale=-2:720:flags=bicubic", 2.5, 30), ffmpegMs: 2 }]).slice(0, 1),
    [
      "- `scale=-2:720:flags=bicubic` 1080p within 2 ms: NOT met (2.50 ms); faster than " +
      "swscale (2.00 ms): NOT met",
    ],
  );
});

Deno.test("bench offline: reads child CPU times from a stat line, checks its options", async () => {
  const { parseChildTimes } = await import("../../scripts/bench/process_stats.ts");
  const { parseFlags } = await import("../../scripts/bench/offline.ts");
  // comm may hold spaces and parentheses; cutime and cstime are fields 16 and 17 (clock ticks).
  const line = "4242 (sh (x) y) S 1 4242 4242 0 -1 4194560 300 9000 0 0 2 1 345 67 20 0 1 0";
  assert.deepEqual(parseChildTimes(line), { user: 3.45, sys: 0.67 });
  assert.throws(() => parseChildTimes("garbage"), /cannot read child CPU times/);
  const flags = parseFlags(["--backend", "wasm", "--sizes", "720p", "--rounds", "3"]);
  assert.deepEqual(
    [flags.backends, flags.sizes, flags.rounds, flags.filter, flags.ffmpegFilter],
    [["wasm"], ["720p"], 3, "boxblur=radius=5:passes=1", "boxblur=5:1"],
  );
  assert.throws(() => parseFlags(["--sizes", "4k"]), /--sizes takes 360p, 720p, 1080p, got '4k'/);
  assert.throws(() => parseFlags(["--rounds", "0"]), /--rounds must be an integer >= 1, got '0'/);
  assert.throws(() => parseFlags(["--backend"]), /--backend needs a value/);
  assert.throws(() => parseFlags(["--fast", "1"]), /unknown option '--fast'/);
});

Deno.test("bench filters: the default chains are valid and time every filter", async () => {
  const { DEFAULT_CHAINS } = await import("../../scripts/bench/filters.ts");
  const { compileChain } = await import("../../src/filters/compile.ts");
  const { FILTERS } = await import("../../src/filters/registry.ts");
  const timed = new Set(DEFAULT_CHAINS.flatMap((c) => compileChain(c).map((s) => s.name)));
  for (const f of FILTERS) assert.ok(timed.has(f.name), `${f.name} is not in DEFAULT_CHAINS`);
});

Deno.test("bench filters: ffmpeg's equivalent chain, its one-thread command and its timing", async () => {
  const { benchRealTime, ffmpegArgs, ffmpegEquivalent, filterMsPerFrame, DEFAULT_CHAINS } =
    await import("../../scripts/bench/filters.ts");
  assert.equal(ffmpegEquivalent("scale=-2:720:flags=bicubic"), "scale=-2:720:flags=bicubic");
  assert.equal(ffmpegEquivalent("fade=t=in:st=0:d=1"), "fade=t=in:st=0:d=1");
  assert.equal(ffmpegEquivalent("crop=iw-100:ih,hflip"), "crop=iw-100:ih,hflip");
  assert.equal(ffmpegEquivalent("blur=sigma=5"), "gblur=sigma=5");
  assert.equal(ffmpegEquivalent("invert"), "negate");
  assert.equal(ffmpegEquivalent("pixelate"), undefined);
  assert.equal(ffmpegEquivalent("scale=-2:720,pixelate"), undefined);
  assert.throws(() => ffmpegEquivalent("nope"), /unknown filter/);
  assert.ok(DEFAULT_CHAINS.filter((c) => ffmpegEquivalent(c)).length >= 20);
  // The arguments run as they are: ffmpeg must print the `bench:` line they are read for.
  const file = await Deno.makeTempFile({ suffix: ".yuv" });
  try {
    await Deno.writeFile(file, new Uint8Array(16 * 16 * 3 / 2 * 2));
    const out = await new Deno.Command("ffmpeg", {
      args: ffmpegArgs("scale=-2:8:flags=bicubic", 16, 16, file),
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.ok(benchRealTime(new TextDecoder().decode(out.stderr)) >= 0);
  } finally {
    await Deno.remove(file);
  }
  assert.equal(
    benchRealTime("frame=   30 fps=0.0 q=-0.0\nbench: utime=0.210s stime=0.020s rtime=0.245s\n"),
    0.245,
  );
  assert.throws(() => benchRealTime("no times"), /printed no 'rtime='/);
  // medians 0.5 s and 0.2 s over 30 frames: 10 ms per frame; never below 0.
  assert.equal(filterMsPerFrame([0.4, 0.5, 0.9], [0.2, 0.1, 0.3], 30), 10);
  assert.equal(filterMsPerFrame([0.1], [0.2], 30), 0);
});

Deno.test("bench filters: refuses bad ffmpeg options", async () => {
  await assert.rejects(main(["--ffmpeg-frames", "0"]), /--ffmpeg-frames must be an integer >= 1/);
  await assert.rejects(main(["--ffmpeg-runs", "x"]), /--ffmpeg-runs must be an integer >= 1/);
});

Deno.test("bench filters: every default chain runs, size-changing ones included, beside ffmpeg", async () => {
  const rows = await main([
    ...["--sizes", "320x240", "--min-ms", "1", "--ref-runs", "1"],
    ...["--ffmpeg-frames", "2", "--ffmpeg-runs", "1"],
  ]);
  const scale = rows.find((r) => r.chain.startsWith("scale="));
  const crop = rows.find((r) => r.chain.startsWith("crop="));
  assert.ok(scale && crop, rows.map((r) => r.chain).join("; "));
  assert.ok(scale.wasmMs > 0 && scale.ffmpegMs !== undefined, JSON.stringify(scale));
  assert.ok(crop.wasmMs > 0, JSON.stringify(crop));
});
