import assert from "node:assert/strict";
import { type CodecChoice, nativeAvailable, resolveBackend } from "../../src/codec/mod.ts";

Deno.test("resolveBackend: auto takes native when ffmpeg and ffprobe are on PATH", async () => {
  assert.equal(
    await nativeAvailable(),
    true,
    "these tests need ffmpeg on PATH (apt-get install -y ffmpeg)",
  );
  assert.equal(await resolveBackend(), "native");
  assert.equal(await resolveBackend("auto"), "native");
  assert.equal(await resolveBackend("native"), "native");
  assert.equal(await resolveBackend("wasm"), "wasm");
});

Deno.test("resolveBackend: without ffmpeg on PATH, auto falls back to wasm and native fails", async () => {
  // In a child process: PATH is process-wide, and other test modules run beside this one.
  const empty = await Deno.makeTempDir();
  const mod = new URL("../../src/codec/mod.ts", import.meta.url).href;
  const script = `
    import { nativeAvailable, resolveBackend } from "${mod}";
    const native = await resolveBackend("native").then(() => "ok", (e) => e.name + ": " + e.message);
    console.log(JSON.stringify({ available: await nativeAvailable(), auto: await resolveBackend("auto"), native }));
  `;
  try {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
      env: { PATH: empty },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const seen = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(seen.available, false);
    assert.equal(seen.auto, "wasm");
    assert.match(seen.native, /^BackendUnavailableError: .*apt-get install -y ffmpeg/);
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("resolveBackend refuses an unknown choice", async () => {
  await assert.rejects(
    resolveBackend("gpu" as unknown as CodecChoice),
    /must be one of auto, wasm, native, got 'gpu'/,
  );
});
