import assert from "node:assert/strict";
import {
  BackendUnavailableError,
  type CodecChoice,
  nativeAvailable,
  resolveBackend,
} from "../../src/codec/mod.ts";

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
  const saved = Deno.env.get("PATH");
  const empty = await Deno.makeTempDir();
  Deno.env.set("PATH", empty);
  try {
    assert.equal(await nativeAvailable(), false);
    assert.equal(await resolveBackend("auto"), "wasm");
    await assert.rejects(resolveBackend("native"), BackendUnavailableError);
    await assert.rejects(resolveBackend("native"), /apt-get install -y ffmpeg/);
  } finally {
    Deno.env.set("PATH", saved ?? "");
    await Deno.remove(empty);
  }
});

Deno.test("resolveBackend refuses an unknown choice", async () => {
  await assert.rejects(
    resolveBackend("gpu" as unknown as CodecChoice),
    /must be one of auto, wasm, native, got 'gpu'/,
  );
});
