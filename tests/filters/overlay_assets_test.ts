import assert from "node:assert/strict";
import {
  assetHash,
  assetPath,
  assetRef,
  chainAssetHashes,
  readAsset,
  sha256Hex,
  storeAsset,
} from "../../src/filters/overlay_assets.ts";
import { loadOverlayImage, overlayImage } from "../../src/filters/overlay_image.ts";

const LOGO = "tests/filters/fixtures/overlay_logo.png";

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

Deno.test("asset references: made of the SHA-256, found in chain texts", () => {
  const hash = sha256Hex(new TextEncoder().encode("abc"));
  assert.equal(hash, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(assetHash(assetRef(hash)), hash);
  assert.equal(assetHash(`${assetRef(hash)}.png`), undefined);
  assert.equal(assetHash("logo.png"), undefined);
  const other = "0".repeat(64);
  assert.deepEqual(
    chainAssetHashes(
      `overlay=file=${assetRef(hash)},overlay=file='${assetRef(other)}',overlay=file=${
        assetRef(hash)
      }`,
    ),
    [hash, other],
  );
});

Deno.test("assets on disk: stored once by content, read back checked, a changed file refused", () => {
  const bytes = crypto.getRandomValues(new Uint8Array(300));
  const hash = storeAsset(bytes);
  try {
    assert.equal(hash, sha256Hex(bytes));
    const stat = Deno.statSync(assetPath(hash));
    assert.equal(storeAsset(bytes), hash, "stored again: the same file");
    assert.equal(Deno.statSync(assetPath(hash)).mtime?.getTime(), stat.mtime?.getTime());
    assert.deepEqual(readAsset(hash), bytes);
    Deno.writeFileSync(assetPath(hash), new Uint8Array([1, 2, 3]));
    assert.equal(readAsset(hash), undefined, "content that is not the hash's is never used");
    assert.throws(() => Deno.statSync(assetPath(hash)), Deno.errors.NotFound, "and removed");
  } finally {
    removeQuietly(assetPath(hash));
  }
});

Deno.test("overlay loads an image by reference from this machine's folder, or says it is not here", () => {
  const bytes = Deno.readFileSync(LOGO);
  const hash = storeAsset(bytes);
  const byPath = overlayImage(loadOverlayImage(LOGO) as number)!;
  const handle = loadOverlayImage(assetRef(hash));
  assert.equal(typeof handle, "number", String(handle));
  const image = overlayImage(handle as number)!;
  assert.equal(image.path, assetRef(hash));
  assert.deepEqual([image.width, image.height, image.y], [byPath.width, byPath.height, byPath.y]);
  const missing = loadOverlayImage(assetRef("f".repeat(64)));
  assert.match(String(missing), /is not on this machine/);
});
