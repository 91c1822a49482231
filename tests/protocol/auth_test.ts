/**
 * The token proof of protocol version 2: the exact HMAC input, a known answer computed with
 * `openssl dgst -sha256 -hmac`, and the ways a proof must fail (wrong token, another nonce, a
 * changed hello, malformed proofs).
 */
import assert from "node:assert/strict";
import {
  AUTH_DOMAIN,
  authInput,
  authProof,
  newNonce,
  verifyAuthProof,
} from "../../src/protocol/auth.ts";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import type { HelloMessage } from "../../src/protocol/messages.ts";

const TOKEN = "correct-horse-battery-staple";
const NONCE = "00112233445566778899aabbccddeeff".repeat(2);
const HELLO: HelloMessage = {
  type: "hello",
  version: 2,
  fileName: "clip.mp4",
  size: 3_000_000,
  filter: "blur=sigma=2,grayscale",
  options: { audio: false, crf: 20 },
};

Deno.test("authInput: six lines, options in a fixed key order, no trailing newline", () => {
  assert.equal(
    authInput(NONCE, HELLO),
    `${AUTH_DOMAIN}\n${NONCE}\nclip.mp4\n3000000\nblur=sigma=2,grayscale\n{"crf":20,"audio":false}`,
  );
  assert.equal(
    authInput(NONCE, { ...HELLO, options: {} }).split("\n").at(-1),
    "{}",
  );
  // Key order and undefined values do not change the input.
  assert.equal(
    authInput(NONCE, {
      ...HELLO,
      options: { progressIntervalMs: 250, preset: "fast", crf: 1, audio: undefined },
    }).split("\n").at(-1),
    '{"crf":1,"preset":"fast","progressIntervalMs":250}',
  );
});

Deno.test("authProof: the known answer of `openssl dgst -sha256 -hmac`", () => {
  // printf 'vframe-auth-v2\n<nonce>\nclip.mp4\n3000000\nblur=sigma=2,grayscale\n{"crf":20,"audio":false}' \
  //   | openssl dgst -sha256 -hmac correct-horse-battery-staple
  assert.equal(
    authProof(TOKEN, NONCE, HELLO),
    "b67f5903fc84b2f47fd4af13b0a873bbbeacd6f4667fbb97d8c3b6ded74459dd",
  );
});

Deno.test("verifyAuthProof: the right proof passes; a wrong token, nonce or hello fails", () => {
  const proof = authProof(TOKEN, NONCE, HELLO);
  assert.equal(verifyAuthProof(TOKEN, NONCE, HELLO, proof), true);
  assert.equal(verifyAuthProof(TOKEN + "x", NONCE, HELLO, proof), false);
  assert.equal(verifyAuthProof("another-token-of-16", NONCE, HELLO, proof), false);
  // Replay: a proof recorded on one connection is worthless under another connection's nonce.
  assert.equal(verifyAuthProof(TOKEN, newNonce(), HELLO, proof), false);
  // The proof binds the job: another file, size, filter or option fails.
  for (
    const changed of [
      { ...HELLO, fileName: "other.mp4" },
      { ...HELLO, size: 3_000_001 },
      { ...HELLO, filter: "invert" },
      { ...HELLO, options: { audio: false, crf: 21 } },
      { ...HELLO, options: { audio: false } },
    ]
  ) {
    assert.equal(verifyAuthProof(TOKEN, NONCE, changed, proof), false, JSON.stringify(changed));
  }
});

Deno.test("verifyAuthProof: malformed or missing proofs are wrong, never an exception", () => {
  const proof = authProof(TOKEN, NONCE, HELLO);
  for (
    const bad of [undefined, null, "", 42, proof.toUpperCase(), proof.slice(1), proof + "0", TOKEN]
  ) {
    assert.equal(verifyAuthProof(TOKEN, NONCE, HELLO, bad), false, String(bad));
  }
  assert.throws(() => authProof("", NONCE, HELLO), TypeError);
  assert.throws(() => verifyAuthProof("", NONCE, HELLO, proof), TypeError);
});

Deno.test("newNonce: 64 lowercase hex digits, different every time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const nonce = newNonce();
    assert.match(nonce, /^[0-9a-f]{64}$/);
    seen.add(nonce);
  }
  assert.equal(seen.size, 100);
});

Deno.test("challenge and auth travel as JSON and the token is nowhere in the bytes", () => {
  const proof = authProof(TOKEN, NONCE, HELLO);
  const bytes = [
    encodeMessage({ type: "challenge", version: 2, auth: "token", nonce: NONCE }),
    encodeMessage({ type: "auth", proof }),
  ];
  assert.equal(bytes[0][0], 0x86);
  assert.equal(bytes[1][0], 0x05);
  const text = new TextDecoder().decode(bytes[1]);
  assert.ok(!text.includes(TOKEN));
  assert.deepEqual(new MessageDecoder({ from: "server" }).push(bytes[0]), [
    { type: "challenge", version: 2, auth: "token", nonce: NONCE },
  ]);
  assert.deepEqual(new MessageDecoder({ from: "client" }).push(bytes[1]), [
    { type: "auth", proof },
  ]);
  // Each comes from one side only.
  assert.throws(() => new MessageDecoder({ from: "client" }).push(bytes[0]), {
    code: "unexpected-type",
  });
  assert.throws(() => new MessageDecoder({ from: "server" }).push(bytes[1]), {
    code: "unexpected-type",
  });
});
