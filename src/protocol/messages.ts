/**
 * The messages of vframe's wire protocol (version {@link PROTOCOL_VERSION}), their type codes and
 * their size limits. Types and constants only: see `codec.ts` for the byte layout and
 * `docs/protocol.md` for the whole protocol.
 *
 * Every message on the wire is a 5-byte header — a 1-byte type code and a 4-byte big-endian
 * payload length — followed by the payload: UTF-8 JSON (the message's fields except `type`) for
 * control messages, or a 4-byte big-endian CRC-32 followed by raw bytes for chunks.
 */
import type { JobResult } from "./result.ts";
import { type Preset, PRESETS } from "../codec/presets.ts";

/** The protocol version this code speaks. Any change to the wire format increments it. */
export const PROTOCOL_VERSION = 4;

/** x264 presets a client may ask for: all but `placebo`, whose cost a server should not accept. */
export const X264_PRESETS = PRESETS.filter((p): p is Exclude<Preset, "placebo"> => p !== "placebo");

/** One of {@link X264_PRESETS}. */
export type X264Preset = typeof X264_PRESETS[number];

/** Encoding and reporting options of a job. Every field is optional; the defaults are the server's. */
export interface JobOptions {
  /** x264 constant rate factor, integer 0..51 (server default 23). */
  crf?: number;
  /** x264 preset (server default `veryfast`). */
  preset?: X264Preset;
  /** Carry the input's audio streams into the output (default true). */
  audio?: boolean;
  /** How often the server sends `progress` while the job runs, integer ms 100..60_000 (default 500). */
  progressIntervalMs?: number;
}

/** Why a server refuses a job in its `ack`. */
export const REFUSAL_CODES = [
  "version-mismatch",
  "unknown-filter",
  "bad-filter",
  "too-large",
  "server-busy",
  "unauthorized",
  "unknown-job",
] as const;

/** One of {@link REFUSAL_CODES}. */
export type RefusalCode = typeof REFUSAL_CODES[number];

/** Codes of `error` messages and of {@link ProtocolError}. See docs/protocol.md for each. */
export const ERROR_CODES = [
  "unknown-type",
  "unexpected-type",
  "too-large",
  "truncated",
  "bad-json",
  "bad-message",
  "bad-checksum",
  "unexpected-message",
  "size-mismatch",
  "file-checksum",
  "timeout",
  "cancelled",
  "detached",
  "internal",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

/** How a client proves it may run jobs, named in `challenge.auth`: HMAC-SHA256 with a shared token. */
export const AUTH_METHODS = ["token"] as const;

/** One of {@link AUTH_METHODS}. */
export type AuthMethod = typeof AUTH_METHODS[number];

/** Random bytes in `challenge.nonce` (sent as twice as many hex digits). */
export const NONCE_BYTES = 32;

/** States of a job: `result.state` and `attached.state`. */
export const JOB_STATES = ["queued", "running", "done", "failed", "cancelled"] as const;

/** One of {@link JOB_STATES}. */
export type JobState = typeof JOB_STATES[number];

/** Stages a job goes through, in order; `progress.stage` names the earliest unfinished one. */
export const STAGES = ["upload", "decode", "process", "encode"] as const;

/** One of {@link STAGES}. */
export type Stage = typeof STAGES[number];

/** Client → server, first message: what to do. */
export interface HelloMessage {
  type: "hello";
  /** The protocol version the client speaks, integer 1..65535. */
  version: number;
  /** The input's base name, 1..255 UTF-8 bytes, no `/`, `\`, control characters; not `.`/`..`. */
  fileName: string;
  /** Exact size of the upload in bytes, integer ≥ 1. */
  size: number;
  /** Filter chain in ffmpeg `-vf` syntax, 1..4096 characters, no control characters. */
  filter: string;
  options: JobOptions;
  /**
   * The images the chain names by reference (overlay's `file=vframe-asset-<sha256>`), each once:
   * at most {@link FIELD_LIMITS}.assets, {@link FIELD_LIMITS}.assetBytes bytes in all. Version 4.
   */
  assets?: HelloAsset[];
}

/** An image sent with a `hello`: a PNG file, named in the chain by its SHA-256. */
export interface HelloAsset {
  /** SHA-256 of the bytes, 64 lowercase hex digits. */
  sha256: string;
  /** The file's bytes, base64 (RFC 4648, with padding), 1..assetBytes bytes decoded. */
  data: string;
}

/**
 * Client → server, first message instead of `hello`: follow a job this party started earlier on
 * another connection (re-attach after a dropped connection, resume its upload, fetch its result
 * and output). Answered like a `hello`: `challenge` when the server requires a token, then
 * `attached`, or `ack` with `ok: false`.
 */
export interface AttachMessage {
  type: "attach";
  /** The protocol version the client speaks, integer 1..65535. */
  version: number;
  /** The `ack.jobId` of the job, 1..64 characters of `[A-Za-z0-9_-]`. */
  jobId: string;
}

/**
 * Server → client, answer to `attach` (or to its `auth`): this connection now follows the job.
 * With `uploadDone` false the client sends the rest of the upload — `upload-chunk`s from byte
 * `received` on, then `upload-end` — else nothing; then `progress`, `result` and the output
 * follow as after `ack`.
 */
export interface AttachedMessage {
  type: "attached";
  /** The protocol version the server speaks. */
  version: number;
  jobId: string;
  /** `hello.fileName` of the job. */
  fileName: string;
  /** `hello.size`: the whole upload, bytes. */
  size: number;
  /** Upload bytes the server has stored, 0..size: the upload resumes from here. */
  received: number;
  /** Whether the upload is complete and checked (`upload-end` accepted). */
  uploadDone: boolean;
  /** The job's state now. */
  state: JobState;
}

/**
 * Server → client, answer to a `hello` or an `attach` of this version when the server requires a
 * token (a server without access control answers with `ack` or `attached` directly): prove that
 * you know the token.
 */
export interface ChallengeMessage {
  type: "challenge";
  /** The protocol version the server speaks. */
  version: number;
  /** How to answer: one of {@link AUTH_METHODS}. */
  auth: AuthMethod;
  /** {@link NONCE_BYTES} fresh random bytes as lowercase hex, new for every connection. */
  nonce: string;
}

/**
 * Client → server, answer to `challenge`: HMAC-SHA256 keyed with the shared token over the nonce
 * and the hello (exact input: `authInput` in `auth.ts`), or over the nonce and the job id after an
 * `attach` (`attachAuthInput`). The token itself never crosses the wire.
 */
export interface AuthMessage {
  type: "auth";
  /** The HMAC-SHA256, 64 lowercase hex digits. */
  proof: string;
}

/** Client → server: a piece of the input file, in order. `data` is 1..{@link MAX_CHUNK_DATA} bytes. */
export interface UploadChunkMessage {
  type: "upload-chunk";
  data: Uint8Array;
}

/** Client → server: the upload is complete; the server checks both fields. */
export interface UploadEndMessage {
  type: "upload-end";
  /** Bytes sent in all `upload-chunk`s; must equal `hello.size`. */
  size: number;
  /** SHA-256 of the whole file, 64 lowercase hex digits. */
  sha256: string;
}

/** Client → server, at any time after `hello`: stop the job. */
export interface CancelMessage {
  type: "cancel";
  /** Why, for the logs, at most 256 characters. */
  reason?: string;
}

/** Server → client: the job is accepted… */
export interface AcceptMessage {
  type: "ack";
  ok: true;
  /** The protocol version the server speaks. */
  version: number;
  /** 1..64 characters of `[A-Za-z0-9_-]`. */
  jobId: string;
}

/** …or refused (also the refusal of an `attach`); the server closes the connection after it. */
export interface RefuseMessage {
  type: "ack";
  ok: false;
  /** The protocol version the server speaks. */
  version: number;
  code: RefusalCode;
  /** Human-readable explanation, 1..1024 characters. */
  reason: string;
  /** With `server-busy`: when trying again makes sense, integer ms 0..3_600_000. */
  retryAfterMs?: number;
}

/**
 * Server → client, answer to `hello` (or to `auth` after a `challenge`): accept or refuse. An
 * `attach` is refused with it too (accepted: `attached`).
 */
export type AckMessage = AcceptMessage | RefuseMessage;

/** Server → client, while the job runs: counters so far. Integers ≥ 0 unless said otherwise. */
export interface ProgressMessage {
  type: "progress";
  /** The earliest stage not finished yet. */
  stage: Stage;
  bytesReceived: number;
  /** Frames in the input, `null` until the server knows. */
  framesTotal: number | null;
  framesDecoded: number;
  /** Frames filtered, or replaced by the original as a fallback. */
  framesProcessed: number;
  framesEncoded: number;
  /** Frames for which the original was used. */
  fallbackFrames: number;
  /**
   * Frames processed (or fallen back) per second over the last 3 s (since the start while the job
   * is younger), finite number ≥ 0: the figure the preview shows.
   */
  fps: number;
  /** Milliseconds since the job started. */
  elapsedMs: number;
}

/** Server → client, once: the result JSON. With state `done`, output chunks follow. */
export interface ResultMessage {
  type: "result";
  result: JobResult;
}

/** Server → client: a piece of the output MP4, in order. `data` is 1..{@link MAX_CHUNK_DATA} bytes. */
export interface OutputChunkMessage {
  type: "output-chunk";
  data: Uint8Array;
}

/** Server → client, last message of a successful job. */
export interface OutputEndMessage {
  type: "output-end";
  /** Bytes sent in all `output-chunk`s. */
  size: number;
  /** SHA-256 of the whole output, 64 lowercase hex digits. */
  sha256: string;
}

/** Either direction: something went wrong; the sender closes the connection after it. */
export interface ErrorMessage {
  type: "error";
  code: ErrorCode;
  /** Human-readable explanation, 1..1024 characters. */
  message: string;
}

/** Messages a client sends. */
export type ClientMessage =
  | HelloMessage
  | AttachMessage
  | AuthMessage
  | UploadChunkMessage
  | UploadEndMessage
  | CancelMessage
  | ErrorMessage;

/** Messages a server sends. */
export type ServerMessage =
  | ChallengeMessage
  | AckMessage
  | AttachedMessage
  | ProgressMessage
  | ResultMessage
  | OutputChunkMessage
  | OutputEndMessage
  | ErrorMessage;

/** Any protocol message. */
export type Message = ClientMessage | ServerMessage;

/** The `type` of a message. */
export type MessageType = Message["type"];

/** Which side of a connection sends a message. */
export type Peer = "client" | "server";

/** Bytes of a message header: 1-byte type code + 4-byte big-endian payload length. */
export const HEADER_BYTES = 5;

/** Bytes of the CRC-32 at the start of a chunk payload. */
export const CHUNK_CRC_BYTES = 4;

/** Largest `data` of one `upload-chunk` or `output-chunk`: 1 MiB. */
export const MAX_CHUNK_DATA = 1_048_576;

/** Type code of each message type (the first byte of its header). */
export const TYPE_CODES: Readonly<Record<MessageType, number>> = Object.freeze({
  "hello": 0x01,
  "upload-chunk": 0x02,
  "upload-end": 0x03,
  "cancel": 0x04,
  "auth": 0x05,
  "attach": 0x06,
  "error": 0x7f,
  "ack": 0x81,
  "progress": 0x82,
  "result": 0x83,
  "output-chunk": 0x84,
  "output-end": 0x85,
  "challenge": 0x86,
  "attached": 0x87,
});

/** Message type of each type code. */
export const TYPES_BY_CODE: ReadonlyMap<number, MessageType> = new Map(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as MessageType]),
);

/** Which peers may send each message type. */
export const SENDERS: Readonly<Record<MessageType, readonly Peer[]>> = Object.freeze({
  "hello": ["client"],
  "upload-chunk": ["client"],
  "upload-end": ["client"],
  "cancel": ["client"],
  "auth": ["client"],
  "attach": ["client"],
  "error": ["client", "server"],
  "ack": ["server"],
  "progress": ["server"],
  "result": ["server"],
  "output-chunk": ["server"],
  "output-end": ["server"],
  "challenge": ["server"],
  "attached": ["server"],
});

/** Largest `hello` payload without assets, and what each asset adds besides its data. */
const HELLO_BASE_BYTES = 16_384;
const ASSET_OVERHEAD_BYTES = 128;
const MAX_ASSETS = 4;
const MAX_ASSET_BYTES = 4_194_304;

/** Largest payload of each message type, in bytes (the header's length field). */
export const MAX_PAYLOAD: Readonly<Record<MessageType, number>> = Object.freeze({
  // Images sent with the chain (base64: 4 characters per 3 bytes).
  "hello": HELLO_BASE_BYTES + Math.ceil(MAX_ASSET_BYTES / 3) * 4 +
    MAX_ASSETS * ASSET_OVERHEAD_BYTES,
  "upload-chunk": CHUNK_CRC_BYTES + MAX_CHUNK_DATA,
  "upload-end": 1_024,
  "cancel": 1_024,
  "auth": 1_024,
  "attach": 1_024,
  "error": 4_096,
  "ack": 4_096,
  "progress": 1_024,
  "result": 4_194_304,
  "output-chunk": CHUNK_CRC_BYTES + MAX_CHUNK_DATA,
  "output-end": 1_024,
  "challenge": 1_024,
  "attached": 2_048,
});

/** Smallest payload of each message type: a chunk carries at least one byte of data. */
export const MIN_PAYLOAD: Readonly<Record<MessageType, number>> = Object.freeze({
  "hello": 2,
  "upload-chunk": CHUNK_CRC_BYTES + 1,
  "upload-end": 2,
  "cancel": 2,
  "auth": 2,
  "attach": 2,
  "error": 2,
  "ack": 2,
  "progress": 2,
  "result": 2,
  "output-chunk": CHUNK_CRC_BYTES + 1,
  "output-end": 2,
  "challenge": 2,
  "attached": 2,
});

/** Field limits of JSON payloads (characters unless said otherwise). */
export const FIELD_LIMITS = Object.freeze({
  /** `hello.fileName`, in UTF-8 bytes. */
  fileNameBytes: 255,
  /** `hello.filter`. */
  filter: 4_096,
  /** `hello.assets`: how many images. */
  assets: MAX_ASSETS,
  /** `hello.assets`: their bytes in all (decoded): 4 MiB. */
  assetBytes: MAX_ASSET_BYTES,
  /** `ack.jobId`, `attach.jobId`, `attached.jobId`. */
  jobId: 64,
  /** `ack.reason`, `error.message`. */
  reason: 1_024,
  /** `cancel.reason`. */
  cancelReason: 256,
  /** `ack.retryAfterMs`. */
  retryAfterMs: 3_600_000,
  /** `hello.version`, `attach.version`, `ack.version`, `challenge.version`, `attached.version`. */
  version: 65_535,
});

/** Whether `type` carries raw bytes (a CRC-32 and data) rather than JSON. */
export function isChunkType(type: MessageType): type is "upload-chunk" | "output-chunk" {
  return type === "upload-chunk" || type === "output-chunk";
}
