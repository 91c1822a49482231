/**
 * temp_dir.ts finds the temporary folder as Node's `os.tmpdir()` does (compared in a child
 * process for each environment, so this test's own environment is never changed) and joins
 * names onto folders.
 */
import assert from "node:assert/strict";
import { joinPath, tempDir } from "../../src/util/temp_dir.ts";

const PROBE = `
import { tmpdir } from "node:os";
import { tempDir } from ${
  JSON.stringify(new URL("../../src/util/temp_dir.ts", import.meta.url).href)
};
console.log(JSON.stringify([tempDir(), tmpdir()]));
`;

async function both(env: Record<string, string>): Promise<[string, string]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", PROBE],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("tempDir: the folder os.tmpdir() names, for TMPDIR, TMP, TEMP, none, trailing slashes", {
  ignore: Deno.build.os === "windows",
}, async () => {
  const cases: Record<string, string>[] = [
    {},
    { TMPDIR: "/var/tmp/a" },
    { TMPDIR: "/var/tmp/a/" },
    { TMP: "/srv/t", TEMP: "/srv/u" },
    { TEMP: "/srv/u//" },
    { TMPDIR: "", TMP: "/srv/t" },
    { TMPDIR: "/" },
  ];
  for (const env of cases) {
    const [ours, node] = await both({ PATH: Deno.env.get("PATH") ?? "", ...env });
    assert.equal(ours, node, JSON.stringify(env));
  }
});

Deno.test("joinPath: one separator between folder and name", () => {
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  assert.equal(joinPath("/a/b", "c.png"), `/a/b${sep}c.png`);
  assert.equal(joinPath("/a/b/", "c.png"), "/a/b/c.png");
  assert.equal(joinPath("/", "c"), "/c");
  assert.equal(typeof tempDir(), "string");
});
