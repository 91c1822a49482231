import assert from "node:assert/strict";
import { checkJobData } from "../../src/queue/bullmq/job_data.ts";
import { bullJobId, cancelKey, inputKey, outputKey } from "../../src/queue/bullmq/keys.ts";
import {
  decodeResult,
  encodeResult,
  ResultFormatError,
} from "../../src/queue/bullmq/result_codec.ts";
import { redactUrl, redisOptionsFromUrl } from "../../src/queue/bullmq/redis.ts";

Deno.test("result codec round-trips header and frame bytes", () => {
  const frame = new Uint8Array(1000).map((_, i) => (i * 31) & 255);
  const meta = { worker: "host-a:123", attempts: 2, ms: 1.25 };
  const buf = encodeResult(meta, frame);
  assert.equal(buf.length, frame.length + 8 + JSON.stringify(meta).length);
  const out = decodeResult(buf);
  assert.deepEqual(out.meta, meta);
  assert.deepEqual(out.data, frame);
  // decoding works on a view at an offset too (ioredis Buffers can share a pool)
  const padded = new Uint8Array(buf.length + 5);
  padded.set(buf, 5);
  assert.deepEqual(decodeResult(padded.subarray(5)).data, frame);
});

Deno.test("result codec carries a failed attempt's reason and permanence, no frame", () => {
  const meta = {
    worker: "w",
    attempts: 3,
    ms: 0,
    error: { reason: "timeout after 400 ms", permanent: false },
  };
  const out = decodeResult(encodeResult(meta, new Uint8Array(0)));
  assert.deepEqual(out.meta, meta);
  assert.equal(out.data.length, 0);
  const bad = encodeResult(
    { worker: "w", attempts: 1, ms: 0, error: { reason: 5 } as never },
    new Uint8Array(0),
  );
  assert.throws(() => decodeResult(bad), /malformed error/);
});

Deno.test("result codec rejects foreign values", () => {
  assert.throws(() => decodeResult(new Uint8Array([1, 2, 3])), ResultFormatError);
  const buf = encodeResult({ worker: "w", attempts: 1, ms: 0 }, new Uint8Array(4));
  new DataView(buf.buffer).setUint32(4, 9999, true);
  assert.throws(() => decodeResult(buf), /header length 9999 exceeds/);
  const bad = encodeResult({ worker: 5 } as never, new Uint8Array(1));
  assert.throws(() => decodeResult(bad), /lacks worker\/attempts/);
});

Deno.test("keys carry the vframe prefix and the server job id; job ids avoid ':'", () => {
  assert.equal(inputKey("j1", 7), "vframe:j1:in:7");
  assert.equal(outputKey("j1", 7, 2), "vframe:j1:out:7:2");
  assert.equal(cancelKey("j1"), "vframe:j1:cancelled");
  assert.equal(bullJobId("a:b", 3, 9), "vf.a%3Ab.3.9");
  assert.ok(!bullJobId("x:y:z", 1, 1).includes(":"));
});

Deno.test("checkJobData accepts a job and names the first bad field", () => {
  const good = {
    jobId: "j",
    index: 0,
    width: 2,
    height: 2,
    chain: "v1:invert",
    inKey: "a",
    outKey: "b",
    cancelKey: "c",
    attempt: 1,
    timeoutMs: 10,
    ttlMs: 100,
  };
  assert.deepEqual(checkJobData(good), good);
  assert.throws(() => checkJobData(null), /must be an object/);
  assert.throws(() => checkJobData({ ...good, inKey: "" }), /data\.inKey .* got $/);
  assert.throws(() => checkJobData({ ...good, index: -1 }), /data\.index .* >= 0, got -1/);
  assert.throws(() => checkJobData({ ...good, width: 1.5 }), /data\.width .* got 1\.5/);
  assert.throws(() => checkJobData({ ...good, attempt: 0 }), /data\.attempt .* >= 1, got 0/);
});

Deno.test("redisOptionsFromUrl parses host, port, db, credentials, TLS, IPv6", () => {
  assert.deepEqual(redisOptionsFromUrl("redis://localhost"), {
    host: "localhost",
    port: 6379,
    db: 0,
    family: 0,
  });
  assert.deepEqual(redisOptionsFromUrl("rediss://u:p%40ss@10.0.0.5:6380/2"), {
    host: "10.0.0.5",
    port: 6380,
    db: 2,
    family: 0,
    username: "u",
    password: "p@ss",
    tls: {},
  });
  assert.deepEqual(redisOptionsFromUrl("redis://[::1]:7000"), {
    host: "::1",
    port: 7000,
    db: 0,
    family: 6,
  });
  assert.throws(() => redisOptionsFromUrl("http://x"), /redis:\/\/ or rediss:\/\/, got 'http:'/);
  assert.throws(() => redisOptionsFromUrl("localhost:6379"), /redis:\/\/ or rediss:\/\//);
  assert.throws(() => redisOptionsFromUrl("nonsense"), /must look like redis:\/\/host:port/);
  assert.throws(() => redisOptionsFromUrl("redis://h/x"), /database .* got 'x'/);
  assert.equal(redactUrl("redis://u:secret@h:1"), "redis://u:***@h:1");
});
