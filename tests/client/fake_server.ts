/**
 * A small vframe server for client and access-control tests: real sockets (TCP or TLS on
 * loopback), the real handshake step (`authenticate` of src/server/auth.ts), then a scripted job
 * that echoes the upload back as the "output". No queue, no codec.
 */
import { sha256Hex } from "../../src/protocol/checksum.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import { ProtocolError, ReadTimeoutError } from "../../src/protocol/errors.ts";
import { type ErrorCode, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import type { JobResult } from "../../src/protocol/result.ts";
import { authenticate, type ServerAuth } from "../../src/server/auth.ts";
import { listenTcp, type ServerTls } from "../../src/server/tls.ts";
import { concatBytes } from "../helpers/bytes.ts";

/** Options of {@link startFakeServer}. */
export interface FakeServerOptions {
  auth: ServerAuth;
  /** Serve TLS with this certificate (default: plain TCP). */
  tls?: ServerTls;
  /** Address to listen on (default `127.0.0.1`). */
  hostname?: string;
  /**
   * After the ack, send this `error` and close instead of running the job (as the real server
   * does when its memory gate refuses a job once it sees the first frame: `too-large`).
   */
  errorAfterAck?: { code: ErrorCode; message: string };
}

/** A running fake server. */
export interface FakeServer {
  port: number;
  /** Log lines of the handshake step (refusals, clients that gave up). */
  log: string[];
  /** Jobs accepted so far. */
  accepted: number;
  /** Stops listening and waits for the connections being served. */
  close(): Promise<void>;
}

/** A complete result of a job whose output is `bytes`. */
export function resultFor(bytes: Uint8Array, jobId = "job-1"): JobResult {
  return {
    version: 1,
    jobId,
    state: "done",
    input: {
      fileName: "in.mp4",
      bytes: bytes.length,
      width: 2,
      height: 2,
      fps: 1,
      fpsRational: "1/1",
      frames: 1,
      duration: 1,
      audio: false,
    },
    filter: "invert",
    frames: { total: 1, processed: 1, fallback: 0, retried: 0 },
    fallbackFrames: [],
    timings: { upload: 1, decode: 1, process: 1, encode: 1, total: 4 },
    throughputFps: 1,
    latencyMs: { p50: 1, p95: 1, p99: 1 },
    framesPerWorker: { w: 1 },
    backend: { queue: "embedded", codec: "wasm" },
    outputBytes: bytes.length,
    startedAt: new Date(0).toISOString(),
  };
}

/** Starts the fake server on a free port. */
export function startFakeServer(options: FakeServerOptions): FakeServer {
  const listener = listenTcp({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    tls: options.tls,
  });
  const sessions = new Set<Promise<void>>();
  const server: FakeServer = {
    port: listener.addr.port,
    log: [],
    accepted: 0,
    close: async () => {
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      await Promise.allSettled([...sessions]);
    },
  };
  const serve = async (conn: Deno.Conn) => {
    const c = new MessageConnection(conn, { from: "client", readTimeoutMs: 5_000 });
    try {
      const hello = await c.next();
      if (hello === null) return;
      if (hello.type !== "hello") {
        return await c.fail("unexpected-message", `expected hello, got '${hello.type}'`);
      }
      const ok = await authenticate(c, hello, options.auth, {
        peer: "test-client",
        log: (line) => server.log.push(line),
      });
      if (!ok) return;
      server.accepted++;
      await c.send({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId: "job-1" });
      if (options.errorAfterAck) {
        return await c.fail(options.errorAfterAck.code, options.errorAfterAck.message);
      }
      const parts: Uint8Array[] = [];
      while (true) {
        const m = await c.next();
        if (m === null) return;
        if (m.type === "upload-chunk") parts.push(m.data);
        else if (m.type === "upload-end") break;
        else return await c.fail("unexpected-message", `unexpected '${m.type}'`);
      }
      const data = concatBytes(parts);
      await c.send({ type: "result", result: resultFor(data) });
      await c.send({ type: "output-chunk", data });
      await c.send({ type: "output-end", size: data.length, sha256: sha256Hex(data) });
      await c.closeGracefully({ lingerMs: 500 });
    } catch (error) {
      if (error instanceof ProtocolError) await c.fail(error.code, error.message);
      else if (error instanceof ReadTimeoutError) await c.fail("timeout", error.message);
    } finally {
      c.close();
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        const session = serve(conn);
        sessions.add(session);
        void session.finally(() => sessions.delete(session));
      }
    } catch { /* closed */ }
  })();
  return server;
}
