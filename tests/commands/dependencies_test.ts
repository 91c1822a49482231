/** Every runtime dependency in package.json is used by the code, a task or the compiled binary. */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

function sources(dir: URL): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...sources(url));
    else if (/\.(ts|js|cjs|mjs)$/.test(e.name)) out.push(Deno.readTextFileSync(url));
  }
  return out;
}

Deno.test("package.json lists no unused runtime dependency", () => {
  const pkg = JSON.parse(Deno.readTextFileSync(new URL("package.json", ROOT)));
  const text = [
    ...["src/", "scripts/", "asm/"].flatMap((d) => sources(new URL(d, ROOT))),
    Deno.readTextFileSync(new URL("deno.json", ROOT)),
  ].join("\n");
  const unused = Object.keys(pkg.dependencies).filter((name) =>
    !text.includes(`"${name}"`) && !text.includes(`"${name}/`) &&
    !text.includes(`node_modules/${name}/`)
  );
  assert.deepEqual(unused, []);
  assert.ok(pkg.dependencies["@ffmpeg/core"], "ffmpeg.wasm's core stays");
});
