import assert from "node:assert/strict";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import {
  type ErrorCode,
  isChunkType,
  MAX_CHUNK_DATA,
  MAX_PAYLOAD,
  type Message,
  type MessageType,
  PROTOCOL_VERSION,
  TYPE_CODES,
} from "../../src/protocol/messages.ts";
import { validateMessage } from "../../src/protocol/validate.ts";
import { concat, counting, rng, sampleMessages, sampleResult } from "./samples.ts";

type Json = Record<string, unknown>;

/** A message with any type code and payload, bypassing the encoder's checks. */
function raw(code: number, payload: Uint8Array, length = payload.length): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = code;
  new DataView(out.buffer).setUint32(1, length);
  out.set(payload, 5);
  return out;
}

/** A JSON message of `type` with `fields` as given, unchecked. */
function json(type: MessageType, fields: unknown): Uint8Array {
  return raw(TYPE_CODES[type], new TextEncoder().encode(JSON.stringify(fields)));
}

function assertRefused(bytes: Uint8Array, code: ErrorCode, text?: RegExp | string): ProtocolError {
  const decoder = new MessageDecoder();
  let caught: unknown;
  try {
    decoder.push(bytes);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError, got ${caught}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof text === "string") assert.ok(caught.message.includes(text), caught.message);
  else if (text) assert.match(caught.message, text);
  return caught;
}

/** The sample of `type` (the first one) as its JSON fields, without `type`. */
function fieldsOf(type: MessageType, pick = 0): Json {
  const msg = sampleMessages().filter((m) => m.type === type)[pick];
  const { type: _type, ...fields } = msg as unknown as Json;
  return structuredClone(fields);
}

function withPatch(type: MessageType, path: string, value: unknown, pick = 0): Json {
  const fields = fieldsOf(type, pick);
  const keys = path.split(".");
  let at: Json = fields;
  for (const key of keys.slice(0, -1)) at = at[key] as Json;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return fields;
}

Deno.test("an unknown type byte is refused as soon as the header is complete", () => {
  for (
    const code of [0x00, 0x07, 0x88, 0x47, /* "G" of "GET / HTTP/1.1" */ 0x16, /* TLS */ 0xff]
  ) {
    assertRefused(
      raw(code, new Uint8Array(0), 10),
      "unknown-type",
      `0x${code.toString(16).padStart(2, "0")}`,
    );
  }
  assertRefused(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"), "unknown-type");
});

Deno.test("a length over the type's limit is refused before any payload is read", () => {
  for (const type of Object.keys(MAX_PAYLOAD) as MessageType[]) {
    const header = raw(TYPE_CODES[type], new Uint8Array(0), MAX_PAYLOAD[type] + 1);
    const error = assertRefused(header, "too-large", `"${type}"`);
    assert.match(error.message, new RegExp(`${MAX_PAYLOAD[type] + 1} bytes`));
  }
  assertRefused(raw(TYPE_CODES["upload-chunk"], new Uint8Array(0), 0xffffffff), "too-large");
});

Deno.test("a payload under the type's minimum is refused", () => {
  assertRefused(raw(TYPE_CODES["upload-chunk"], new Uint8Array(4)), "bad-message", "minimum");
  assertRefused(raw(TYPE_CODES["hello"], new Uint8Array(0)), "bad-message", "minimum");
});

Deno.test("a stream that ends inside a message is truncated; at a boundary it is fine", () => {
  const bytes = encodeMessage(sampleMessages()[0]);
  for (const cut of [1, 4, 5, 6, bytes.length - 1]) {
    const decoder = new MessageDecoder();
    assert.deepEqual(decoder.push(bytes.subarray(0, cut)), []);
    assert.throws(() => decoder.end(), { name: "ProtocolError", code: "truncated" });
  }
  const chunk = encodeMessage({ type: "upload-chunk", data: counting(10) });
  for (const cut of [7, 9, 12]) {
    const decoder = new MessageDecoder();
    decoder.push(chunk.subarray(0, cut));
    assert.throws(() => decoder.end(), { code: "truncated", message: /"upload-chunk"/ });
  }
  const decoder = new MessageDecoder();
  decoder.push(bytes);
  decoder.end();
  new MessageDecoder().end();
});

Deno.test("a payload that is not UTF-8 JSON is bad-json", () => {
  assertRefused(raw(TYPE_CODES.hello, new TextEncoder().encode("{not json")), "bad-json");
  assertRefused(raw(TYPE_CODES.cancel, new Uint8Array([0x7b, 0xff, 0x7d])), "bad-json");
  assertRefused(
    raw(TYPE_CODES.cancel, new TextEncoder().encode('{"reason":"x"} trailing')),
    "bad-json",
  );
});

Deno.test("a JSON payload that is not an object is bad-message", () => {
  for (const value of [[], null, 42, "hello", true]) {
    assertRefused(json("cancel", value), "bad-message", "JSON object");
  }
});

const OPTIONAL = new Set(["cancel.reason", "ack.retryAfterMs"]);

Deno.test("every missing required field is refused, naming the field", () => {
  let checked = 0;
  for (const msg of sampleMessages()) {
    if (isChunkType(msg.type)) continue;
    const { type: _type, ...fields } = msg as unknown as Json;
    for (const key of Object.keys(fields)) {
      if (OPTIONAL.has(`${msg.type}.${key}`)) continue;
      const patched = structuredClone(fields);
      delete patched[key];
      assertRefused(json(msg.type, patched), "bad-message", key);
      checked++;
    }
  }
  for (const key of Object.keys(sampleResult())) {
    if (key === "error" || key === "outputBytes" || key === "finishedAt") continue;
    assertRefused(
      json("result", withPatch("result", `result.${key}`, undefined)),
      "bad-message",
      key,
    );
    checked++;
  }
  assert.ok(checked > 40, `only ${checked} cases`);
});

Deno.test("every field of the wrong JSON type is refused, naming the field", () => {
  const candidates: unknown[] = [null, "7", 7, true, [], {}];
  const kind = (v: unknown) => v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
  let checked = 0;
  for (const msg of sampleMessages()) {
    if (isChunkType(msg.type)) continue;
    const { type: _type, ...fields } = msg as unknown as Json;
    for (const [key, original] of Object.entries(fields)) {
      for (const wrong of candidates) {
        if (kind(wrong) === kind(original)) continue;
        if (msg.type === "progress" && key === "framesTotal" && wrong === null) continue;
        if (msg.type === "progress" && key === "framesTotal" && original === null && wrong === 7) {
          continue;
        }
        assertRefused(json(msg.type, { ...fields, [key]: wrong }), "bad-message", key);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `only ${checked} cases`);
});

Deno.test("fields out of range or of the wrong form are refused, naming the field", () => {
  const cases: [MessageType, string, unknown, number?][] = [
    ["hello", "version", 0],
    ["hello", "version", 65_536],
    ["hello", "version", 1.5],
    ["hello", "size", 0],
    ["hello", "size", -1],
    ["hello", "size", 2 ** 53],
    ["hello", "fileName", ""],
    ["hello", "fileName", "../etc/passwd"],
    ["hello", "fileName", "a/b.mp4"],
    ["hello", "fileName", "a\\b.mp4"],
    ["hello", "fileName", "."],
    ["hello", "fileName", ".."],
    ["hello", "fileName", "x\u0000y"],
    ["hello", "fileName", "x\ny"],
    ["hello", "fileName", "é".repeat(128)],
    ["hello", "fileName", "x\ud800"],
    ["hello", "filter", ""],
    ["hello", "filter", "x".repeat(4097)],
    ["hello", "filter", "blur\n"],
    ["hello", "options.crf", 52],
    ["hello", "options.crf", -1],
    ["hello", "options.crf", 2.5],
    ["hello", "options.preset", "turbo"],
    ["hello", "options.audio", "yes"],
    ["hello", "options.progressIntervalMs", 99],
    ["hello", "options.progressIntervalMs", 60_001],
    ["hello", "options.codec", "native"],
    ["upload-end", "size", 0],
    ["upload-end", "sha256", "AB".repeat(32)],
    ["upload-end", "sha256", "ab".repeat(31) + "a"],
    ["upload-end", "sha256", "zz".repeat(32)],
    ["output-end", "size", -5],
    ["cancel", "reason", "x".repeat(257), 1],
    ["error", "code", "boom"],
    ["error", "message", ""],
    ["error", "message", "x".repeat(1025)],
    ["ack", "jobId", "a b"],
    ["ack", "jobId", ""],
    ["ack", "jobId", "x".repeat(65)],
    ["ack", "version", 0],
    ["ack", "code", "nope", 1],
    ["ack", "reason", "", 1],
    ["ack", "retryAfterMs", -1, 1],
    ["ack", "retryAfterMs", 3_600_001, 1],
    ["challenge", "version", 0],
    ["challenge", "auth", "none"],
    ["challenge", "auth", "password"],
    ["challenge", "nonce", ""],
    ["challenge", "nonce", "5A".repeat(32)],
    ["challenge", "nonce", "5a".repeat(31)],
    ["challenge", "nonce", "5a".repeat(33)],
    ["challenge", "nonce", "zz".repeat(32)],
    ["challenge", "nonce", 42],
    ["auth", "proof", ""],
    ["auth", "proof", undefined],
    ["auth", "proof", "0F".repeat(32)],
    ["auth", "proof", "0f".repeat(31)],
    ["auth", "proof", "0f".repeat(32) + "0"],
    ["auth", "proof", "my-token-in-clear"],
    ["auth", "proof", null],
    ["progress", "stage", "mux"],
    ["progress", "fps", -1],
    ["progress", "framesDecoded", -1],
    ["progress", "framesTotal", -3],
    ["progress", "elapsedMs", 1.5],
    ["result", "result.version", 2],
    ["result", "result.jobId", "no spaces allowed"],
    ["result", "result.state", "weird"],
    ["result", "result.input.width", -1],
    ["result", "result.input.audio", 1],
    ["result", "result.frames.retried", 0.5],
    [
      "result",
      "result.fallbackFrames",
      new Array(20_001).fill({ index: 1, reason: "x", attempts: 1 }),
    ],
    ["result", "result.timings.total", -1],
    ["result", "result.latencyMs.p99", "fast"],
    ["result", "result.backend.queue", "Celery Queue"],
    ["result", "result.backend.codec", "gpu"],
    ["result", "result.startedAt", ""],
    ["result", "result.outputBytes", 1.5],
  ];
  for (const [type, path, value, pick] of cases) {
    const leaf = path.split(".").at(-1)!;
    assertRefused(json(type, withPatch(type, path, value, pick)), "bad-message", leaf);
  }
  const bad = structuredClone(sampleResult()) as unknown as Json;
  (bad.fallbackFrames as Json[])[1].index = -1;
  assertRefused(json("result", { result: bad }), "bad-message", "fallbackFrames[1].index");
  const badWorker = withPatch("result", "result.framesPerWorker", { "w-1": -1 });
  assertRefused(json("result", badWorker), "bad-message", "framesPerWorker.w-1");
});

Deno.test("an unknown field is refused, and so is a `type` inside the payload", () => {
  for (const msg of sampleMessages()) {
    if (isChunkType(msg.type)) continue;
    const { type: _type, ...fields } = msg as unknown as Json;
    assertRefused(json(msg.type, { ...fields, extra: 1 }), "bad-message", '"extra"');
    assertRefused(json(msg.type, { ...fields, type: msg.type }), "bad-message", '"type"');
  }
});

Deno.test("the result JSON keeps fields it does not know (the shared type may grow)", () => {
  const result = { ...sampleResult(), futureField: { a: 1 } };
  const [msg] = new MessageDecoder().push(json("result", { result }));
  assert.deepEqual(msg, { type: "result", result });
});

Deno.test("a hello of another version decodes by its frozen fields so the server can refuse it", () => {
  const fields: Json = {
    ...fieldsOf("hello"),
    version: PROTOCOL_VERSION + 1,
    options: { gpu: true },
    newField: [1, 2],
  };
  const [msg] = new MessageDecoder().push(json("hello", fields));
  assert.deepEqual(msg, {
    type: "hello",
    version: PROTOCOL_VERSION + 1,
    fileName: fields.fileName,
    size: fields.size,
    filter: fields.filter,
    options: {},
  });
  // An older client's hello (version 1, without the fields of this version) decodes the same way.
  const [old] = new MessageDecoder().push(json("hello", { ...fields, version: 1 }));
  assert.equal(old.type === "hello" ? old.version : null, 1);
  // The frozen fields are still required and checked.
  assertRefused(json("hello", { ...fields, fileName: undefined }), "bad-message", "fileName");
  assertRefused(json("hello", { ...fields, size: "big" }), "bad-message", "size");
  assertRefused(json("hello", { ...fields, options: [] }), "bad-message", "options");
});

Deno.test("a chunk whose CRC-32 does not match its data is bad-checksum", () => {
  const good = encodeMessage({ type: "upload-chunk", data: counting(500) });
  for (const at of [5, 8, 9, 300, good.length - 1]) {
    const bad = good.slice();
    bad[at] ^= 0x01;
    assertRefused(bad, "bad-checksum", "CRC-32");
  }
});

Deno.test("after an error the decoder throws the same error on every call", () => {
  const decoder = new MessageDecoder();
  const valid = encodeMessage({ type: "cancel" });
  assert.throws(() => decoder.push(raw(0x47, new Uint8Array(3))), { code: "unknown-type" });
  const first = decoder.error;
  assert.ok(first instanceof ProtocolError);
  assert.throws(() => decoder.push(valid), (e) => e === first);
  assert.throws(() => decoder.end(), (e) => e === first);
});

Deno.test("encodeMessage refuses what the decoder would refuse", () => {
  const progress = sampleMessages().find((m) => m.type === "progress")!;
  const cases: [unknown, ErrorCode, string][] = [
    [{ ...progress, fps: NaN }, "bad-message", "fps"],
    [{ ...progress, framesEncoded: Infinity }, "bad-message", "framesEncoded"],
    [{ type: "upload-chunk", data: new Uint8Array(0) }, "bad-message", "data"],
    [{ type: "upload-chunk", data: new Uint8Array(MAX_CHUNK_DATA + 1) }, "bad-message", "data"],
    [{ type: "output-chunk", data: [1, 2, 3] }, "bad-message", "data"],
    [{ type: "output-chunk", data: counting(3), crc: 1 }, "bad-message", "crc"],
    [{ type: "shout", text: "hi" }, "unknown-type", "shout"],
    [
      { type: "hello", version: PROTOCOL_VERSION, fileName: "a.mp4", size: 1, filter: "x" },
      "bad-message",
      "options",
    ],
    [null, "bad-message", "message"],
  ];
  for (const [msg, code, text] of cases) {
    assert.throws(() => encodeMessage(msg as Message), (e) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, code);
      assert.ok(e.message.includes(text), e.message);
      return true;
    });
    assert.throws(() => validateMessage(msg), ProtocolError);
  }
});

Deno.test("encodeMessage refuses a JSON payload over the type's limit", () => {
  const result = sampleResult();
  result.fallbackFrames = Array.from(
    { length: 5_000 },
    (_, index) => ({ index, reason: "r".repeat(1_000), attempts: 3 }),
  );
  assert.throws(
    () => encodeMessage({ type: "result", result }),
    { name: "ProtocolError", code: "too-large", message: /over the limit of 4194304/ },
  );
});

Deno.test("random and mutated input only ever raises ProtocolError (never a crash)", () => {
  const valid = concat(sampleMessages().map(encodeMessage));
  const next = rng(99);
  let refused = 0;
  for (let round = 0; round < 1500; round++) {
    let bytes: Uint8Array;
    if (round % 3 === 0) {
      bytes = new Uint8Array(1 + Math.floor(next() * 300)).map(() => Math.floor(next() * 256));
    } else {
      bytes = valid.slice();
      const flips = 1 + Math.floor(next() * 4);
      for (let i = 0; i < flips; i++) {
        bytes[Math.floor(next() * bytes.length)] ^= 1 << Math.floor(next() * 8);
      }
    }
    const decoder = new MessageDecoder();
    try {
      let at = 0;
      while (at < bytes.length) {
        const n = 1 + Math.floor(next() * 2000);
        decoder.push(bytes.subarray(at, at + n));
        at += n;
      }
      decoder.end();
    } catch (error) {
      assert.ok(error instanceof ProtocolError, `round ${round}: ${error}`);
      refused++;
    }
  }
  assert.ok(refused > 1000, `only ${refused} refused`);
});
