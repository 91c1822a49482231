/**
 * The binary value a worker stores under an attempt's output key: a small JSON header (who ran
 * the attempt, which attempt, and why it failed if it did) plus the filtered frame, in one key so
 * the server reads both atomically.
 *
 * Layout: `VFR1` (4 bytes), header length (u32 little endian), header (UTF-8 JSON), frame bytes
 * (none for a failed attempt).
 */
import { VframeError } from "../../util/errors.ts";

/** Why an attempt failed, as the worker reports it. */
export interface AttemptFailure {
  /** The outcome reason, worded by `describeError` (e.g. `timeout after 400 ms`). */
  reason: string;
  /** True when no retry can fix it (`isPermanent`), so the server gives up at once. */
  permanent: boolean;
}

/** Header stored with a record. */
export interface ResultMeta {
  /** Worker id, `HOST:PID`. */
  worker: string;
  /** Attempt that produced the record, 1-based. */
  attempts: number;
  /** Filter time on the worker thread, ms. */
  ms: number;
  /** Present when the attempt failed (the record then carries no frame). */
  error?: AttemptFailure;
  /** Segments: frames in the encoded chunk. */
  frames?: number;
  /** Segments: hash of the encoded stream's header (level aside). */
  headerHash?: string;
  /** Segments: the H.264 level the encoded stream declares. */
  level?: number;
}

/** The stored value is not a vframe result. */
export class ResultFormatError extends VframeError {
  readonly code: string = "bad-result";
  override name = "ResultFormatError";
}

const MAGIC = [0x56, 0x46, 0x52, 0x31]; // "VFR1"
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes `meta` and `frame` into one buffer (copies `frame`). */
export function encodeResult(meta: ResultMeta, frame: Uint8Array): Uint8Array {
  const header = encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(8 + header.length + frame.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  out.set(frame, 8 + header.length);
  return out;
}

/**
 * Decodes a buffer written by {@link encodeResult}. `data` is a view into `buf` (no copy).
 * @throws ResultFormatError when the magic, header length or header JSON is wrong.
 */
export function decodeResult(buf: Uint8Array): { meta: ResultMeta; data: Uint8Array } {
  if (buf.length < 8 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new ResultFormatError(`result value does not start with VFR1 (length ${buf.length})`);
  }
  const len = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true);
  if (8 + len > buf.length) {
    throw new ResultFormatError(`result header length ${len} exceeds value length ${buf.length}`);
  }
  let meta: ResultMeta;
  try {
    meta = JSON.parse(decoder.decode(buf.subarray(8, 8 + len)));
  } catch (err) {
    throw new ResultFormatError(`result header is not JSON: ${(err as Error).message}`);
  }
  if (
    meta === null || typeof meta !== "object" || typeof meta.worker !== "string" ||
    !Number.isInteger(meta.attempts)
  ) {
    throw new ResultFormatError(`result header lacks worker/attempts: ${JSON.stringify(meta)}`);
  }
  const error = meta.error;
  if (
    error !== undefined &&
    (error === null || typeof error !== "object" || typeof error.reason !== "string" ||
      typeof error.permanent !== "boolean")
  ) {
    throw new ResultFormatError(`result header has a malformed error: ${JSON.stringify(error)}`);
  }
  return { meta, data: buf.subarray(8 + len) };
}
