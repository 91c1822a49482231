/**
 * The postinstall that keeps `deno task` quick to start: binaryen's commands (9–10 MB JavaScript
 * files each, which `deno task` reads whole at every start) leave `node_modules/.bin`; every other
 * command stays. On a made-up project, as a module and as npm runs it; and on this checkout, where
 * `npm ci` must have run it (the test fails if package.json loses the postinstall).
 */
import assert from "node:assert/strict";
import { pruneBinLinks } from "../../scripts/prune_bin_links.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = `${ROOT}scripts/prune_bin_links.mjs`;

/** A project with binaryen (two commands: one linked, one copied) and another package's command. */
async function fakeProject(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "vframe-prune-" });
  const nm = `${root}/node_modules`;
  await Deno.mkdir(`${nm}/binaryen/bin`, { recursive: true });
  await Deno.mkdir(`${nm}/other`, { recursive: true });
  await Deno.mkdir(`${nm}/.bin`);
  await Deno.writeTextFile(
    `${nm}/binaryen/package.json`,
    JSON.stringify({
      name: "binaryen",
      bin: { "wasm-opt": "bin/wasm-opt", "wasm-dis": "bin/dis" },
    }),
  );
  await Deno.writeTextFile(`${nm}/binaryen/bin/wasm-opt`, "#!/usr/bin/env node\n");
  await Deno.writeTextFile(`${nm}/other/package.json`, JSON.stringify({ name: "other", bin: "c" }));
  await Deno.writeTextFile(`${nm}/other/c.js`, "#!/usr/bin/env node\n");
  await Deno.symlink("../binaryen/bin/wasm-opt", `${nm}/.bin/wasm-opt`);
  await Deno.writeTextFile(`${nm}/.bin/wasm-dis`, "#!/usr/bin/env node\n"); // copied, not linked
  await Deno.symlink("../other/c.js", `${nm}/.bin/other`);
  await Deno.symlink("../missing/x.js", `${nm}/.bin/dangling`);
  return root;
}

function binNames(root: string): string[] {
  return [...Deno.readDirSync(`${root}/node_modules/.bin`)].map((e) => e.name).sort();
}

Deno.test("pruneBinLinks removes binaryen's commands, linked or copied, and keeps the rest", async () => {
  const root = await fakeProject();
  try {
    assert.deepEqual(pruneBinLinks(root), ["wasm-dis", "wasm-opt"]);
    assert.deepEqual(binNames(root), ["dangling", "other"]);
    assert.ok(Deno.statSync(`${root}/node_modules/binaryen/bin/wasm-opt`).isFile, "package kept");
    assert.deepEqual(pruneBinLinks(root), [], "a second run finds nothing");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("pruneBinLinks: a project without node_modules/.bin or binaryen is left as it is", async () => {
  const root = await Deno.makeTempDir({ prefix: "vframe-prune-" });
  try {
    assert.deepEqual(pruneBinLinks(root), []);
    await Deno.mkdir(`${root}/node_modules/.bin`, { recursive: true });
    await Deno.writeTextFile(`${root}/node_modules/.bin/tool`, "#!/bin/sh\n");
    assert.deepEqual(pruneBinLinks(root), []);
    assert.deepEqual(binNames(root), ["tool"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("prune_bin_links.mjs run as a command prunes the project it is given and says so", async () => {
  const root = await fakeProject();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-write", SCRIPT, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /removed 2 unused commands/);
    assert.deepEqual(binNames(root), ["dangling", "other"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("this checkout: npm ci ran the postinstall (no binaryen command in node_modules/.bin)", () => {
  const manifest = JSON.parse(
    Deno.readTextFileSync(`${ROOT}node_modules/binaryen/package.json`),
  );
  const commands = Object.keys(manifest.bin ?? {});
  assert.ok(commands.length > 0, "binaryen declares its commands");
  const present = commands.filter((name) => {
    try {
      Deno.lstatSync(`${ROOT}node_modules/.bin/${name}`);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(
    present,
    [],
    "package.json's postinstall (scripts/prune_bin_links.mjs) removes these",
  );
  assert.ok(Deno.statSync(`${ROOT}node_modules/.bin/asc`).isFile, "asc (build:wasm) is kept");
});
