/** One valid message of every type (and both ack variants), shared by the protocol tests. */
import type { JobResult } from "../../src/protocol/result.ts";
import { type Message, type MessageType, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import { concatBytes } from "../helpers/bytes.ts";

/** Bytes `0, 1, 2, …` of length `n`, wrapping at 256. */
export function counting(n: number, start = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff;
  return out;
}

/** A complete, valid result JSON. */
export function sampleResult(): JobResult {
  return {
    version: 1,
    jobId: "job_42-a",
    state: "done",
    input: {
      fileName: "clip.mp4",
      bytes: 123_456,
      width: 1280,
      height: 720,
      fps: 29.97,
      fpsRational: "30000/1001",
      frames: 300,
      duration: 10.01,
      audio: true,
    },
    filter: "blur=radius=2,grayscale",
    frames: { total: 300, processed: 298, fallback: 2, retried: 3 },
    fallbackFrames: [
      { index: 17, reason: "timeout after 10000 ms", attempts: 3 },
      { index: 18, reason: "worker crashed", attempts: 3 },
    ],
    timings: { upload: 120, decode: 900.5, process: 1500, encode: 2000, total: 4100 },
    throughputFps: 73.2,
    latencyMs: { p50: 12, p95: 40.5, p99: 80 },
    framesPerWorker: { "w-1": 150, "w-2": 150 },
    backend: { queue: "embedded", codec: "wasm" },
    outputBytes: 99_000,
    startedAt: "2026-11-02T10:00:00.000Z",
    finishedAt: "2026-11-02T10:00:04.100Z",
  };
}

/** One valid message per type, plus the second `ack` variant and optional-field variants. */
export function sampleMessages(): Message[] {
  return [
    {
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: "clip – été.mp4",
      size: 3_000_000,
      filter: "blur=radius=3:sigma=1.5,grayscale",
      options: { crf: 20, preset: "ultrafast", audio: false, progressIntervalMs: 250 },
    },
    {
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: "a",
      size: 1,
      filter: "invert",
      options: {},
    },
    { type: "attach", version: PROTOCOL_VERSION, jobId: "4f2c9a1e-77b0-4d8e-9c1a-0b5e3f6d2a10" },
    {
      type: "attached",
      version: PROTOCOL_VERSION,
      jobId: "job_42-a",
      fileName: "clip – été.mp4",
      size: 3_000_000,
      received: 1_048_576,
      uploadDone: false,
      state: "running",
    },
    {
      type: "attached",
      version: PROTOCOL_VERSION,
      jobId: "job_42-a",
      fileName: "a",
      size: 1,
      received: 1,
      uploadDone: true,
      state: "done",
    },
    { type: "challenge", version: PROTOCOL_VERSION, auth: "token", nonce: "5a".repeat(32) },
    { type: "auth", proof: "0f".repeat(32) },
    { type: "upload-chunk", data: counting(1000) },
    { type: "upload-chunk", data: counting(1) },
    { type: "upload-end", size: 3_000_000, sha256: "ab".repeat(32) },
    { type: "cancel" },
    { type: "cancel", reason: "user pressed ctrl-c" },
    { type: "error", code: "file-checksum", message: "upload SHA-256 does not match" },
    { type: "error", code: "detached", message: "another connection attached to job x" },
    { type: "ack", ok: true, version: 1, jobId: "job_42-a" },
    {
      type: "ack",
      ok: false,
      version: 1,
      code: "server-busy",
      reason: "4 jobs running",
      retryAfterMs: 5000,
    },
    { type: "ack", ok: false, version: 2, code: "version-mismatch", reason: "speaks 2" },
    { type: "ack", ok: false, version: 2, code: "unauthorized", reason: "bad or missing token" },
    { type: "ack", ok: false, version: 3, code: "unknown-job", reason: "no job x on this server" },
    {
      type: "progress",
      stage: "process",
      bytesReceived: 3_000_000,
      framesTotal: 300,
      framesDecoded: 120,
      framesProcessed: 100,
      framesEncoded: 90,
      fallbackFrames: 1,
      fps: 41.5,
      elapsedMs: 2400,
    },
    {
      type: "progress",
      stage: "upload",
      bytesReceived: 10,
      framesTotal: null,
      framesDecoded: 0,
      framesProcessed: 0,
      framesEncoded: 0,
      fallbackFrames: 0,
      fps: 0,
      elapsedMs: 0,
    },
    { type: "result", result: sampleResult() },
    { type: "output-chunk", data: counting(70_000, 7) },
    { type: "output-end", size: 70_000, sha256: "0123456789abcdef".repeat(4) },
  ];
}

/** Every message type, to check that the samples cover them all. */
export const ALL_TYPES: readonly MessageType[] = [
  "hello",
  "upload-chunk",
  "upload-end",
  "cancel",
  "auth",
  "error",
  "ack",
  "progress",
  "result",
  "output-chunk",
  "output-end",
  "challenge",
  "attach",
  "attached",
];

/** A deterministic pseudo-random generator (mulberry32), so failures can be replayed. */
export { rng } from "../filters/helpers.ts";

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}
