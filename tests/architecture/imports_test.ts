/**
 * The import graph of `src/`: folders form layers and every import points to the same folder or
 * a lower layer (no arrow runs upward, no two folders of one layer import each other), and no
 * module imports itself through a cycle. docs/architecture.md draws the same layers.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const SRC = new URL("../../src/", import.meta.url).pathname;

/** Layer of each folder of `src/`, lowest first; `entry` is the top-level entry points. */
export const LAYERS: Readonly<Record<string, number>> = {
  util: 0,
  codec: 1,
  filters: 2,
  protocol: 2,
  queue: 3,
  pipeline: 4,
  server: 5,
  client: 5,
  preview: 6,
  commands: 7,
  entry: 8,
};

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...walk(p));
    else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes("/") ? rel.split("/")[0] : "entry";
}

/** Every relative import of every module under src/, as absolute paths. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of walk(SRC)) {
    const text = Deno.readTextFileSync(file);
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      let target = join(dirname(file), m[1]);
      if (target.endsWith(".js") && !exists(target) && exists(target.replace(/\.js$/, ".d.ts"))) {
        target = target.replace(/\.js$/, ".d.ts");
      }
      deps.push(target);
    }
    g.set(file, deps);
  }
  return g;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("architecture: every folder of src/ has a layer", () => {
  const folders = new Set([...graph().keys()].map(folderOf));
  for (const f of folders) assert.ok(f in LAYERS, `src/${f}/ is in no layer: add it to LAYERS`);
});

/** Imports that run upward or sideways between folders, as readable lines. */
function upwardImports(g: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, deps] of g) {
    const from = folderOf(file);
    for (const dep of deps) {
      const to = folderOf(dep);
      if (from !== to && LAYERS[to] >= LAYERS[from]) {
        bad.push(`${relative(SRC, file)} → ${relative(SRC, dep)} (${from} → ${to})`);
      }
    }
  }
  return bad;
}

/** Cycles of the module graph, each as `a → b → a`. */
function cycles(g: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const found: string[] = [];
  const visit = (file: string, path: string[]) => {
    const s = state.get(file);
    if (s === "done") return;
    if (s === "open") {
      found.push(
        [...path.slice(path.indexOf(file)), file].map((p) => relative(SRC, p)).join(" → "),
      );
      return;
    }
    state.set(file, "open");
    for (const dep of g.get(file) ?? []) visit(dep, [...path, file]);
    state.set(file, "done");
  };
  for (const file of g.keys()) visit(file, []);
  return found;
}

Deno.test("architecture: no import runs upward or sideways between folders", () => {
  assert.deepEqual(upwardImports(graph()), [], "upward or sideways imports");
});

Deno.test("architecture: no import cycles between modules", () => {
  assert.deepEqual(cycles(graph()), [], "import cycles");
});

Deno.test("architecture: the checks find what they look for (made-up graphs)", () => {
  const p = (rel: string) => join(SRC, rel);
  const upward = new Map([
    [p("util/a.ts"), [p("server/b.ts")]],
    [p("server/b.ts"), [p("util/a.ts")]],
    [p("server/c.ts"), [p("client/d.ts")]],
    [p("commands/e.ts"), [p("queue/f.ts"), p("commands/g.ts")]],
  ]);
  assert.deepEqual(upwardImports(upward), [
    "util/a.ts → server/b.ts (util → server)",
    "server/c.ts → client/d.ts (server → client)",
  ]);
  assert.deepEqual(cycles(upward), ["util/a.ts → server/b.ts → util/a.ts"]);
  const text = 'import { x } from "../server/server.ts";\nexport { y } from "./y.ts";';
  assert.deepEqual([...text.matchAll(IMPORT)].map((m) => m[1]), ["../server/server.ts", "./y.ts"]);
});
