import assert from "node:assert/strict";
import { GrowingFile, UploadAbortedError } from "../../src/util/growing_file.ts";
import { concatBytes } from "../helpers/bytes.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream) parts.push(p);
  return concatBytes(parts);
}

Deno.test("growing file: a reader started early gets every byte, then the end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(50_000));
    const file = await GrowingFile.create({ path: `${dir}/in`, expectedBytes: bytes.length });
    const read = readAll(file.stream(4096));
    for (let at = 0; at < bytes.length; at += 7000) {
      await file.append(bytes.subarray(at, at + 7000));
      await new Promise((r) => setTimeout(r, 1));
    }
    file.finish();
    assert.deepEqual(await read, bytes);
    assert.deepEqual(await Deno.readFile(`${dir}/in`), bytes);
    assert.deepEqual(file.head(100), bytes.subarray(0, 100));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("growing file: waitFor, oversize appends, and abandoned uploads fail readers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = await GrowingFile.create({ path: `${dir}/in`, expectedBytes: 10 });
    const waited = file.waitFor(6);
    await file.append(new Uint8Array(4));
    await file.append(new Uint8Array(4));
    await waited;
    await assert.rejects(file.append(new Uint8Array(3)), /exceeds its announced size 10 \(got 11/);
    const reader = file.stream().getReader();
    assert.equal((await reader.read()).value?.length, 8);
    const pending = reader.read();
    file.fail("client disconnected");
    await assert.rejects(
      pending,
      (e) => e instanceof UploadAbortedError && /client disconnected/.test(e.message),
    );
    await assert.rejects(file.waitFor(10), UploadAbortedError);
    await assert.rejects(GrowingFile.create({ path: `${dir}/x`, expectedBytes: -1 }), /got -1/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
