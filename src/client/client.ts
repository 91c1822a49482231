/**
 * The client side of a job, reusable in-process (the CLI, the demo, tests, the preview's browser
 * test): connect, hello, upload, follow progress, receive the result and the output, check it,
 * and move it into place atomically.
 */
import { VframeError } from "../util/errors.ts";
import { basename, dirname, extname, join } from "node:path";
import { formatServerAddress } from "../util/address.ts";
import { Sha256 } from "../protocol/checksum.ts";
import { MessageConnection } from "../protocol/connection.ts";
import { ConnectionClosedError, ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import {
  FIELD_LIMITS,
  type JobOptions,
  MAX_CHUNK_DATA,
  type ProgressMessage,
  PROTOCOL_VERSION,
} from "../protocol/messages.ts";
import {
  ChecksumMismatchError,
  JobCancelledError,
  JobFailedError,
  JobRefusedError,
  ServerProtocolError,
  ServerUnreachableError,
} from "./errors.ts";
import type { JobResult } from "../protocol/result.ts";

/** What the client reports while a job runs. */
export type ClientProgress =
  | { phase: "upload"; sent: number; total: number }
  | { phase: "process"; progress: ProgressMessage }
  | { phase: "download"; received: number; total?: number };

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** Path of the input video. */
  input: string;
  /** Filter chain in ffmpeg `-vf` syntax, e.g. `blur=sigma=3,grayscale`. */
  filter: string;
  /** `HOST:PORT`, `[IPv6]:PORT`, or `HOST` (port 9090). Default `localhost:9090`. */
  server?: string;
  /** Connect to this AF_UNIX socket instead of TCP. */
  unixPath?: string;
  /** Where the output goes (default {@link defaultOutputPath}). Written atomically. */
  output?: string;
  /** Encoding options passed to the server (defaults are the server's). */
  options?: JobOptions;
  /** Called on upload, processing and download progress. */
  onProgress?: (progress: ClientProgress) => void;
  /** Called once the server accepted the job. */
  onAccepted?: (jobId: string) => void;
  /** Aborting it cancels the job on the server and rejects with {@link JobCancelledError}. */
  signal?: AbortSignal;
  /** Time limit to connect, ms (default 10_000). */
  connectTimeoutMs?: number;
  /** Longest silence from the server once connected, ms (default 120_000). */
  readTimeoutMs?: number;
}

/** `video.mp4` → `video.vframe.mp4` beside it. */
export function defaultOutputPath(input: string): string {
  const ext = extname(input);
  const stem = ext ? input.slice(0, -ext.length) : input;
  return `${stem}.vframe.mp4`;
}

/** Thrown for a `--server` value that is not `HOST`, `HOST:PORT` or `[IPv6]:PORT`. */
export class ServerAddressError extends VframeError {
  readonly code: string = "bad-address";
  override name = "ServerAddressError";
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, a bare `HOST` or bare `[IPv6]` (port `defaultPort`).
 * A bare IPv6 literal without brackets (e.g. `::1`) is accepted as a host.
 * @throws ServerAddressError naming the value when it cannot be parsed.
 */
export function parseServerAddress(
  text: string,
  defaultPort = 9090,
): { hostname: string; port: number } {
  const value = text.trim();
  let hostname: string;
  let portText: string | undefined;
  const bracket = /^\[([0-9A-Fa-f:.%a-zA-Z]+)\](?::(\d+))?$/.exec(value);
  if (bracket) {
    hostname = bracket[1];
    portText = bracket[2];
  } else if (value.startsWith("[")) {
    throw new ServerAddressError(`server address '${text}': expected [IPv6]:PORT`);
  } else if ((value.match(/:/g) ?? []).length > 1) {
    hostname = value; // bare IPv6 literal
  } else {
    const i = value.lastIndexOf(":");
    hostname = i >= 0 ? value.slice(0, i) : value;
    portText = i >= 0 ? value.slice(i + 1) : undefined;
  }
  if (!hostname) throw new ServerAddressError(`server address '${text}' has no host`);
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!/^\d*$/.test(portText ?? "") || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ServerAddressError(
      `server address '${text}': port must be 1..65535, got '${portText}'`,
    );
  }
  return { hostname, port };
}

/** A file name the protocol accepts: no separators or control characters, ≤ 255 UTF-8 bytes. */
export function wireFileName(path: string): string {
  // deno-lint-ignore no-control-regex
  let name = basename(path).replace(/[\u0000-\u001f\u007f/\\]/g, "_");
  if (name === "" || name === "." || name === "..") name = "input";
  const enc = new TextEncoder();
  while (enc.encode(name).length > FIELD_LIMITS.fileNameBytes) name = name.slice(1);
  return name.toWellFormed();
}

/**
 * Runs one job on a vframe server and writes its output.
 * @returns the result JSON, with `timings.download` filled in.
 * @throws ServerUnreachableError, JobRefusedError, JobFailedError, ChecksumMismatchError,
 * ServerProtocolError, JobCancelledError, ServerAddressError; Deno.errors.NotFound for a missing
 * input. No output file is left behind on any failure.
 */
export async function runJob(options: RunJobOptions): Promise<JobResult> {
  if (!options.input) throw new TypeError("input is required");
  if (!options.filter) throw new TypeError("filter is required");
  const stat = await Deno.stat(options.input);
  if (!stat.isFile) throw new TypeError(`input '${options.input}' is not a file`);
  if (stat.size === 0) throw new JobFailedError(`input '${options.input}' is empty`);
  const output = options.output ?? defaultOutputPath(options.input);
  if (options.signal?.aborted) throw new JobCancelledError("cancelled before start");

  const conn = await connect(options);
  const c = new MessageConnection(conn, {
    from: "server",
    readTimeoutMs: options.readTimeoutMs ?? 120_000,
  });
  const part = join(
    dirname(output),
    `.${basename(output)}.${crypto.randomUUID().slice(0, 8)}.part`,
  );
  let partFile: Deno.FsFile | undefined;
  const onAbort = () => {
    void c.trySend({ type: "cancel", reason: "client cancelled" }).then(() => c.close());
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let upload: Promise<void> = Promise.resolve();
  try {
    await c.send({
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: wireFileName(options.input),
      size: stat.size,
      filter: options.filter,
      options: options.options ?? {},
    });
    const ack = await c.next();
    if (ack === null) throw new ServerProtocolError("the server closed the connection after hello");
    if (ack.type === "error") throw serverError(ack.code, ack.message);
    if (ack.type !== "ack") throw new ServerProtocolError(`expected ack, got '${ack.type}'`);
    if (!ack.ok) throw new JobRefusedError(ack.code, ack.reason, ack.retryAfterMs);
    options.onAccepted?.(ack.jobId);

    // Read the server's messages while uploading: progress (and a possible early error) flow
    // the whole time.
    let failedUpload: unknown;
    upload = uploadFile(c, options.input, stat.size, options.onProgress).catch((e) => {
      failedUpload = e;
    });
    let result: JobResult | undefined;
    let downloadStart = 0;
    const sha = new Sha256();
    let received = 0;
    while (true) {
      const msg = await c.next();
      if (msg === null) {
        if (options.signal?.aborted) throw new JobCancelledError("cancelled by the client");
        await upload;
        throw new ServerProtocolError(
          result
            ? "the server closed the connection during the download"
            : `the server closed the connection before the result${
              failedUpload ? ` (upload: ${(failedUpload as Error).message})` : ""
            }`,
        );
      }
      if (msg.type === "progress") {
        options.onProgress?.({ phase: "process", progress: msg });
      } else if (msg.type === "error") {
        throw serverError(msg.code, msg.message);
      } else if (msg.type === "result") {
        result = msg.result;
        if (result.state !== "done") {
          throw new JobFailedError(
            `job ${result.jobId} ${result.state}${result.error ? `: ${result.error}` : ""}`,
          );
        }
        partFile = await Deno.open(part, { write: true, createNew: true });
        downloadStart = performance.now();
      } else if (msg.type === "output-chunk") {
        if (!partFile) throw new ServerProtocolError("output-chunk before the result");
        sha.update(msg.data);
        received += msg.data.length;
        let at = 0;
        while (at < msg.data.length) at += await partFile.write(msg.data.subarray(at));
        options.onProgress?.({ phase: "download", received, total: result?.outputBytes });
      } else if (msg.type === "output-end") {
        if (!partFile || !result) throw new ServerProtocolError("output-end before the result");
        partFile.close();
        partFile = undefined;
        const digest = sha.digest();
        if (msg.size !== received) {
          throw new ChecksumMismatchError(
            `output size mismatch: server sent ${received} bytes, announced ${msg.size}`,
          );
        }
        if (digest !== msg.sha256) {
          throw new ChecksumMismatchError(
            `output SHA-256 mismatch: received ${digest}, server announced ${msg.sha256}`,
          );
        }
        await Deno.rename(part, output);
        result.timings.download = Math.round(performance.now() - downloadStart);
        await upload;
        return result;
      } else {
        throw new ServerProtocolError(`unexpected '${msg.type}' from the server`);
      }
    }
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof JobCancelledError)) {
      throw new JobCancelledError("cancelled by the client", { cause: error });
    }
    if (error instanceof ProtocolError) {
      await c.fail(error.code, error.message);
      throw new ServerProtocolError(`the server sent bad data: ${error.message}`, { cause: error });
    }
    if (error instanceof ReadTimeoutError) {
      throw new ServerProtocolError(`no message from the server within ${error.timeoutMs} ms`, {
        cause: error,
      });
    }
    if (error instanceof ConnectionClosedError) {
      throw new ServerProtocolError(`the connection to the server broke: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    try {
      partFile?.close();
    } catch { /* closed */ }
    await Deno.remove(part).catch(() => {});
    await c.closeGracefully({ lingerMs: 200 });
    await upload; // fails fast once the connection is closed; never rejects
  }
}

async function connect(options: RunJobOptions): Promise<Deno.Conn> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  let where: string;
  let connecting: Promise<Deno.Conn>;
  if (options.unixPath) {
    where = `unix:${options.unixPath}`;
    connecting = Deno.connect({ transport: "unix", path: options.unixPath });
  } else {
    const { hostname, port } = parseServerAddress(options.server ?? "localhost:9090");
    where = formatServerAddress(hostname, port);
    connecting = Deno.connect({ hostname, port });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    connecting.then((c) => c.close(), () => {});
    throw new ServerUnreachableError(
      `cannot reach the vframe server at ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function uploadFile(
  c: MessageConnection,
  path: string,
  size: number,
  onProgress?: (p: ClientProgress) => void,
): Promise<void> {
  const sha = new Sha256();
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(MAX_CHUNK_DATA);
  let sent = 0;
  onProgress?.({ phase: "upload", sent, total: size });
  while (sent < size) {
    const n = await file.read(buf.subarray(0, Math.min(buf.length, size - sent)));
    if (n === null) throw new Error(`input shrank while uploading: ${sent} of ${size} bytes`);
    const data = buf.slice(0, n);
    sha.update(data);
    await c.send({ type: "upload-chunk", data });
    sent += n;
    onProgress?.({ phase: "upload", sent, total: size });
  }
  await c.send({ type: "upload-end", size, sha256: sha.digest() });
}

function serverError(code: string, message: string): Error {
  if (code === "cancelled") return new JobCancelledError(`server: ${message}`);
  if (code === "bad-checksum" || code === "file-checksum" || code === "size-mismatch") {
    return new ChecksumMismatchError(`server reported ${code}: ${message}`);
  }
  return new JobFailedError(`server error (${code}): ${message}`);
}

export { formatServerAddress } from "../util/address.ts";
