import assert from "node:assert/strict";
import { crc32, Sha256, sha256File, sha256Hex } from "../../src/protocol/checksum.ts";
import { counting, rng } from "./samples.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** Bit-by-bit CRC-32 (IEEE, reflected): an independent reference. */
function referenceCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

Deno.test("crc32 matches the standard check value and the empty input", () => {
  assert.equal(crc32(ascii("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

Deno.test("crc32 matches a bit-by-bit reference on random data", () => {
  const next = rng(7);
  for (const n of [1, 3, 64, 1000, 65_537]) {
    const bytes = new Uint8Array(n).map(() => Math.floor(next() * 256));
    assert.equal(crc32(bytes), referenceCrc32(bytes), `length ${n}`);
  }
});

Deno.test("crc32 continues a running checksum through its seed", () => {
  const bytes = counting(10_000);
  const whole = crc32(bytes);
  assert.equal(crc32(bytes.subarray(4321), crc32(bytes.subarray(0, 4321))), whole);
  assert.notEqual(crc32(bytes.subarray(4321)), whole);
});

Deno.test("crc32 refuses a seed that is not an unsigned 32-bit integer", () => {
  for (const seed of [-1, 2 ** 32, 1.5, NaN]) {
    assert.throws(() => crc32(new Uint8Array(1), seed), RangeError);
  }
});

Deno.test("Sha256 matches the FIPS 180-2 test vectors", () => {
  assert.equal(
    sha256Hex(ascii("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    sha256Hex(new Uint8Array(0)),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("Sha256 fed in pieces equals the one-shot digest and counts bytes", () => {
  const bytes = counting(100_000);
  const hash = new Sha256();
  const next = rng(3);
  let at = 0;
  while (at < bytes.length) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(next() * 5000));
    hash.update(bytes.subarray(at, at + n));
    at += n;
  }
  assert.equal(hash.bytes, 100_000);
  assert.equal(hash.digest(), sha256Hex(bytes));
});

Deno.test("Sha256 cannot be used after its digest", () => {
  const hash = new Sha256().update(ascii("x"));
  hash.digest();
  assert.throws(() => hash.digest(), /twice/);
  assert.throws(() => hash.update(ascii("y")), /after digest/);
});

Deno.test("sha256File reads a file in pieces and gives its size and digest", async () => {
  const path = await Deno.makeTempFile();
  try {
    const bytes = counting(300_001);
    await Deno.writeFile(path, bytes);
    assert.deepEqual(await sha256File(path, { bufferBytes: 4096 }), {
      size: 300_001,
      sha256: sha256Hex(bytes),
    });
    await assert.rejects(() => sha256File(path, { bufferBytes: 0 }), RangeError);
    await assert.rejects(() => sha256File(`${path}.missing`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(path);
  }
});
