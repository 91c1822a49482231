/**
 * Schema checks of every message: the same checks run before encoding (to catch a sender's bug
 * where it happens) and after decoding (to refuse a peer's bad input). Checked messages are
 * rebuilt from the known fields only, so nothing unchecked reaches the caller — except inside
 * `result.result` (see `result_check.ts`) and a `hello` or an `attach` of another protocol version
 * (below).
 */
import { ProtocolError } from "./errors.ts";
import {
  bool,
  fail,
  int,
  isObject,
  type JsonObject,
  list,
  num,
  object,
  oneOf,
  onlyKeys,
  optional,
  show,
  str,
} from "./fields.ts";
import {
  AUTH_METHODS,
  ERROR_CODES,
  FIELD_LIMITS,
  type HelloAsset,
  isChunkType,
  JOB_STATES,
  type JobOptions,
  MAX_CHUNK_DATA,
  type Message,
  type MessageType,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  REFUSAL_CODES,
  STAGES,
  TYPE_CODES,
  X264_PRESETS,
} from "./messages.ts";
import { checkJobResult, JOB_ID } from "./result_check.ts";

const MAX_SIZE = Number.MAX_SAFE_INTEGER;
const COUNT = { min: 0 };
const SHA256 = { min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, describe: "64 lowercase hex digits" };
const VERSION = { min: 1, max: FIELD_LIMITS.version };
const NONCE = {
  min: 2 * NONCE_BYTES,
  max: 2 * NONCE_BYTES,
  pattern: new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`),
  describe: `${2 * NONCE_BYTES} lowercase hex digits`,
};
const PROOF = { ...SHA256 };
const REASON = { min: 1, max: FIELD_LIMITS.reason };

function checkFileName(obj: JsonObject, path: string): string {
  const name = str(obj, "fileName", path, {
    min: 1,
    max: FIELD_LIMITS.fileNameBytes,
    maxBytes: FIELD_LIMITS.fileNameBytes,
    noControl: true,
  });
  if (name.includes("/") || name.includes("\\") || name === "." || name === "..") {
    fail(`${path}.fileName`, 'a base name (no "/" or "\\", not "." or "..")', name);
  }
  return name;
}

const BASE64 = { min: 4, max: Math.ceil(FIELD_LIMITS.assetBytes / 3) * 4 };

/** The base64 alphabet (RFC 4648), by character code. */
const BASE64_CHARS = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
  BASE64_CHARS[c.charCodeAt(0)] = 1;
}

/**
 * Whether `text` is padded base64: whole groups of 4, the alphabet, at most two `=` at the end.
 * A loop, not a regular expression: a backtracking match of megabytes overflows V8's stack.
 */
function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  for (let i = 0; i < text.length - pad; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_CHARS[c] === 0) return false;
  }
  return true;
}

/** Bytes that a padded base64 text decodes to. */
function base64Bytes(text: string): number {
  return (text.length / 4) * 3 - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0);
}

/** `hello.assets`: the images sent with the chain, each hash once, within the size limit. */
function checkAssets(fields: JsonObject, path: string): HelloAsset[] {
  const entries = list(fields, "assets", path, FIELD_LIMITS.assets);
  const assets: HelloAsset[] = [];
  let bytes = 0;
  entries.forEach((entry, i) => {
    const at = `${path}.assets[${i}]`;
    const o = object(entry, at);
    onlyKeys(o, ["sha256", "data"], at);
    const asset = { sha256: str(o, "sha256", at, SHA256), data: str(o, "data", at, BASE64) };
    if (!isBase64(asset.data)) fail(`${at}.data`, "base64 (RFC 4648, padded)", asset.data);
    if (assets.some((a) => a.sha256 === asset.sha256)) {
      fail(`${at}.sha256`, "a hash not already in hello.assets", asset.sha256);
    }
    bytes += base64Bytes(asset.data);
    if (bytes > FIELD_LIMITS.assetBytes) {
      fail(`${at}.data`, `images of at most ${FIELD_LIMITS.assetBytes} bytes in all`, bytes);
    }
    assets.push(asset);
  });
  return assets;
}

/** Options of another protocol version: must be an object; not ours to read. */
function foreignOptions(value: unknown, path: string): JobOptions {
  object(value, `${path}.options`);
  return {};
}

function checkOptions(value: unknown, parent: string): JobOptions {
  const path = `${parent}.options`;
  const o = object(value, path);
  onlyKeys(o, ["crf", "preset", "audio", "progressIntervalMs"], path);
  const options: JobOptions = {};
  const crf = optional(o, "crf", () => int(o, "crf", path, { min: 0, max: 51 }));
  if (crf !== undefined) options.crf = crf;
  const preset = optional(o, "preset", () => oneOf(o, "preset", path, X264_PRESETS));
  if (preset !== undefined) options.preset = preset;
  const audio = optional(o, "audio", () => bool(o, "audio", path));
  if (audio !== undefined) options.audio = audio;
  const interval = optional(
    o,
    "progressIntervalMs",
    () => int(o, "progressIntervalMs", path, { min: 100, max: 60_000 }),
  );
  if (interval !== undefined) options.progressIntervalMs = interval;
  return options;
}

/**
 * Checks the JSON fields of a control message of type `type` (`fields` without `type`) and
 * rebuilds the message from them.
 * @throws ProtocolError `bad-message` naming the first bad field.
 */
export function checkFields(type: MessageType, fields: JsonObject): Message {
  const p = type;
  switch (type) {
    case "hello": {
      const version = int(fields, "version", p, VERSION);
      // A hello of another version is read by its frozen fields only, so that the server can
      // refuse it with `version-mismatch`; its other fields and its options are not ours to judge.
      const foreign = version !== PROTOCOL_VERSION;
      if (!foreign) {
        onlyKeys(fields, ["version", "fileName", "size", "filter", "options", "assets"], p);
      }
      const assets = foreign ? undefined : optional(fields, "assets", () => checkAssets(fields, p));
      return {
        type,
        version,
        fileName: checkFileName(fields, p),
        size: int(fields, "size", p, { min: 1, max: MAX_SIZE }),
        filter: str(fields, "filter", p, { min: 1, max: FIELD_LIMITS.filter, noControl: true }),
        options: foreign ? foreignOptions(fields.options, p) : checkOptions(fields.options, p),
        ...(assets?.length ? { assets } : {}),
      };
    }
    case "attach": {
      const version = int(fields, "version", p, VERSION);
      // Frozen like hello's: another version's attach is read by `version` and `jobId` only, so
      // that the server can refuse it with `version-mismatch`.
      if (version === PROTOCOL_VERSION) onlyKeys(fields, ["version", "jobId"], p);
      return { type, version, jobId: str(fields, "jobId", p, JOB_ID) };
    }
    case "attached": {
      onlyKeys(
        fields,
        ["version", "jobId", "fileName", "size", "received", "uploadDone", "state"],
        p,
      );
      const size = int(fields, "size", p, { min: 1, max: MAX_SIZE });
      return {
        type,
        version: int(fields, "version", p, VERSION),
        jobId: str(fields, "jobId", p, JOB_ID),
        fileName: checkFileName(fields, p),
        size,
        received: int(fields, "received", p, { min: 0, max: size }),
        uploadDone: bool(fields, "uploadDone", p),
        state: oneOf(fields, "state", p, JOB_STATES),
      };
    }
    case "challenge":
      onlyKeys(fields, ["version", "auth", "nonce"], p);
      return {
        type,
        version: int(fields, "version", p, VERSION),
        auth: oneOf(fields, "auth", p, AUTH_METHODS),
        nonce: str(fields, "nonce", p, NONCE),
      };
    case "auth":
      onlyKeys(fields, ["proof"], p);
      return { type, proof: str(fields, "proof", p, PROOF) };
    case "upload-end":
    case "output-end":
      onlyKeys(fields, ["size", "sha256"], p);
      return {
        type,
        size: int(fields, "size", p, { min: 1, max: MAX_SIZE }),
        sha256: str(fields, "sha256", p, SHA256),
      };
    case "cancel": {
      onlyKeys(fields, ["reason"], p);
      const reason = optional(
        fields,
        "reason",
        () => str(fields, "reason", p, { max: FIELD_LIMITS.cancelReason }),
      );
      return reason === undefined ? { type } : { type, reason };
    }
    case "error":
      onlyKeys(fields, ["code", "message"], p);
      return {
        type,
        code: oneOf(fields, "code", p, ERROR_CODES),
        message: str(fields, "message", p, REASON),
      };
    case "ack": {
      const ok = bool(fields, "ok", p);
      const version = int(fields, "version", p, VERSION);
      if (ok) {
        onlyKeys(fields, ["ok", "version", "jobId"], p);
        return { type, ok, version, jobId: str(fields, "jobId", p, JOB_ID) };
      }
      onlyKeys(fields, ["ok", "version", "code", "reason", "retryAfterMs"], p);
      const refusal = {
        type,
        ok,
        version,
        code: oneOf(fields, "code", p, REFUSAL_CODES),
        reason: str(fields, "reason", p, REASON),
      };
      const retry = optional(
        fields,
        "retryAfterMs",
        () => int(fields, "retryAfterMs", p, { min: 0, max: FIELD_LIMITS.retryAfterMs }),
      );
      return retry === undefined ? refusal : { ...refusal, retryAfterMs: retry };
    }
    case "progress": {
      onlyKeys(fields, [
        "stage",
        "bytesReceived",
        "framesTotal",
        "framesDecoded",
        "framesProcessed",
        "framesEncoded",
        "fallbackFrames",
        "fps",
        "elapsedMs",
      ], p);
      return {
        type,
        stage: oneOf(fields, "stage", p, STAGES),
        bytesReceived: int(fields, "bytesReceived", p, COUNT),
        framesTotal: fields.framesTotal === null ? null : int(fields, "framesTotal", p, COUNT),
        framesDecoded: int(fields, "framesDecoded", p, COUNT),
        framesProcessed: int(fields, "framesProcessed", p, COUNT),
        framesEncoded: int(fields, "framesEncoded", p, COUNT),
        fallbackFrames: int(fields, "fallbackFrames", p, COUNT),
        fps: num(fields, "fps", p, COUNT),
        elapsedMs: int(fields, "elapsedMs", p, COUNT),
      };
    }
    case "result":
      onlyKeys(fields, ["result"], p);
      return { type, result: checkJobResult(fields.result, `${p}.result`) };
    case "upload-chunk":
    case "output-chunk":
      throw new TypeError(`checkFields: "${type}" carries bytes, not JSON fields`);
  }
}

/**
 * Checks a chunk's data: a `Uint8Array` of 1..{@link MAX_CHUNK_DATA} bytes.
 * @throws ProtocolError `bad-message` otherwise.
 */
export function checkChunkData(type: "upload-chunk" | "output-chunk", data: unknown): Uint8Array {
  if (!(data instanceof Uint8Array)) fail(`${type}.data`, "a Uint8Array", data);
  if (data.length < 1 || data.length > MAX_CHUNK_DATA) {
    throw new ProtocolError(
      "bad-message",
      `${type}.data must be 1..${MAX_CHUNK_DATA} bytes, got ${data.length}`,
    );
  }
  return data;
}

/**
 * Checks any message value — `type` and every field — and returns it rebuilt from its known
 * fields. Chunk data is returned as is (not copied).
 * @throws ProtocolError `unknown-type` for a type that does not exist, `bad-message` for a bad field.
 */
export function validateMessage(value: unknown): Message {
  if (!isObject(value)) fail("message", "an object", value);
  const { type, ...fields } = value;
  if (typeof type !== "string" || !Object.hasOwn(TYPE_CODES, type)) {
    throw new ProtocolError("unknown-type", `unknown message type ${show(type)}`);
  }
  const messageType = type as MessageType;
  if (isChunkType(messageType)) {
    onlyKeys(fields, ["data"], messageType);
    return { type: messageType, data: checkChunkData(messageType, fields.data) };
  }
  return checkFields(messageType, fields);
}
