/**
 * `npm ci`'s postinstall: removes from `node_modules/.bin` the commands of packages vframe uses
 * only as libraries and never runs, whose command files are large JavaScript files.
 *
 * Why: `deno task` looks at every file in `node_modules/.bin` each time it starts, and reads a
 * `#!/usr/bin/env node` script whole. binaryen (AssemblyScript's optimiser, a dependency of
 * `asc`) installs nine such commands of 9–10 MB each (wasm-opt, wasm2js…): reading them cost every
 * `deno task filter`, `client`, `server` or `worker` 0.13 s of CPU before vframe started, and 26 MiB
 * of memory for as long as it ran. `asc` loads binaryen as a module, not through these commands.
 *
 * Plain JavaScript on `node:` modules so npm's Node runs it; Deno runs it too (the tests do).
 * Usage: `node scripts/prune_bin_links.mjs [PROJECT_DIR]` (default: the current directory).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join, sep } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

/** Packages whose commands are removed. */
export const PRUNED_PACKAGES = ["binaryen"];

/**
 * Removes the `.bin` entries under `root` that lead into one of `packages`; returns their names.
 * Entries of other packages stay; a missing `node_modules/.bin` or package is not an error.
 */
export function pruneBinLinks(root, packages = PRUNED_PACKAGES) {
  const bin = join(root, "node_modules", ".bin");
  if (!existsSync(bin)) return [];
  const targets = packages
    .map((name) => join(root, "node_modules", name))
    .filter((dir) => existsSync(dir))
    .map((dir) => realpathSync(dir) + sep);
  const removed = [];
  for (const name of readdirSync(bin).sort()) {
    const entry = join(bin, name);
    let target;
    try {
      target = realpathSync(entry);
    } catch {
      continue; // a dangling link: not ours to judge
    }
    if (targets.some((dir) => target.startsWith(dir)) || isBinOf(root, packages, name)) {
      rmSync(entry, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** Whether `name` is a command one of `packages` declares (npm may copy rather than link it). */
function isBinOf(root, packages, name) {
  return packages.some((pkg) => {
    try {
      const manifest = JSON.parse(
        readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8"),
      );
      const bins = typeof manifest.bin === "string"
        ? { [manifest.name]: manifest.bin }
        : manifest.bin ?? {};
      return Object.hasOwn(bins, name);
    } catch {
      return false;
    }
  });
}

const isMain = import.meta.main ??
  (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url);
if (isMain) {
  const root = process.argv[2] ?? ".";
  const removed = pruneBinLinks(root);
  if (removed.length > 0) {
    console.log(
      `prune_bin_links: removed ${removed.length} unused commands from node_modules/.bin`,
    );
  }
}
