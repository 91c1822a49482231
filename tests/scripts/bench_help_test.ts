/**
 * `deno task bench <name> --help` for every benchmark: the benchmark's usage, exit 0, and no work
 * started (the run gets an empty TMPDIR, where every benchmark makes its folders: it stays empty).
 * A bad option exits 2 with what was wrong, also before any work.
 */
import assert from "node:assert/strict";
import { BENCHMARKS, type BenchOptions, parseBenchArgs } from "../../scripts/bench/args.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BENCH = `${ROOT}scripts/bench.ts`;

/** Runs `deno run -A <args>` with an empty TMPDIR; what it printed, its exit code, TMPDIR after. */
async function run(args: string[]) {
  const tmp = await Deno.makeTempDir({ prefix: "vframe-bench-help-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", TMPDIR: tmp },
    }).output();
    const left = [...Deno.readDirSync(tmp)].map((e) => e.name);
    const text = new TextDecoder();
    return {
      code: out.code,
      stdout: text.decode(out.stdout),
      stderr: text.decode(out.stderr),
      left,
    };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

for (const name of Object.keys(BENCHMARKS)) {
  Deno.test(`deno task bench ${name} --help: its usage, exit 0, no work`, async () => {
    const mod = await import(`../../scripts/bench/${name}.ts`);
    const usage: string = mod.USAGE;
    const options: BenchOptions = mod.OPTIONS;
    assert.match(usage, new RegExp(`^usage: deno task bench ${name} \\[options\\]`));
    for (const option of Object.keys(options)) {
      assert.match(usage, new RegExp(`--${option}\\b`), `the usage names --${option}`);
    }
    for (const flag of ["--help", "-h"]) {
      // --help wins wherever it is, even after options that would start work.
      const r = await run([BENCH, name, ...(flag === "-h" ? ["--bogus", flag] : [flag])]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), usage.trim());
      assert.equal(r.stderr, "");
      assert.deepEqual(r.left, [], "nothing made in TMPDIR: no work started");
    }
  });

  Deno.test(`deno task bench ${name} --bogus: a clear error, exit 2, no work`, async () => {
    const r = await run([BENCH, name, "--bogus", "1"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr.trim(),
      `deno task bench ${name}: unknown option '--bogus' (deno task bench ${name} --help lists ` +
        "the options)",
    );
    assert.doesNotMatch(r.stderr, /\bat \S+:\d+:\d+/, "no stack trace");
    assert.deepEqual(r.left, []);
  });
}

Deno.test("deno task bench: a bad value exits 2 before any work", async () => {
  const cases: [string[], RegExp][] = [
    [["offline", "--rounds", "0"], /--rounds must be an integer >= 1, got '0'/],
    [["offline", "--backend", "gpu"], /--backend must be native, wasm or both, got 'gpu'/],
    [["codec", "--preset", "fastest"], /--preset must be one of ultrafast, .*got 'fastest'/],
    [["pipeline", "--size", "big"], /--size must be WxH .*got 'big'/],
    [["pipeline", "--codec", "gpu"], /--codec must be wasm, native or auto, got 'gpu'/],
    [["pipeline", "stray"], /unexpected argument 'stray'/],
    [["filters", "--sizes"], /--sizes needs a value/],
    [["filters", "--no-ref=yes"], /option '--no-ref' does not take an argument/],
  ];
  for (const [args, message] of cases) {
    const r = await run([BENCH, ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.deepEqual(r.left, [], `${args.join(" ")}: no work`);
  }
});

Deno.test("scripts/bench/ffmpeg_wasm.ts (the offline peer): --help, and bad options exit 2", async () => {
  const help = await run([`${ROOT}scripts/bench/ffmpeg_wasm.ts`, "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: deno run -A scripts\/bench\/ffmpeg_wasm\.ts IN OUT/);
  const bad = await run([`${ROOT}scripts/bench/ffmpeg_wasm.ts`, "in.mp4", "out.mp4", "--x", "1"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /unknown option '--x'/);
});

Deno.test("parseBenchArgs: values, booleans, positionals", () => {
  const options: BenchOptions = { size: "string", keep: "boolean" };
  const a = parseBenchArgs("x", ["--size", "2x2", "--keep", "p"], options, 1);
  assert.deepEqual(
    { ...a, values: { ...a.values } },
    { help: false, values: { size: "2x2", keep: true }, positionals: ["p"] },
  );
  assert.equal(parseBenchArgs("x", ["--size", "1", "-h"], options).help, true);
  assert.throws(() => parseBenchArgs("x", ["p"], options), /unexpected argument 'p'/);
  assert.throws(() => parseBenchArgs("x", ["--sizes", "1"], options), /unknown option '--sizes'/);
});
