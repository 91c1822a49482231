import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { storeHelloAssets } from "../../src/server/hello_assets.ts";
import { assetPath, assetRef, readAsset, sha256Hex } from "../../src/filters/overlay_assets.ts";
import { type HelloMessage, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";

function hello(filter: string, images: Uint8Array[], hashes?: string[]): HelloMessage {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    fileName: "in.mp4",
    size: 10,
    filter,
    options: {},
    assets: images.map((bytes, i) => ({
      sha256: hashes?.[i] ?? sha256Hex(bytes),
      data: Buffer.from(bytes).toString("base64"),
    })),
  };
}

Deno.test("storeHelloAssets: the chain's images checked and kept by content; paths refused", () => {
  const image = crypto.getRandomValues(new Uint8Array(64));
  const other = crypto.getRandomValues(new Uint8Array(64));
  const ref = assetRef(sha256Hex(image));
  try {
    assert.match(
      storeHelloAssets(hello("overlay=file=/etc/passwd", []))!,
      /a server never opens a path a client names/,
    );
    assert.match(
      storeHelloAssets(hello(`overlay=file=${ref}`, [image], [sha256Hex(other)]))!,
      /image 1 of the hello is not the one its SHA-256 names/,
    );
    assert.match(
      storeHelloAssets(hello(`overlay=file=${ref}`, [image, other]))!,
      /image 2 of the hello \(vframe-asset-[0-9a-f]{64}\) is not named by the chain/,
    );
    assert.match(
      storeHelloAssets(hello(`overlay=file=${ref}`, []))!,
      /the chain names vframe-asset-[0-9a-f]{64} but the hello does not carry that image/,
    );
    assert.equal(readAsset(sha256Hex(image)), undefined, "nothing kept from refused hellos");
    assert.equal(storeHelloAssets(hello(`invert,overlay=file='${ref}':x=2`, [image])), undefined);
    assert.deepEqual(readAsset(sha256Hex(image)), image);
    assert.equal(storeHelloAssets(hello("invert", [])), undefined, "no image, nothing to do");
  } finally {
    for (const bytes of [image, other]) {
      try {
        Deno.removeSync(assetPath(sha256Hex(bytes)));
      } catch {
        // not stored
      }
    }
  }
});
