/** Where the client finds its token: --token, else VFRAME_TOKEN, else the config folder's file. */
import assert from "node:assert/strict";
import { findClientToken } from "../../src/client/token.ts";
import { configDir, tokenFilePath } from "../../src/util/config_dir.ts";
import { TokenError } from "../../src/util/token_file.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];
const FLAG = "token-from-the-flag-0";
const ENV = "token-from-the-env-00";
const FILE = "token-from-the-file-0";

Deno.test("configDir: XDG_CONFIG_HOME when absolute, else HOME/.config, else none", () => {
  assert.equal(configDir(envOf({ XDG_CONFIG_HOME: "/x", HOME: "/h" })), "/x/vframe");
  assert.equal(configDir(envOf({ XDG_CONFIG_HOME: "rel", HOME: "/h" })), "/h/.config/vframe");
  assert.equal(configDir(envOf({ XDG_CONFIG_HOME: "", HOME: "/h" })), "/h/.config/vframe");
  assert.equal(configDir(envOf({})), undefined);
  assert.equal(tokenFilePath(envOf({ HOME: "/h" })), "/h/.config/vframe/token");
  assert.equal(tokenFilePath(envOf({ HOME: "relative" })), undefined);
});

Deno.test("findClientToken: --token, then VFRAME_TOKEN, then the token file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-token-" });
  try {
    await Deno.mkdir(`${dir}/vframe`);
    await Deno.writeTextFile(`${dir}/vframe/token`, `${FILE}\n`);
    const all = envOf({ XDG_CONFIG_HOME: dir, VFRAME_TOKEN: ENV });
    assert.deepEqual(await findClientToken({ token: FLAG, env: all }), {
      token: FLAG,
      source: "--token",
    });
    assert.deepEqual(await findClientToken({ env: all }), { token: ENV, source: "VFRAME_TOKEN" });
    // An empty VFRAME_TOKEN counts as unset.
    assert.deepEqual(
      await findClientToken({ env: envOf({ XDG_CONFIG_HOME: dir, VFRAME_TOKEN: "" }) }),
      {
        token: FILE,
        source: `${dir}/vframe/token`,
      },
    );
    assert.deepEqual(
      await findClientToken({
        env: envOf({ HOME: "/nonexistent-home" }),
        tokenFile: `${dir}/vframe/token`,
      }),
      { token: FILE, source: `${dir}/vframe/token` },
    );
    // Nothing anywhere: no token, and what was tried.
    const none = await findClientToken({ env: envOf({ HOME: `${dir}/empty` }) });
    assert.deepEqual(none, {
      token: undefined,
      looked: `--token, VFRAME_TOKEN, ${dir}/empty/.config/vframe/token`,
    });
    const noHome = await findClientToken({ env: envOf({}) });
    assert.equal(noHome.token, undefined);
    // A bad token is an error naming its source, not its value.
    await assert.rejects(
      findClientToken({ env: envOf({ VFRAME_TOKEN: "tiny" }) }),
      (e) => e instanceof TokenError && /VFRAME_TOKEN has 4 characters/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/vframe/token`, "two words are not a token\n");
    await assert.rejects(
      findClientToken({ env: envOf({ XDG_CONFIG_HOME: dir }) }),
      (e) =>
        e instanceof TokenError && e.message.includes(`${dir}/vframe/token`) &&
        !e.message.includes("two words"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
