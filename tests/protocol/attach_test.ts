/**
 * Protocol version 3's `attach` and `attached`: their exact bytes, their checks, an `attach` of
 * another version read by its frozen fields, and the attach proof (a known answer computed with
 * `openssl dgst -sha256 -hmac`, and the ways it must fail).
 */
import assert from "node:assert/strict";
import {
  ATTACH_AUTH_DOMAIN,
  attachAuthInput,
  attachProof,
  authProof,
  verifyAttachProof,
  verifyAuthProof,
} from "../../src/protocol/auth.ts";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import {
  type AttachedMessage,
  ERROR_CODES,
  type Message,
  PROTOCOL_VERSION,
  REFUSAL_CODES,
  TYPE_CODES,
} from "../../src/protocol/messages.ts";

const TOKEN = "correct-horse-battery-staple";
const NONCE = "00112233445566778899aabbccddeeff".repeat(2);
const JOB = "4f2c9a1e-77b0-4d8e-9c1a-0b5e3f6d2a10";

const ATTACHED: AttachedMessage = {
  type: "attached",
  version: PROTOCOL_VERSION,
  jobId: JOB,
  fileName: "clip.mp4",
  size: 3_000_000,
  received: 1_048_576,
  uploadDone: false,
  state: "running",
};

/** A message of type code `code` with `payload` as JSON, unchecked. */
function raw(code: number, payload: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(payload));
  const out = new Uint8Array(5 + body.length);
  out[0] = code;
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}

function refused(bytes: Uint8Array, code: string, text: RegExp): void {
  assert.throws(
    () => new MessageDecoder().push(bytes),
    (e) => e instanceof ProtocolError && e.code === code && text.test(e.message),
  );
}

Deno.test("protocol version 3 and later: attach, attached, unknown-job and detached are on the wire", () => {
  assert.ok(PROTOCOL_VERSION >= 3);
  assert.equal(TYPE_CODES.attach, 0x06);
  assert.equal(TYPE_CODES.attached, 0x87);
  assert.ok(REFUSAL_CODES.includes("unknown-job"));
  assert.ok(ERROR_CODES.includes("detached"));
});

Deno.test("attach: type 0x06, big-endian length, {version, jobId} as JSON; a client message", () => {
  const msg: Message = { type: "attach", version: PROTOCOL_VERSION, jobId: JOB };
  const bytes = encodeMessage(msg);
  const json = `{"version":${PROTOCOL_VERSION},"jobId":"${JOB}"}`;
  assert.equal(bytes[0], 0x06);
  assert.equal(new DataView(bytes.buffer).getUint32(1), json.length);
  assert.equal(new TextDecoder().decode(bytes.subarray(5)), json);
  assert.deepEqual(new MessageDecoder({ from: "client" }).push(bytes), [msg]);
  assert.throws(() => new MessageDecoder({ from: "server" }).push(bytes), {
    code: "unexpected-type",
  });
});

Deno.test("attached: type 0x87 with every field; a server message", () => {
  const bytes = encodeMessage(ATTACHED);
  assert.equal(bytes[0], 0x87);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(5))), {
    version: PROTOCOL_VERSION,
    jobId: JOB,
    fileName: "clip.mp4",
    size: 3_000_000,
    received: 1_048_576,
    uploadDone: false,
    state: "running",
  });
  assert.deepEqual(new MessageDecoder({ from: "server" }).push(bytes), [ATTACHED]);
  assert.throws(() => new MessageDecoder({ from: "client" }).push(bytes), {
    code: "unexpected-type",
  });
});

Deno.test("attach and attached: bad fields are refused, naming them", () => {
  const attach = { version: PROTOCOL_VERSION, jobId: JOB };
  refused(raw(0x06, { ...attach, jobId: "a b" }), "bad-message", /attach\.jobId/);
  refused(raw(0x06, { ...attach, jobId: "" }), "bad-message", /attach\.jobId/);
  refused(raw(0x06, { ...attach, jobId: "x".repeat(65) }), "bad-message", /attach\.jobId/);
  refused(raw(0x06, { ...attach, version: 0 }), "bad-message", /attach\.version/);
  refused(raw(0x06, { version: PROTOCOL_VERSION }), "bad-message", /attach\.jobId/);
  refused(raw(0x06, { ...attach, offset: 5 }), "bad-message", /unknown field "offset"/);
  const { type: _type, ...fields } = ATTACHED;
  const cases: [string, unknown][] = [
    ["received", 3_000_001], // more than the upload
    ["received", -1],
    ["size", 0],
    ["state", "paused"],
    ["uploadDone", "yes"],
    ["fileName", "a/b.mp4"],
    ["fileName", ""],
    ["jobId", "no spaces"],
    ["version", 70_000],
  ];
  for (const [key, value] of cases) {
    refused(raw(0x87, { ...fields, [key]: value }), "bad-message", new RegExp(`attached\\.${key}`));
  }
  refused(raw(0x87, { ...fields, extra: 1 }), "bad-message", /unknown field "extra"/);
  // The encoder refuses what the decoder would.
  assert.throws(() => encodeMessage({ ...ATTACHED, received: 3_000_001 }), {
    code: "bad-message",
  });
  assert.throws(
    () => encodeMessage({ type: "attach", version: PROTOCOL_VERSION, jobId: "../etc" }),
    {
      code: "bad-message",
    },
  );
});

Deno.test("an attach of another version decodes by its frozen fields so the server can refuse it", () => {
  const [msg] = new MessageDecoder().push(
    raw(0x06, { version: PROTOCOL_VERSION + 1, jobId: JOB, resumeKey: "abc", offset: 7 }),
  );
  assert.deepEqual(msg, { type: "attach", version: PROTOCOL_VERSION + 1, jobId: JOB });
  // The frozen fields are still checked.
  refused(raw(0x06, { version: PROTOCOL_VERSION + 1, jobId: 7 }), "bad-message", /attach\.jobId/);
});

Deno.test("attachAuthInput: three lines, no trailing newline", () => {
  assert.equal(attachAuthInput(NONCE, JOB), `vframe-attach-v3\n${NONCE}\n${JOB}`);
  assert.equal(ATTACH_AUTH_DOMAIN, "vframe-attach-v3");
});

Deno.test("attachProof: the known answer of `openssl dgst -sha256 -hmac`", () => {
  // printf 'vframe-attach-v3\n<nonce>\n4f2c9a1e-77b0-4d8e-9c1a-0b5e3f6d2a10' \
  //   | openssl dgst -sha256 -hmac correct-horse-battery-staple
  assert.equal(
    attachProof(TOKEN, NONCE, JOB),
    "845ead5897feca77bba31d0efe9bb0b2d21b1d7ce1141ffc9cbb530c03670e39",
  );
});

Deno.test("verifyAttachProof: right proof passes; another token, nonce, job or kind of proof fails", () => {
  const proof = attachProof(TOKEN, NONCE, JOB);
  assert.equal(verifyAttachProof(TOKEN, NONCE, JOB, proof), true);
  assert.equal(verifyAttachProof(TOKEN + "x", NONCE, JOB, proof), false);
  assert.equal(verifyAttachProof(TOKEN, "ff".repeat(32), JOB, proof), false);
  assert.equal(verifyAttachProof(TOKEN, NONCE, JOB.replace("4f", "5f"), proof), false);
  for (const bad of [undefined, null, "", 42, proof.toUpperCase(), proof.slice(1), TOKEN]) {
    assert.equal(verifyAttachProof(TOKEN, NONCE, JOB, bad), false, String(bad));
  }
  // A proof for a hello is never a proof for an attach, and the other way round.
  const hello = { fileName: JOB, size: 1, filter: "invert", options: {} };
  assert.equal(verifyAttachProof(TOKEN, NONCE, JOB, authProof(TOKEN, NONCE, hello)), false);
  assert.equal(verifyAuthProof(TOKEN, NONCE, hello, proof), false);
  assert.throws(() => attachProof("", NONCE, JOB), TypeError);
});
