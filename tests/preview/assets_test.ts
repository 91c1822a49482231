/**
 * The dashboard's files (src/preview/assets/): served as they are on disk, read once, listed for
 * `deno compile`, consistent with each other, and the script's DOM types true to the browser's.
 */
import assert from "node:assert/strict";
import { ASSET_URLS, loadAssets, readAssets } from "../../src/preview/assets/mod.ts";
import { createPreviewHandler } from "../../src/preview/handler.ts";
import { PreviewAssetError } from "../../src/preview/errors.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { makeRegistry } from "./fixtures.ts";

const ROOT = new URL("../../", import.meta.url);
const ASSETS_DIR = new URL("../../src/preview/assets/", import.meta.url);

/** Path, file on disk, content type. */
const SERVED: [string, string, string][] = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/index.html", "index.html", "text/html; charset=utf-8"],
  ["/assets/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/assets/style.css", "style.css", "text/css; charset=utf-8"],
  ["/assets/favicon.svg", "favicon.svg", "image/svg+xml"],
  ["/favicon.ico", "favicon.svg", "image/svg+xml"],
];

function newHandler() {
  return createPreviewHandler({ registry: makeRegistry(), metrics: new VframeMetrics() });
}

Deno.test("assets: each file is served as it is on disk, with its type and headers", async () => {
  const handler = newHandler();
  for (const [path, file, type] of SERVED) {
    const res = await handler.handle(new Request(`http://127.0.0.1:8080${path}`));
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("cache-control"), "no-cache", path);
    assert.match(res.headers.get("content-security-policy")!, /default-src 'none'/, path);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(await res.text(), await Deno.readTextFile(new URL(file, ASSETS_DIR)), path);
    const head = await handler.handle(
      new Request(`http://127.0.0.1:8080${path}`, { method: "HEAD" }),
    );
    assert.equal(head.status, 200, `HEAD ${path}`);
    assert.equal(head.body, null, `HEAD ${path}`);
  }
});

Deno.test("assets: read once, then served from memory", async () => {
  const first = loadAssets();
  assert.equal(loadAssets(), first, "the same object every time");
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.files));
  const original = Deno.readTextFileSync;
  const reads: string[] = [];
  Deno.readTextFileSync = (path: string | URL) => {
    reads.push(String(path));
    throw new Error("the preview read a file again");
  };
  try {
    const handler = newHandler();
    for (const [path] of SERVED) {
      const res = await handler.handle(new Request(`http://127.0.0.1:8080${path}`));
      assert.equal(res.status, 200, path);
      await res.body?.cancel();
    }
  } finally {
    Deno.readTextFileSync = original;
  }
  assert.deepEqual(reads, []);
});

Deno.test("readAssets: a file that cannot be read is a PreviewAssetError naming it", () => {
  const read = (url: URL) => {
    if (url.pathname.endsWith("/style.css")) throw new Deno.errors.NotFound("no such file");
    return "text";
  };
  assert.throws(
    () => readAssets(read),
    (err: unknown) => {
      assert.ok(err instanceof PreviewAssetError);
      assert.equal(err.file, "style.css");
      assert.equal(err.code, "asset-missing");
      assert.match(
        err.message,
        /preview asset style\.css could not be read from file:.*style\.css/,
      );
      assert.match(err.message, /no such file/);
      assert.match(err.message, /--include/);
      return true;
    },
  );
  assert.equal(readAssets(() => "same").files["app.js"].body, "same");
});

Deno.test("assets: deno.json's compile task embeds every file the preview reads", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  // A task is a command string or { description, command }.
  const entry = config.tasks.compile;
  const task: string = typeof entry === "string" ? entry : entry.command;
  const included = [...task.matchAll(/--include\s+(\S+)/g)].map((m) => m[1]);
  for (const url of Object.values(ASSET_URLS)) {
    assert.ok(url.href.startsWith(ROOT.href), url.href);
    const path = url.href.slice(ROOT.href.length);
    assert.ok(included.includes(path), `${path} is in the compile task's --include list`);
    assert.ok((await Deno.stat(url)).isFile, `${path} exists`);
  }
});

/** The ids app.js looks up with `$(…)`: literal ones, and the two `"prefix-" + v` patterns. */
function idsUsedByScript(code: string): Set<string> {
  const ids = new Set<string>();
  const calls = [...code.matchAll(/\$\(([^)]*)\)/g)].map((m) => m[1]);
  assert.ok(calls.length > 20, `found the $(…) calls (${calls.length})`);
  for (const arg of calls) {
    const literal = /^"([\w-]+)"$/.exec(arg);
    const prefixed = /^"([\w-]+-)" \+ v$/.exec(arg);
    if (literal) ids.add(literal[1]);
    else if (prefixed) { for (const v of ["original", "processed"]) ids.add(prefixed[1] + v); }
    else if (arg !== "id") {
      assert.fail(`app.js looks up an element this test cannot follow: $(${arg})`);
    }
  }
  return ids;
}

Deno.test("assets: index.html has every element app.js asks for, each id once", async () => {
  const code = await Deno.readTextFile(ASSET_URLS["app.js"]);
  const html = await Deno.readTextFile(ASSET_URLS["index.html"]);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], "ids are unique");
  for (const id of idsUsedByScript(code)) {
    assert.ok(ids.includes(id), `index.html has #${id}`);
  }
  // The page loads exactly these files (the handler serves them).
  assert.deepEqual(
    [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]).sort(),
    ["/assets/app.js", "/assets/favicon.svg", "/assets/style.css"],
  );
});

Deno.test("assets: app.js is a browser script that deno check type-checks", async () => {
  const code = await Deno.readTextFile(ASSET_URLS["app.js"]);
  // Without this first line `deno check src/` lists app.js but reports none of its errors.
  assert.equal(code.split("\n")[0], "// @ts-check");
  assert.doesNotMatch(code, /\bDeno\./, "no Deno APIs in a browser script");
  assert.doesNotMatch(code, /^\s*(import|export)\s/m, "a classic script, not a module");
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const excluded: string[] = [
    ...(config.exclude ?? []),
    ...(config.lint?.exclude ?? []),
    ...(config.fmt?.exclude ?? []),
  ];
  for (const pattern of excluded) {
    const dir = pattern.replace(/\/?\*.*$/, "").replace(/\/$/, "");
    assert.ok(
      dir !== "" && !"src/preview/assets/".startsWith(`${dir}/`),
      `deno.json excludes '${pattern}', which would hide src/preview/assets/`,
    );
  }
});

Deno.test({
  name: "assets: the browser's real DOM (lib.dom) fits the types app.js is checked with",
  // A separate `deno check` with only the browser's libs: lib.dom cannot join the project's own
  // check (see src/preview/assets/browser.d.ts).
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vframe-dom-types-" });
    try {
      const types = new URL("browser.d.ts", ASSETS_DIR).href;
      await Deno.writeTextFile(
        `${dir}/deno.json`,
        JSON.stringify({ compilerOptions: { lib: ["dom", "dom.iterable", "esnext"] } }),
      );
      await Deno.writeTextFile(
        `${dir}/conformance.ts`,
        [
          `import type * as B from ${JSON.stringify(types)};`,
          `export const globals: B.BrowserGlobals = { document, history, location, sessionStorage };`,
          `export const button: B.HTMLButtonElement = document.createElement("button");`,
          `export const input: B.HTMLInputElement = document.createElement("input");`,
          `export const img: B.HTMLImageElement = document.createElement("img");`,
          `export const video: B.HTMLVideoElement = document.createElement("video");`,
          `export const link: B.HTMLAnchorElement = document.createElement("a");`,
          `export const svg: B.SVGElement =`,
          `  document.createElementNS("http://www.w3.org/2000/svg", "line");`,
          "",
        ].join("\n"),
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", "--no-lock", "--config", `${dir}/deno.json`, "conformance.ts"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.ok(out.success, `browser.d.ts does not fit lib.dom:\n${text}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
