/**
 * Protocol version 4: a `hello` may carry the images its chain names (overlay's
 * `file=vframe-asset-<sha256>`), base64, within the count and byte limits; every field checked.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import {
  FIELD_LIMITS,
  type HelloMessage,
  MAX_PAYLOAD,
  PROTOCOL_VERSION,
} from "../../src/protocol/messages.ts";

const HASH = "ab".repeat(32);

function hello(assets: unknown): HelloMessage {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    fileName: "clip.mp4",
    size: 1000,
    filter: `overlay=file=vframe-asset-${HASH}`,
    options: {},
    assets,
  } as HelloMessage;
}

function refused(msg: HelloMessage, text: RegExp): void {
  assert.throws(
    () => encodeMessage(msg),
    (e) => e instanceof ProtocolError && e.code === "bad-message" && text.test(e.message),
    text.source,
  );
}

Deno.test("protocol version 4: hello.assets round-trips, up to the limits", () => {
  assert.equal(PROTOCOL_VERSION, 4);
  const data = Buffer.from(new Uint8Array(1000).fill(7)).toString("base64");
  const msg = hello([{ sha256: HASH, data }]);
  assert.deepEqual(new MessageDecoder({ from: "client" }).push(encodeMessage(msg)), [msg]);
  // No images: the field is left out.
  const plain = hello([]);
  const [decoded] = new MessageDecoder({ from: "client" }).push(encodeMessage(plain));
  assert.equal("assets" in decoded, false);
  // The largest hello: images of 4 MiB in all fit the payload limit.
  const big = Buffer.from(new Uint8Array(FIELD_LIMITS.assetBytes / 4)).toString("base64");
  const four = hello([0, 1, 2, 3].map((i) => ({ sha256: String(i).repeat(64), data: big })));
  const bytes = encodeMessage(four);
  assert.ok(bytes.length - 5 <= MAX_PAYLOAD.hello, `${bytes.length} within the limit`);
  assert.equal(new MessageDecoder({ from: "client" }).push(bytes).length, 1);
});

Deno.test("hello.assets: bad entries are refused, naming the field", () => {
  const data = Buffer.from("png").toString("base64");
  refused(hello({}), /hello\.assets/);
  refused(hello([{ sha256: HASH }]), /hello\.assets\[0\]\.data/);
  refused(hello([{ sha256: "AB".repeat(32), data }]), /hello\.assets\[0\]\.sha256/);
  refused(hello([{ sha256: HASH, data: "not base64!" }]), /hello\.assets\[0\]\.data.*base64/);
  refused(hello([{ sha256: HASH, data: "abc" }]), /hello\.assets\[0\]\.data/);
  refused(hello([{ sha256: HASH, data, name: "x" }]), /unknown field "name"/);
  refused(
    hello([{ sha256: HASH, data }, { sha256: HASH, data }]),
    /hello\.assets\[1\]\.sha256.*already/,
  );
  refused(
    hello([0, 1, 2, 3, 4].map((i) => ({ sha256: String(i).repeat(64), data }))),
    /hello\.assets.*at most 4/,
  );
  const over = Buffer.from(new Uint8Array(FIELD_LIMITS.assetBytes / 2 + 3)).toString("base64");
  refused(
    hello([{ sha256: "0".repeat(64), data: over }, { sha256: "1".repeat(64), data: over }]),
    /hello\.assets\[1\]\.data.*4194304 bytes in all/,
  );
});

Deno.test("hello.assets: one image of the whole 4 MiB is checked without overflowing the stack", () => {
  const data = Buffer.from(new Uint8Array(FIELD_LIMITS.assetBytes).fill(0x5a)).toString("base64");
  const msg = hello([{ sha256: HASH, data }]);
  const [decoded] = new MessageDecoder({ from: "client" }).push(encodeMessage(msg));
  assert.equal((decoded as HelloMessage).assets?.[0].data.length, data.length);
  refused(hello([{ sha256: HASH, data: `${data.slice(0, -4)}ab=c` }]), /base64/);
});
