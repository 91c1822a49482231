/**
 * The client side of a job, reusable in-process (the CLI, the demo, tests, the preview's browser
 * test): connect (optionally over TLS), hello, answer the server's token challenge, upload, follow
 * progress, receive the result and the output, check it, and move it into place atomically.
 *
 * A connection lost once the job was accepted is not the end of it: the client re-attaches to the
 * job on a new connection (`attach`, a few attempts with backoff), resumes the upload from the
 * last byte the server stored, and receives the result and the output there (attach_*.ts,
 * resume_policy.ts). `attachJob` (attach.ts) does the same for a job another run started.
 */
import { VframeError } from "../util/errors.ts";
import { basename, extname } from "node:path";
import { Buffer } from "node:buffer";
import { FilterChainError } from "../filters/errors.ts";
import { prepareRemoteChain } from "../filters/remote_chain.ts";
import { formatServerAddress, isIpv6Literal } from "../util/address.ts";
import type { EnvLookup } from "../util/config_dir.ts";
import { authProof } from "../protocol/auth.ts";
import { MessageConnection } from "../protocol/connection.ts";
import { ConnectionClosedError, ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import {
  type AckMessage,
  type AttachedMessage,
  FIELD_LIMITS,
  type HelloAsset,
  type HelloMessage,
  type JobOptions,
  type JobState,
  type Message,
  PROTOCOL_VERSION,
} from "../protocol/messages.ts";
import { OutputDownload } from "./attach_download.ts";
import { type ClientProgress, followConnection } from "./attach_follow.ts";
import {
  answerChallenge,
  attachHandshake,
  refusalError,
  SAME_RELEASE_HINT,
} from "./attach_handshake.ts";
import {
  ConnectionLostError,
  DEFAULT_REATTACH_DELAYS_MS,
  isConnectionLost,
  MAX_REATTACHES,
  REATTACH_HANDSHAKE_MS,
  sleepUnlessAborted,
} from "./resume_policy.ts";
import {
  ClientOptionError,
  errorFromServer,
  JobCancelledError,
  JobFailedError,
  JobRefusedError,
  ServerProtocolError,
  ServerUnreachableError,
} from "./errors.ts";
import type { JobResult } from "../protocol/result.ts";

export type { ClientProgress } from "./attach_follow.ts";
export { TOKEN_HINT } from "./token.ts";

/**
 * What happens to a job's connection: `lost` before each attempt to re-attach (the first names
 * why the connection was lost, later ones why the previous attempt failed), `attached` once a
 * new connection follows the job (with how much of the upload the server has).
 */
export type ReattachEvent =
  | {
    kind: "lost";
    jobId: string;
    reason: string;
    /** 1-based. */
    attempt: number;
    attempts: number;
    delayMs: number;
  }
  | {
    kind: "attached";
    jobId: string;
    /** Upload bytes the server has; the upload resumes from here. */
    received: number;
    size: number;
    uploadDone: boolean;
    state: JobState;
  };

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** Path of the input video. */
  input: string;
  /** Filter chain in ffmpeg `-vf` syntax, e.g. `blur=sigma=3,grayscale`. */
  filter: string;
  /** `HOST:PORT`, `[IPv6]:PORT`, `HOST` (port 9090) or `PORT` (on localhost). Default `localhost:9090`. */
  server?: string;
  /** Connect to this AF_UNIX socket instead of TCP. */
  unixPath?: string;
  /** Where the output goes (default {@link defaultOutputPath}). Written atomically. */
  output?: string;
  /** Encoding options passed to the server (defaults are the server's). */
  options?: JobOptions;
  /** Called on upload, processing and download progress. */
  onProgress?: (progress: ClientProgress) => void;
  /** Called once the server accepted the job: its id is what `attachJob` (`--attach`) takes. */
  onAccepted?: (jobId: string) => void;
  /** Called when the connection was lost and the client re-attaches to the job, and when it did. */
  onReattach?: (event: ReattachEvent) => void;
  /**
   * Delays before each attempt to re-attach to the job after its connection was lost, ms
   * (default {@link DEFAULT_REATTACH_DELAYS_MS}: 0.5, 1, 2, 4, 8 s); `[]`: never re-attach.
   */
  reattachDelaysMs?: readonly number[];
  /** Data bytes per `upload-chunk` (default and most 1 MiB). */
  chunkBytes?: number;
  /** Aborting it cancels the job on the server and rejects with {@link JobCancelledError}. */
  signal?: AbortSignal;
  /** Time limit to connect, TLS handshake included, ms (default 10_000). */
  connectTimeoutMs?: number;
  /**
   * Longest wait for each answer of the server during the handshake (`challenge`, `ack`), ms
   * (default 30_000). A peer that stays silent after `hello` is not a vframe server.
   */
  handshakeTimeoutMs?: number;
  /** Longest silence from the server once connected, ms (default 120_000). */
  readTimeoutMs?: number;
  /**
   * The shared secret, for a server that requires one. Default: `VFRAME_TOKEN`, else the token
   * file `$XDG_CONFIG_HOME/vframe/token` or `~/.config/vframe/token` (see `findClientToken`),
   * looked up only when the server asks. Never sent: the client answers the server's challenge
   * with an HMAC of it.
   */
  token?: string;
  /**
   * Talk TLS to the server (TCP only). `true` checks the server's certificate against the system's
   * roots; `{ caFile }` also trusts the PEM certificate(s) in that file (a private CA, or the
   * server's self-signed certificate). Default: plain TCP.
   */
  tls?: boolean | { caFile?: string };
  /** Where to read `VFRAME_TOKEN`, `XDG_CONFIG_HOME` and `HOME` (default: the process environment). */
  env?: EnvLookup;
}

/**
 * The options of {@link RunJobOptions} that are about reaching the server and following a job,
 * not about the job itself (shared with `attachJob`).
 */
export type JobConnectionOptions = Omit<
  RunJobOptions,
  "input" | "filter" | "options" | "output" | "onAccepted"
>;

/** `video.mp4` → `video.vframe.mp4` beside it. */
export function defaultOutputPath(input: string): string {
  const ext = extname(input);
  const stem = ext ? input.slice(0, -ext.length) : input;
  return `${stem}.vframe.mp4`;
}

/** Thrown for a `--server` value that is not `HOST`, `HOST:PORT`, `[IPv6]:PORT` or `PORT`. */
export class ServerAddressError extends VframeError {
  readonly code: string = "bad-address";
  override name = "ServerAddressError";
}

/** `--server` values that `parseServerAddress` understands, for error messages. */
const ADDRESS_FORMS = "expected HOST:PORT, [IPv6]:PORT, HOST or PORT (e.g. localhost:9090)";

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`, a bare `HOST` or bare `[IPv6]` (port `defaultPort`), or a
 * bare `PORT` (all digits: `localhost:PORT`). A bare IPv6 literal without brackets (e.g. `::1`)
 * is accepted as a host; one followed by a port (`::1:37599`, not itself an IPv6 address) is
 * refused with a hint to write brackets.
 * @throws ServerAddressError naming the value and saying what to write instead.
 */
export function parseServerAddress(
  text: string,
  defaultPort = 9090,
): { hostname: string; port: number } {
  const value = text.trim();
  const fail = (why: string) =>
    new ServerAddressError(`server address '${text}'${why.startsWith(":") ? "" : " "}${why}`);
  const checkPort = (portText: string | undefined, note = ADDRESS_FORMS): number => {
    if (portText === undefined) return defaultPort;
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      throw fail(`: port must be 1..65535, got '${portText}' (${note})`);
    }
    return port;
  };
  if (value === "") throw fail(`is empty (${ADDRESS_FORMS})`);
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)/i.exec(value);
  if (url) {
    throw fail(`: --server takes HOST:PORT, not a URL: write ${url[1] || "HOST:PORT"}`);
  }
  if (value.startsWith("/") || value.startsWith("unix:")) {
    const path = value.startsWith("unix:") ? value.slice("unix:".length) : value;
    throw fail(`looks like a unix socket: pass --unix ${path} instead of --server`);
  }
  if (/^\d+$/.test(value)) {
    return {
      hostname: "localhost",
      port: checkPort(value, "a bare number is a port on localhost"),
    };
  }
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
  if (bracket) {
    if (!isIpv6Literal(bracket[1])) {
      throw fail(
        `: '${bracket[1]}' is not an IPv6 address (brackets are for IPv6 only: write HOST:PORT)`,
      );
    }
    return { hostname: bracket[1], port: checkPort(bracket[2]) };
  }
  if (value.startsWith("[")) throw fail(`: expected [IPv6]:PORT, e.g. [::1]:9090`);
  if ((value.match(/:/g) ?? []).length > 1) {
    if (isIpv6Literal(value)) return { hostname: value, port: defaultPort };
    const i = value.lastIndexOf(":");
    const [host, portText] = [value.slice(0, i), value.slice(i + 1)];
    if (/^\d+$/.test(portText) && isIpv6Literal(host)) {
      throw fail(`: write IPv6 addresses in brackets: [${host}]:${portText}`);
    }
    throw fail(`is not a valid IPv6 address nor HOST:PORT (${ADDRESS_FORMS})`);
  }
  const i = value.lastIndexOf(":");
  const hostname = i >= 0 ? value.slice(0, i) : value;
  const port = checkPort(i >= 0 ? value.slice(i + 1) : undefined);
  if (!hostname) throw fail(`has no host (${ADDRESS_FORMS})`);
  if (!/^[\p{L}\p{N}._-]+$/u.test(hostname)) {
    throw fail(`: '${hostname}' is not a host name (${ADDRESS_FORMS})`);
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
 * Runs one job on a vframe server and writes its output. A connection lost after the server
 * accepted the job is re-attached (see {@link RunJobOptions.reattachDelaysMs}); the upload resumes
 * where the server's copy ends.
 * @returns the result JSON, with `timings.download` filled in.
 * @throws ServerUnreachableError (also for a failed TLS handshake), JobRefusedError (also
 * `unauthorized`: a wrong token, or none when the server requires one), JobFailedError,
 * ChecksumMismatchError, ServerProtocolError (ConnectionLostError: lost, and re-attaching failed),
 * JobCancelledError, ServerAddressError, ClientOptionError (`--ca` file, TLS over a unix socket),
 * TokenError (a token breaking the rules); Deno.errors.NotFound for a missing input. No output
 * file is left behind on any failure.
 */
export async function runJob(options: RunJobOptions): Promise<JobResult> {
  if (!options.input) throw new TypeError("input is required");
  if (!options.filter) throw new TypeError("filter is required");
  const stat = await Deno.stat(options.input);
  if (!stat.isFile) throw new TypeError(`input '${options.input}' is not a file`);
  if (stat.size === 0) throw new JobFailedError(`input '${options.input}' is empty`);
  const output = options.output ?? defaultOutputPath(options.input);
  if (options.signal?.aborted) throw new JobCancelledError("cancelled before start");
  // Images the chain names (overlay) are read here, where they are, and sent with the hello.
  const remote = helloChain(options.filter);

  const link = await openLink(options);
  const download = new OutputDownload(output);
  const holder: LinkHolder = { link };
  const stopCancelling = cancelOnAbort(holder, options.signal);
  try {
    const hello: HelloMessage = {
      type: "hello",
      version: PROTOCOL_VERSION,
      fileName: wireFileName(options.input),
      size: stat.size,
      filter: remote.filter,
      options: options.options ?? {},
      ...(remote.assets.length ? { assets: remote.assets } : {}),
    };
    let ack: AckMessage;
    try {
      await link.c.send(hello);
      ack = await handshake(link.c, hello, options, link.firstBytes);
      if (!ack.ok) throw refusalError(ack);
    } catch (error) {
      throw await clientError(error, link, options);
    }
    options.onAccepted?.(ack.jobId);
    return await followJob(holder, {
      jobId: ack.jobId,
      input: { path: options.input, size: stat.size },
      received: 0,
      uploadDone: false,
      download,
    }, options);
  } finally {
    stopCancelling();
    await download.discard();
    await holder.link?.c.closeGracefully({ lingerMs: 200 });
  }
}

/** A connection to the server, with what its peer sent first (to name a peer that is not one). */
export interface Link {
  c: MessageConnection;
  firstBytes: () => Uint8Array;
}

/** The connection a job follows now (none while re-attaching), for Ctrl-C to cancel on. */
export interface LinkHolder {
  link?: Link;
}

/** Connects to the server the options name and wraps the connection. */
export async function openLink(options: JobConnectionOptions): Promise<Link> {
  const conn = await connect(options);
  const firstBytes = recordFirstBytes(conn);
  const c = new MessageConnection(conn, {
    from: "server",
    readTimeoutMs: options.readTimeoutMs ?? 120_000,
  });
  return { c, firstBytes };
}

/**
 * While `signal` is not aborted; once it is, the job's connection sends `cancel` and closes (the
 * server cancels the job at once). Returns the function that stops listening.
 */
export function cancelOnAbort(holder: LinkHolder, signal?: AbortSignal): () => void {
  const onAbort = () => {
    const c = holder.link?.c;
    if (c) void c.trySend({ type: "cancel", reason: "client cancelled" }).then(() => c.close());
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort(); // aborted while connecting: the listener never fires
  return () => signal?.removeEventListener("abort", onAbort);
}

/** A job the server accepted, as {@link followJob} follows it. */
export interface FollowedJob {
  jobId: string;
  /** The input, when this client can upload (what the server lacks of it). */
  input?: { path: string; size: number };
  /** Upload bytes the server has. */
  received: number;
  /** Whether the server wants no more upload. */
  uploadDone: boolean;
  download: OutputDownload;
}

/**
 * Follows an accepted job on `holder.link` until its output is written, re-attaching on a new
 * connection whenever one is lost (each loss gets the whole series of attempts, at most
 * {@link MAX_REATTACHES} in all). Ctrl-C (the signal) while re-attaching still cancels the job: a
 * last connection is made to say so.
 * @throws what {@link runJob} throws for a job once accepted.
 */
export async function followJob(
  holder: LinkHolder,
  job: FollowedJob,
  options: JobConnectionOptions,
): Promise<JobResult> {
  let lost = 0;
  while (true) {
    const link = holder.link!;
    const uploading = { promise: Promise.resolve() };
    let done = false;
    try {
      if (!job.uploadDone && !job.input) {
        throw new TypeError(`followJob: job ${job.jobId} needs its upload and has no input`);
      }
      const result = await followConnection(link.c, {
        jobId: job.jobId,
        upload: job.uploadDone ? undefined : {
          path: job.input!.path,
          size: job.input!.size,
          from: job.received,
          chunkBytes: options.chunkBytes,
        },
        download: job.download,
        onProgress: options.onProgress,
        signal: options.signal,
      }, uploading);
      done = true;
      return result;
    } catch (error) {
      const delays = options.reattachDelaysMs ?? DEFAULT_REATTACH_DELAYS_MS;
      const again = isConnectionLost(error) && !options.signal?.aborted && delays.length > 0 &&
        lost < MAX_REATTACHES;
      if (!again) throw await clientError(error, link, options);
      lost++;
      holder.link = undefined;
      link.c.close();
      await uploading.promise;
      const { link: next, attached } = await reattach(job.jobId, error, delays, options);
      holder.link = next;
      if (options.signal?.aborted) {
        void next.c.trySend({ type: "cancel", reason: "client cancelled" }).then(() =>
          next.c.close()
        );
      }
      job.received = attached.received;
      job.uploadDone = attached.uploadDone;
    } finally {
      // An upload still under way ends once its connection is closed.
      if (!done) link.c.close();
      await uploading.promise;
    }
  }
}

/**
 * Re-attaches to job `jobId` after its connection was lost with `cause`: an attempt after each
 * of `delays`. A refusal (the job is unknown now, a wrong token) ends it at once.
 * @throws ConnectionLostError when every attempt failed; JobRefusedError; JobCancelledError when
 * the signal is aborted meanwhile (after a last connection to cancel the job).
 */
async function reattach(
  jobId: string,
  cause: unknown,
  delays: readonly number[],
  options: JobConnectionOptions,
): Promise<{ link: Link; attached: AttachedMessage }> {
  const where = describeTarget(options);
  let last: unknown = cause;
  for (const [i, delayMs] of delays.entries()) {
    options.onReattach?.({
      kind: "lost",
      jobId,
      reason: errorText(last),
      attempt: i + 1,
      attempts: delays.length,
      delayMs,
    });
    try {
      await sleepUnlessAborted(delayMs, options.signal);
    } catch {
      await cancelDetached(jobId, options);
      throw new JobCancelledError(
        `cancelled by the client while re-attaching to job ${jobId}`,
      );
    }
    let link: Link | undefined;
    try {
      link = await openLink(options);
      const attached = await attachHandshake(link.c, jobId, {
        where,
        timeoutMs: Math.min(options.handshakeTimeoutMs ?? 30_000, REATTACH_HANDSHAKE_MS),
        token: options.token,
        env: options.env,
      });
      options.onReattach?.({
        kind: "attached",
        jobId,
        received: attached.received,
        size: attached.size,
        uploadDone: attached.uploadDone,
        state: attached.state,
      });
      return { link, attached };
    } catch (error) {
      link?.c.close();
      if (!retryable(error)) throw error;
      last = error;
    }
  }
  throw new ConnectionLostError(
    `the connection to ${where} was lost (${errorText(cause)}) and ${delays.length} ` +
      `attempt${delays.length === 1 ? "" : "s"} to re-attach to job ${jobId} failed ` +
      `(last: ${errorText(last)}); the server keeps the job running for its --detach-grace: ` +
      `deno task client --attach ${jobId} gets its result`,
  );
}

/** Whether a failed attempt to re-attach is worth another. */
function retryable(error: unknown): boolean {
  return error instanceof ServerUnreachableError || error instanceof ServerProtocolError ||
    isConnectionLost(error) || error instanceof ProtocolError;
}

/** Ctrl-C while no connection follows the job: one short connection to cancel it. Never rejects. */
async function cancelDetached(jobId: string, options: JobConnectionOptions): Promise<void> {
  let link: Link | undefined;
  try {
    link = await openLink({ ...options, connectTimeoutMs: 3_000 });
    await attachHandshake(link.c, jobId, {
      where: describeTarget(options),
      timeoutMs: 3_000,
      token: options.token,
      env: options.env,
    });
    await link.c.send({ type: "cancel", reason: "client cancelled" });
  } catch {
    // Unreachable: the server cancels the job itself after its grace period.
  } finally {
    await link?.c.closeGracefully({ lingerMs: 200 });
  }
}

/**
 * The error to report for `error`, thrown while talking to the server on `link`: the peer named
 * when it is not a vframe server, broken connections as {@link ServerProtocolError} with what to
 * do, anything after Ctrl-C as {@link JobCancelledError}.
 */
export async function clientError(
  error: unknown,
  link: Link,
  options: JobConnectionOptions,
): Promise<unknown> {
  if (options.signal?.aborted && !(error instanceof JobCancelledError)) {
    return new JobCancelledError("cancelled by the client", { cause: error });
  }
  if (error instanceof ProtocolError) {
    await link.c.fail(error.code, error.message);
    if (isHttp(link.firstBytes())) {
      return notVframe(describeTarget(options), link.firstBytes(), error);
    }
    return new ServerProtocolError(
      `the server sent bad data: ${error.message} (${SAME_RELEASE_HINT})`,
      { cause: error },
    );
  }
  if (error instanceof ReadTimeoutError) {
    return new ServerProtocolError(
      `no message from the server within ${error.timeoutMs} ms: the server or the network stalled; ${RETRY_HINT}`,
      { cause: error },
    );
  }
  if (error instanceof ConnectionClosedError) {
    return new ServerProtocolError(
      `the connection to the server broke: ${error.message}: ${RETRY_HINT}`,
      { cause: error },
    );
  }
  if (error instanceof ConnectionLostError && !/--attach/.test(error.message)) {
    return new ConnectionLostError(`${error.message}: ${RETRY_HINT}`, { cause: error });
  }
  return error;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads the server's answer to `hello`: an `ack` directly (a server without access control, or a
 * refusal), or a `challenge`, answered with `auth`, then the `ack`. Returns the ack.
 */
async function handshake(
  c: MessageConnection,
  hello: HelloMessage,
  options: RunJobOptions,
  firstBytes: () => Uint8Array,
): Promise<AckMessage> {
  const timeoutMs = options.handshakeTimeoutMs ?? 30_000;
  let msg = await handshakeMessage(c, timeoutMs, options, "hello", firstBytes);
  if (msg.type === "challenge") {
    const source = await answerChallenge(
      c,
      msg,
      (token, nonce) => authProof(token, nonce, hello),
      options,
    );
    msg = await handshakeMessage(c, timeoutMs, options, "auth", firstBytes);
    if (msg.type === "ack" && !msg.ok && msg.code === "unauthorized") {
      throw new JobRefusedError(
        "unauthorized",
        `${msg.reason} (this client used the token from ${source})`,
      );
    }
  }
  if (msg.type === "error") throw errorFromServer(msg.code, msg.message);
  if (msg.type !== "ack") {
    throw new ServerProtocolError(`expected ack, got '${msg.type}': ${SAME_RELEASE_HINT}`);
  }
  return msg;
}

/** The next message of the handshake, with errors that say what the peer probably is. */
async function handshakeMessage(
  c: MessageConnection,
  timeoutMs: number,
  options: RunJobOptions,
  after: "hello" | "auth",
  firstBytes: () => Uint8Array,
): Promise<Message> {
  let msg: Message | null;
  try {
    msg = await c.next(timeoutMs);
  } catch (error) {
    if (error instanceof ReadTimeoutError) {
      throw new ServerProtocolError(
        `no answer to ${after} within ${timeoutMs} ms: is ${
          describeTarget(options)
        } a vframe server?`,
        { cause: error },
      );
    }
    if (error instanceof ProtocolError && after === "hello") {
      await c.fail(error.code, error.message);
      // TLS records start with 0x14..0x17: a TLS server answers a plain hello with an alert.
      if (/unknown message type 0x1[4-7]\b/.test(error.message) && !options.tls) {
        throw new ServerProtocolError(
          `${
            describeTarget(options)
          } does not speak the vframe protocol (${error.message}); it answered with TLS: pass --tls`,
          { cause: error },
        );
      }
      throw notVframe(describeTarget(options), firstBytes(), error);
    }
    throw error;
  }
  if (msg === null) {
    throw new ServerProtocolError(
      `the server closed the connection after ${after}: ${
        after === "auth"
          ? "the server's log says why"
          : `is ${describeTarget(options)} a vframe server?${
            options.tls ? "" : " If the server uses TLS, pass --tls"
          }`
      }`,
    );
  }
  return msg;
}

/** What to do about a broken or cut-off job. */
const RETRY_HINT = "try again; if it keeps happening, the server's log says why";

/** Where the job port is. */
const JOB_PORT_HINT =
  "The job port is 9090 unless the server was started with --port: check --server";

/**
 * Keeps the first bytes read from `conn` (up to `limit`), to tell what a peer that is not a
 * vframe server answered. Wraps `conn.read` in place; everything else is untouched.
 */
function recordFirstBytes(conn: Deno.Conn, limit = 256): () => Uint8Array {
  let first = new Uint8Array(0);
  const read = conn.read.bind(conn);
  conn.read = async (p: Uint8Array): Promise<number | null> => {
    const n = await read(p);
    if (n !== null && first.length < limit) {
      const more = p.subarray(0, Math.min(n, limit - first.length));
      const joined = new Uint8Array(first.length + more.length);
      joined.set(first);
      joined.set(more, first.length);
      first = joined;
    }
    return n;
  };
  return () => first;
}

/** Whether a peer's first bytes are an HTTP response. */
function isHttp(first: Uint8Array): boolean {
  return new TextDecoder().decode(first.subarray(0, 5)) === "HTTP/";
}

/** The first line of what a peer sent, when it is printable text (≤ 60 characters). */
function printableFirstLine(first: Uint8Array): string | undefined {
  const line = new TextDecoder().decode(first).split(/\r?\n/)[0].slice(0, 60);
  return /^[\x20-\x7e]+$/.test(line) ? line : undefined;
}

/**
 * The chain text and images of a hello: overlay's `file=PATH` becomes the image's reference and
 * the image travels base64 in `hello.assets` (filters/remote_chain.ts).
 * @throws FilterChainError when a chain naming an image is not valid here (a missing file), or
 *   its images are over the protocol's limit.
 */
function helloChain(filter: string): { filter: string; assets: HelloAsset[] } {
  const remote = prepareRemoteChain(filter);
  const bytes = remote.assets.reduce((sum, a) => sum + a.bytes.length, 0);
  if (remote.assets.length > FIELD_LIMITS.assets || bytes > FIELD_LIMITS.assetBytes) {
    throw new FilterChainError(
      `the chain's images are ${remote.assets.length} file(s) of ${bytes} bytes in all; a job ` +
        `sends at most ${FIELD_LIMITS.assets} of ${FIELD_LIMITS.assetBytes} bytes in all`,
      -1,
    );
  }
  return {
    filter: remote.filter,
    assets: remote.assets.map((a) => ({
      sha256: a.sha256,
      data: Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.length).toString("base64"),
    })),
  };
}

/** The error for a peer at `where` that answered hello with something else than the protocol. */
function notVframe(where: string, first: Uint8Array, error: ProtocolError): ServerProtocolError {
  const said = printableFirstLine(first);
  if (isHttp(first)) {
    return new ServerProtocolError(
      `${where} is an HTTP server, not a vframe job port (it answered '${
        said ?? "HTTP/"
      }') — the preview? ${JOB_PORT_HINT}`,
      { cause: error },
    );
  }
  return new ServerProtocolError(
    `${where} does not speak the vframe protocol (${error.message}${
      said ? `; it answered '${said}'` : ""
    }): is it a vframe server? ${JOB_PORT_HINT}`,
    { cause: error },
  );
}

/** The server as the options name it: `host:port` or `unix:path`. */
export function describeTarget(options: JobConnectionOptions): string {
  if (options.unixPath) return `unix:${options.unixPath}`;
  const { hostname, port } = parseServerAddress(options.server ?? "localhost:9090");
  return formatServerAddress(hostname, port);
}

async function connect(options: JobConnectionOptions): Promise<Deno.Conn> {
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  let where: string;
  let connecting: Promise<Deno.Conn>;
  if (options.unixPath) {
    if (options.tls) {
      throw new ClientOptionError(
        "TLS is for TCP connections; a unix socket needs none: drop --tls and --ca",
      );
    }
    where = `unix:${options.unixPath}`;
    connecting = Deno.connect({ transport: "unix", path: options.unixPath });
  } else {
    const { hostname, port } = parseServerAddress(options.server ?? "localhost:9090");
    where = formatServerAddress(hostname, port);
    if (options.tls) {
      const caFile = typeof options.tls === "object" ? options.tls.caFile : undefined;
      const caCerts = caFile === undefined ? undefined : [await readCaFile(caFile)];
      connecting = connectTls(hostname, port, caCerts, caFile);
    } else {
      connecting = Deno.connect({ hostname, port });
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  try {
    return await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } catch (error) {
    connecting.then((c) => c.close(), () => {});
    throw new ServerUnreachableError(unreachable(error, where, timedOut, options), {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Why `where` could not be reached, and what to do about it. */
function unreachable(
  error: unknown,
  where: string,
  timedOut: boolean,
  options: JobConnectionOptions,
): string {
  const text = (error as Error).message;
  const unix = options.unixPath;
  if (
    error instanceof Deno.errors.ConnectionRefused ||
    (unix !== undefined && error instanceof Deno.errors.NotFound)
  ) {
    return unix !== undefined
      ? `no vframe server listens on ${where}: start one with \`deno task server --unix ${unix}\`, or check --unix`
      : `no vframe server listens on ${where}: start one with \`deno task server\`, or check --server${
        bracketHint(options.server)
      }`;
  }
  const head = `cannot reach the vframe server at ${where}${
    options.tls ? " over TLS" : ""
  }: ${text}`;
  if (timedOut) {
    return `${head}: is the host up, and does no firewall drop the connection? Check --server`;
  }
  if (unix !== undefined && error instanceof Deno.errors.PermissionDenied) {
    return `${head}: run the client as a user allowed to open the socket (e.g. the server's user)`;
  }
  if (/lookup address|name or service not known|no address associated|nodename/i.test(text)) {
    return `${head}: is the host name right? Check --server`;
  }
  if (text.startsWith("TLS handshake failed")) return head; // says what to do
  return `${head}: is the server running, and is ${
    unix !== undefined ? "--unix" : "--server"
  } right?`;
}

/**
 * For an unbracketed IPv6 literal whose last group could be a port (`::1:9090`, a valid address
 * in itself): how to write the port.
 */
function bracketHint(server: string | undefined): string {
  const value = server?.trim() ?? "";
  const i = value.lastIndexOf(":");
  if (value.startsWith("[") || !isIpv6Literal(value) || !/^\d+$/.test(value.slice(i + 1))) {
    return "";
  }
  const host = value.slice(0, i);
  if (!isIpv6Literal(host)) return "";
  return ` (if ':${value.slice(i + 1)}' is the port, write [${host}]:${value.slice(i + 1)})`;
}

/** Connects and completes the TLS handshake, so that certificate problems show up here. */
async function connectTls(
  hostname: string,
  port: number,
  caCerts: string[] | undefined,
  caFile: string | undefined,
): Promise<Deno.TlsConn> {
  const conn = await Deno.connectTls({ hostname, port, ...(caCerts ? { caCerts } : {}) });
  try {
    await conn.handshake();
    return conn;
  } catch (error) {
    conn.close();
    const text = (error as Error).message;
    const hint = /UnknownIssuer|CaUsedAsEndEntity|certificate/i.test(text)
      ? caFile === undefined
        ? " (a private CA or a self-signed certificate: pass --ca FILE)"
        : ` (is the server's certificate signed by ${caFile}, and valid for '${hostname}'?)`
      : /corrupt message|InvalidContentType|unexpected eof|UnexpectedEof/i.test(text)
      ? " (does the server use TLS? it needs --tls-cert and --tls-key)"
      : " (check --server, --tls and --ca)";
    throw new Error(`TLS handshake failed: ${text}${hint}`, { cause: error });
  }
}

/** The PEM certificate(s) of a `--ca` file. */
async function readCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new ClientOptionError(`--ca ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ClientOptionError(
      `--ca ${path} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' line)`,
    );
  }
  return text;
}

export { formatServerAddress } from "../util/address.ts";
