/**
 * The binary value a worker stores under a frame's output key: the filtered frame plus a small
 * JSON header (who made it, which attempt), in one key so the server reads both atomically.
 *
 * Layout: `VFR1` (4 bytes), header length (u32 little endian), header (UTF-8 JSON), frame bytes.
 */
import { VframeError } from "../util/errors.ts";

/** Header stored with a result. */
export interface ResultMeta {
  /** Worker id, `HOST:PID`. */
  worker: string;
  /** Attempt that produced the result, 1-based. */
  attempts: number;
  /** Filter time on the worker thread, ms. */
  ms: number;
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
  return { meta, data: buf.subarray(8 + len) };
}
