/**
 * `result.warnings`, an optional field of the result JSON added without a protocol version change:
 * a result with it round-trips, one without it is still valid (older servers), and bad entries are
 * refused naming the entry.
 */
import assert from "node:assert/strict";
import { encodeMessage, MessageDecoder } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import { MAX_WARNINGS } from "../../src/protocol/result_check.ts";
import { sampleResult } from "./samples.ts";

function decode(result: unknown) {
  const bytes = encodeMessage({ type: "result", result } as never);
  return new MessageDecoder().push(bytes)[0];
}

function refused(result: unknown, text: RegExp) {
  const body = new TextEncoder().encode(JSON.stringify({ result }));
  const bytes = new Uint8Array(5 + body.length);
  bytes[0] = 0x83;
  new DataView(bytes.buffer).setUint32(1, body.length);
  bytes.set(body, 5);
  assert.throws(
    () => new MessageDecoder().push(bytes),
    (e: Error) => e instanceof ProtocolError && e.code === "bad-message" && text.test(e.message),
  );
}

Deno.test("result.warnings: optional, round-trips, entries checked", () => {
  const plain = sampleResult();
  assert.deepEqual(decode(plain), { type: "result", result: plain });
  const warned = {
    ...sampleResult(),
    warnings: ["no live bullmq worker when the job was admitted"],
  };
  assert.deepEqual(decode(warned), { type: "result", result: warned });
  refused({ ...sampleResult(), warnings: "x" }, /result\.warnings must be an array/);
  refused({ ...sampleResult(), warnings: [1] }, /result\.warnings\[0\] must be a string/);
  refused({ ...sampleResult(), warnings: ["x".repeat(1025)] }, /result\.warnings\[0\]/);
  refused(
    { ...sampleResult(), warnings: Array(MAX_WARNINGS + 1).fill("x") },
    /at most 16 entries/,
  );
});
