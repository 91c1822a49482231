import assert from "node:assert/strict";
import { crc32 } from "../../src/protocol/checksum.ts";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import {
  HEADER_BYTES,
  MAX_CHUNK_DATA,
  type Message,
  SENDERS,
  TYPE_CODES,
} from "../../src/protocol/messages.ts";
import { ALL_TYPES, concat, counting, rng, sampleMessages } from "./samples.ts";

function decodeAll(bytes: Uint8Array, splits: number[] = []): Message[] {
  const decoder = new MessageDecoder();
  const out: Message[] = [];
  let at = 0;
  for (const cut of [...splits, bytes.length]) {
    out.push(...decoder.push(bytes.subarray(at, cut)));
    at = cut;
  }
  decoder.end();
  assert.equal(decoder.buffered, 0);
  return out;
}

Deno.test("samples cover every message type", () => {
  const seen = new Set(sampleMessages().map((m) => m.type));
  assert.deepEqual([...seen].sort(), [...ALL_TYPES].sort());
  assert.deepEqual(Object.keys(TYPE_CODES).sort(), [...ALL_TYPES].sort());
});

Deno.test("every message round-trips through encode and decode", () => {
  for (const msg of sampleMessages()) {
    const decoded = decodeAll(encodeMessage(msg));
    assert.deepEqual(decoded, [msg], msg.type);
  }
});

Deno.test("a JSON message is type, big-endian length, then its fields as UTF-8 JSON", () => {
  const msg: Message = { type: "upload-end", size: 5, sha256: "cd".repeat(32) };
  const bytes = encodeMessage(msg);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(bytes[0], 0x03);
  assert.equal(view.getUint32(1, false), bytes.length - HEADER_BYTES);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_BYTES)));
  assert.deepEqual(json, { size: 5, sha256: "cd".repeat(32) });
});

Deno.test("a chunk is type, big-endian length, big-endian CRC-32, then the raw data", () => {
  const data = counting(300, 9);
  const bytes = encodeMessage({ type: "output-chunk", data });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(bytes[0], 0x84);
  assert.equal(view.getUint32(1, false), 4 + 300);
  assert.equal(view.getUint32(5, false), crc32(data));
  assert.deepEqual(bytes.subarray(9), data);
});

Deno.test("a decoded chunk owns its bytes: a buffer of exactly its data, not the input", () => {
  const input = encodeMessage({ type: "upload-chunk", data: counting(100) });
  const [msg] = new MessageDecoder().push(input);
  assert.equal(msg.type, "upload-chunk");
  if (msg.type !== "upload-chunk") return;
  assert.equal(msg.data.byteOffset, 0);
  assert.equal(msg.data.buffer.byteLength, 100);
  input.fill(0);
  assert.deepEqual(msg.data, counting(100));
});

Deno.test("a chunk of the largest size round-trips", () => {
  const data = counting(MAX_CHUNK_DATA, 3);
  const [msg] = decodeAll(encodeMessage({ type: "upload-chunk", data }));
  assert.deepEqual(msg, { type: "upload-chunk", data });
});

Deno.test("a stream of every message decodes fed one byte at a time", () => {
  const messages = sampleMessages();
  const stream = concat(messages.map(encodeMessage));
  const decoder = new MessageDecoder();
  const out: Message[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
  decoder.end();
  assert.deepEqual(out, messages);
});

Deno.test("a stream of every message decodes across random splits", () => {
  const messages = sampleMessages();
  const stream = concat(messages.map(encodeMessage));
  for (let seed = 1; seed <= 200; seed++) {
    const next = rng(seed);
    const cuts: number[] = [];
    let at = 0;
    while (true) {
      // Mostly small pieces, sometimes large ones, sometimes empty ones.
      const r = next();
      at += r < 0.1 ? 0 : r < 0.8 ? Math.floor(next() * 16) : Math.floor(next() * 40_000);
      if (at >= stream.length) break;
      cuts.push(at);
    }
    assert.deepEqual(decodeAll(stream, cuts), messages, `seed ${seed}`);
  }
});

Deno.test("the decoder returns several messages from one push, in order", () => {
  const messages = sampleMessages();
  const decoder = new MessageDecoder();
  assert.deepEqual(decoder.push(concat(messages.map(encodeMessage))), messages);
});

Deno.test("buffered counts the bytes of an incomplete message", () => {
  const bytes = encodeMessage({ type: "cancel", reason: "bye" });
  const decoder = new MessageDecoder();
  assert.deepEqual(decoder.push(bytes.subarray(0, 3)), []);
  assert.equal(decoder.buffered, 3);
  assert.deepEqual(decoder.push(bytes.subarray(3, bytes.length - 1)), []);
  assert.equal(decoder.buffered, bytes.length - 1);
  assert.deepEqual(decoder.push(bytes.subarray(bytes.length - 1)), [
    { type: "cancel", reason: "bye" },
  ]);
  assert.equal(decoder.buffered, 0);
});

Deno.test("a decoder for one peer accepts exactly that peer's message types", () => {
  for (const msg of sampleMessages()) {
    for (const from of ["client", "server"] as const) {
      const decoder = new MessageDecoder({ from });
      const bytes = encodeMessage(msg);
      if (SENDERS[msg.type].includes(from)) {
        assert.deepEqual(decoder.push(bytes), [msg]);
      } else {
        assert.throws(() => decoder.push(bytes), {
          name: "ProtocolError",
          code: "unexpected-type",
        });
      }
    }
  }
  assert.throws(() => new MessageDecoder({ from: "peer" as "client" }), TypeError);
});

Deno.test("type codes are unique, non-zero bytes", () => {
  const codes = Object.values(TYPE_CODES);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.ok(code > 0 && code < 256);
});
