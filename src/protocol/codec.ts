/**
 * Pure encoding and incremental decoding of protocol messages. No I/O.
 *
 * Layout of one message: `type` (1 byte) · `length` (4 bytes, big-endian, payload bytes) ·
 * payload. A control message's payload is UTF-8 JSON of its fields without `type`; a chunk's
 * payload is the CRC-32 of its data (4 bytes, big-endian) followed by the data.
 */
import { crc32 } from "./checksum.ts";
import { ProtocolError } from "./errors.ts";
import { isObject } from "./fields.ts";
import {
  CHUNK_CRC_BYTES,
  HEADER_BYTES,
  isChunkType,
  MAX_PAYLOAD,
  type Message,
  type MessageType,
  MIN_PAYLOAD,
  type Peer,
  SENDERS,
  TYPE_CODES,
  TYPES_BY_CODE,
} from "./messages.ts";
import { checkFields, validateMessage } from "./validate.ts";

const utf8 = new TextEncoder();

function hex(code: number): string {
  return `0x${code.toString(16).padStart(2, "0")}`;
}

/**
 * The bytes of `msg`: header and payload, ready to write. Checks the message first with the
 * same rules the decoder applies, so a message that encodes is one the peer accepts.
 * Chunk data is copied.
 * @throws ProtocolError `bad-message` for a bad field, `unknown-type` for an unknown type,
 * `too-large` when the JSON payload is over the type's limit ({@link MAX_PAYLOAD}).
 */
export function encodeMessage(msg: Message): Uint8Array {
  const checked = validateMessage(msg);
  const code = TYPE_CODES[checked.type];
  if (checked.type === "upload-chunk" || checked.type === "output-chunk") {
    const { data } = checked;
    const out = new Uint8Array(HEADER_BYTES + CHUNK_CRC_BYTES + data.length);
    const view = new DataView(out.buffer);
    out[0] = code;
    view.setUint32(1, CHUNK_CRC_BYTES + data.length);
    view.setUint32(HEADER_BYTES, crc32(data));
    out.set(data, HEADER_BYTES + CHUNK_CRC_BYTES);
    return out;
  }
  const { type: _type, ...fields } = checked;
  const payload = utf8.encode(JSON.stringify(fields));
  if (payload.length > MAX_PAYLOAD[checked.type]) {
    throw new ProtocolError(
      "too-large",
      `"${checked.type}" payload of ${payload.length} bytes is over the limit of ${
        MAX_PAYLOAD[checked.type]
      }`,
    );
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out[0] = code;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, HEADER_BYTES);
  return out;
}

/** Options of {@link MessageDecoder}. */
export interface DecoderOptions {
  /**
   * Accept only the message types this peer sends (see `SENDERS`); others fail with
   * `unexpected-type`. A server decodes with `"client"`. Default: both peers' types.
   */
  from?: Peer;
}

/**
 * Decodes a byte stream into messages, whatever way the stream is split. Memory held is at most
 * one header plus one payload, and a payload buffer is allocated only after its type and
 * length have been checked against the limits.
 *
 * Decoding is strict: the first problem throws {@link ProtocolError} and poisons the decoder,
 * so that every later call throws the same error (a byte stream cannot resynchronise). Messages
 * completed earlier in the same `push` are lost with it: the connection is over anyway.
 */
export class MessageDecoder {
  readonly #from: Peer | undefined;
  readonly #header = new Uint8Array(HEADER_BYTES + CHUNK_CRC_BYTES);
  #headerFill = 0;
  #headerNeed = HEADER_BYTES;
  #payloadNeed = 0;
  #type: MessageType | undefined;
  #payload: Uint8Array | undefined;
  #payloadFill = 0;
  #error: ProtocolError | undefined;
  readonly #text = new TextDecoder("utf-8", { fatal: true });

  /** @throws TypeError when `options.from` is not `client`, `server` or undefined. */
  constructor(options: DecoderOptions = {}) {
    const { from } = options;
    if (from !== undefined && from !== "client" && from !== "server") {
      throw new TypeError(`MessageDecoder from must be "client" or "server", got ${String(from)}`);
    }
    this.#from = from;
  }

  /** Bytes of an incomplete message held (header, CRC and payload so far). */
  get buffered(): number {
    return this.#headerFill + this.#payloadFill;
  }

  /** The error that poisoned this decoder, if any. */
  get error(): ProtocolError | undefined {
    return this.#error;
  }

  /**
   * Consumes `bytes` (not kept: payloads are copied) and returns the messages completed by them,
   * in order; an empty array when none is complete yet.
   * @throws ProtocolError for the first malformed thing seen; then again on every call.
   */
  push(bytes: Uint8Array): Message[] {
    if (this.#error) throw this.#error;
    try {
      return this.#push(bytes);
    } catch (error) {
      this.#error = error instanceof ProtocolError
        ? error
        : new ProtocolError("internal", `decoder failed: ${String(error)}`, { cause: error });
      throw this.#error;
    }
  }

  /**
   * Declares the end of the stream.
   * @throws ProtocolError `truncated` when a message was begun but not finished; the poisoning
   * error when there was one.
   */
  end(): void {
    if (this.#error) throw this.#error;
    if (this.buffered > 0) {
      const what = this.#type === undefined
        ? `a message header (${this.#headerFill} of ${HEADER_BYTES} bytes)`
        : `a "${this.#type}" message (${this.buffered} of ${
          this.#headerNeed + this.#payloadNeed
        } bytes)`;
      this.#error = new ProtocolError("truncated", `stream ended inside ${what}`);
      throw this.#error;
    }
  }

  #push(bytes: Uint8Array): Message[] {
    const out: Message[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.#payload === undefined) {
        // Header: 5 bytes, then for chunks 4 more (the CRC-32), so that the data gets a buffer
        // of its own.
        const take = Math.min(this.#headerNeed - this.#headerFill, bytes.length - at);
        this.#header.set(bytes.subarray(at, at + take), this.#headerFill);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < this.#headerNeed) break;
        if (this.#type === undefined) {
          this.#checkHeader();
          if (this.#headerFill < this.#headerNeed) continue;
        }
        this.#payload = new Uint8Array(this.#payloadNeed);
        this.#payloadFill = 0;
      }
      const payload = this.#payload;
      const take = Math.min(payload.length - this.#payloadFill, bytes.length - at);
      payload.set(bytes.subarray(at, at + take), this.#payloadFill);
      this.#payloadFill += take;
      at += take;
      if (this.#payloadFill < payload.length) break;
      const type = this.#type!;
      const crc = new DataView(this.#header.buffer).getUint32(HEADER_BYTES);
      this.#type = undefined;
      this.#payload = undefined;
      this.#payloadFill = 0;
      this.#headerFill = 0;
      this.#headerNeed = HEADER_BYTES;
      out.push(this.#decodePayload(type, payload, crc));
    }
    return out;
  }

  /** Checks a complete 5-byte header; sets the type and what is left to read. */
  #checkHeader(): void {
    const code = this.#header[0];
    const type = TYPES_BY_CODE.get(code);
    if (type === undefined) {
      throw new ProtocolError("unknown-type", `unknown message type ${hex(code)}`);
    }
    if (this.#from !== undefined && !SENDERS[type].includes(this.#from)) {
      throw new ProtocolError(
        "unexpected-type",
        `a ${this.#from} does not send "${type}" messages (type ${hex(code)})`,
      );
    }
    const length = new DataView(this.#header.buffer).getUint32(1);
    if (length > MAX_PAYLOAD[type]) {
      throw new ProtocolError(
        "too-large",
        `"${type}" payload of ${length} bytes is over the limit of ${MAX_PAYLOAD[type]}`,
      );
    }
    if (length < MIN_PAYLOAD[type]) {
      throw new ProtocolError(
        "bad-message",
        `"${type}" payload of ${length} bytes is under the minimum of ${MIN_PAYLOAD[type]}`,
      );
    }
    this.#type = type;
    if (isChunkType(type)) {
      this.#headerNeed = HEADER_BYTES + CHUNK_CRC_BYTES;
      this.#payloadNeed = length - CHUNK_CRC_BYTES;
    } else {
      this.#payloadNeed = length;
    }
  }

  #decodePayload(type: MessageType, payload: Uint8Array, expected: number): Message {
    if (isChunkType(type)) {
      const data = payload;
      const actual = crc32(data);
      if (actual !== expected) {
        throw new ProtocolError(
          "bad-checksum",
          `"${type}" of ${data.length} bytes has CRC-32 ${hex8(actual)}, header says ${
            hex8(expected)
          }`,
        );
      }
      return { type, data };
    }
    let value: unknown;
    try {
      value = JSON.parse(this.#text.decode(payload));
    } catch (error) {
      throw new ProtocolError(
        "bad-json",
        `"${type}" payload is not UTF-8 JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!isObject(value)) {
      throw new ProtocolError("bad-message", `"${type}" payload must be a JSON object`);
    }
    return checkFields(type, value);
  }
}

function hex8(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
