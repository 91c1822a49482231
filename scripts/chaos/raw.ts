/**
 * A hand-driven protocol client for the faults that a well-behaved client cannot produce: raw
 * bytes out, every server message collected in the background (docs/protocol.md).
 */
import { concatBytes } from "../../tests/helpers/bytes.ts";
import {
  authProof,
  encodeMessage,
  type HelloMessage,
  type Message,
  MessageDecoder,
  PROTOCOL_VERSION,
} from "../../src/protocol/mod.ts";

/** A `hello` for `size` bytes with the suite's defaults; `over` may break it on purpose. */
export function hello(size: number, over: Partial<HelloMessage> = {}): HelloMessage {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    fileName: "chaos.mp4",
    size,
    filter: "invert",
    options: {},
    ...over,
  };
}

/** Encoded messages, back to back. */
export function bytesOf(...messages: Message[]): Uint8Array {
  return concatBytes(messages.map((m) => encodeMessage(m)));
}

/** A raw 5-byte header plus payload, for frames the encoder refuses to make. */
export function rawFrame(type: number, payload: Uint8Array, length = payload.length): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, length);
  out.set(payload, 5);
  return out;
}

/** A connection whose server messages are decoded as they arrive. */
export class RawConn {
  readonly messages: Message[] = [];
  /** The decoder's error, if the server sent something undecodable. */
  decodeError?: string;
  /** True once the server closed (or reset) the connection. */
  closed = false;
  readonly #decoder = new MessageDecoder({ from: "server" });
  readonly #reading: Promise<void>;
  #wake: (() => void)[] = [];

  private constructor(readonly conn: Deno.TcpConn) {
    this.#reading = this.#read();
  }

  static async connect(port: number, hostname = "127.0.0.1"): Promise<RawConn> {
    return new RawConn(await Deno.connect({ hostname, port }));
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        try {
          this.messages.push(...this.#decoder.push(buf.subarray(0, n)));
        } catch (e) {
          this.decodeError = e instanceof Error ? e.message : String(e);
        }
        this.#notify();
      }
    } catch { /* reset */ }
    this.closed = true;
    this.#notify();
  }

  #notify(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  /** Writes all of `bytes`; false when the connection is gone. */
  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      let at = 0;
      while (at < bytes.length) at += await this.conn.write(bytes.subarray(at));
      return true;
    } catch {
      return false;
    }
  }

  /** Sends FIN (no more bytes from us), keeps reading. */
  async closeWrite(): Promise<void> {
    await this.conn.closeWrite().catch(() => {});
  }

  /** The first message of `type` so far. */
  first<T extends Message["type"]>(type: T): Extract<Message, { type: T }> | undefined {
    return this.messages.find((m) => m.type === type) as Extract<Message, { type: T }>;
  }

  /**
   * Waits (at most `ms`) until `check` holds or the server has closed; returns whether `check`
   * holds.
   */
  async until(check: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!check() && !this.closed && Date.now() < end) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        this.#wake.push(r);
        timer = setTimeout(r, Math.max(1, end - Date.now()));
      });
      clearTimeout(timer);
    }
    return check();
  }

  /** Waits for a message of `type` (at most `ms`). */
  async next<T extends Message["type"]>(
    type: T,
    ms: number,
  ): Promise<Extract<Message, { type: T }> | undefined> {
    await this.until(() => this.first(type) !== undefined, ms);
    return this.first(type);
  }

  /** The code of the server's `error` message, or of its refusing `ack`. */
  code(): string | undefined {
    const e = this.first("error");
    if (e) return e.code;
    const a = this.first("ack");
    return a && !a.ok ? a.code : undefined;
  }

  /** What the server said, for the report. */
  describe(): string {
    const parts = this.messages.map((m) =>
      m.type === "error"
        ? `error ${m.code}`
        : m.type === "ack"
        ? (m.ok ? "ack ok" : `ack ${m.code}`)
        : m.type
    );
    if (this.decodeError) parts.push(`undecodable: ${this.decodeError}`);
    parts.push(this.closed ? "closed" : "open");
    return parts.join(", ");
  }

  /**
   * hello → challenge → auth with a proof made from `token` (or `proof` as given) → waits for
   * the ack (at most `ms`). Returns the ack, if one came.
   */
  async handshake(
    h: HelloMessage,
    token: string,
    o: { proof?: string; ms?: number } = {},
  ): Promise<Extract<Message, { type: "ack" }> | undefined> {
    const ms = o.ms ?? 10_000;
    await this.write(bytesOf(h));
    const challenge = await this.next("challenge", ms);
    if (!challenge) return this.first("ack");
    const proof = o.proof ?? authProof(token, challenge.nonce, h);
    await this.write(bytesOf({ type: "auth", proof }));
    return await this.next("ack", ms);
  }

  /** Closes now (a reset if the server still sends) and waits for the reader to stop. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* closed */ }
    await this.#reading;
  }
}
