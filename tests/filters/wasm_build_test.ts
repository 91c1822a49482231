/**
 * The committed wasm/filters.wasm must be what asm/ builds to today: a fresh build with the
 * same settings (asm/asconfig.json, target release) into a temporary directory must give the
 * same bytes. Also checks the build settings the issue asks for.
 */
import assert from "node:assert/strict";
import { FILTERS } from "../../src/filters/registry.ts";

const root = new URL("../../", import.meta.url);

Deno.test("wasm/filters.wasm is the build of asm/ (rebuild with `deno task build:wasm`)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-wasm-" });
  try {
    const out = `${dir}/filters.wasm`;
    const asc = new URL("node_modules/.bin/asc", root).pathname;
    const result = await new Deno.Command(asc, {
      args: [
        "asm/filters.ts",
        "--config",
        "asm/asconfig.json",
        "--target",
        "release",
        "--outFile",
        out,
      ],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(result.success, `asc failed: ${new TextDecoder().decode(result.stderr)}`);
    const fresh = await Deno.readFile(out);
    const committed = await Deno.readFile(new URL("wasm/filters.wasm", root));
    assert.ok(
      fresh.length === committed.length && fresh.every((b, i) => b === committed[i]),
      `wasm/filters.wasm (${committed.length} bytes) differs from a fresh build of asm/ ` +
        `(${fresh.length} bytes): run \`deno task build:wasm\` and commit the result`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("asm/asconfig.json: -O3, shrink 0, stub runtime, SIMD, output wasm/filters.wasm", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("asm/asconfig.json", root)));
  const release = config.targets.release;
  assert.equal(release.optimizeLevel, 3);
  assert.equal(release.shrinkLevel, 0);
  assert.equal(release.outFile, "../wasm/filters.wasm");
  assert.equal(config.options.runtime, "stub");
  assert.ok(config.options.enable.includes("simd"));
});

Deno.test("wasm/filters.wasm imports nothing and exports the kernels", async () => {
  const bytes = await Deno.readFile(new URL("wasm/filters.wasm", root));
  const module = await WebAssembly.compile(bytes);
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  for (const name of ["memory", "heapBase", "boxV", "transpose", "sobel", "lut"]) {
    assert.ok(exports.includes(name), `missing export ${name}`);
  }
});

Deno.test("wasm/filters.wasm exports every kernel a filter module calls", async () => {
  const module = await WebAssembly.compile(await Deno.readFile(new URL("wasm/filters.wasm", root)));
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  for (const f of FILTERS) {
    for (const kernel of f.kernels) assert.ok(exports.has(kernel), `${f.name} calls ${kernel}`);
  }
});
