/**
 * The vframe server, programmatically: TCP (dual-stack `[::]`) and optionally an AF_UNIX socket,
 * a frame queue (embedded pool by default, BullMQ when a Redis URL is given), the job registry,
 * the metrics and the HTTP preview.
 *
 * ```ts
 * const server = await VframeServer.start({ port: 0, previewPort: false });
 * // … clients connect to server.port …
 * await server.close();
 * ```
 */
import { VframeError } from "../util/errors.ts";
import { resolveBackend } from "../codec/mod.ts";
import type { CodecBackendName, CodecChoice, InputLimits } from "../codec/types.ts";
import { VframeMetrics } from "../preview/metrics.ts";
import { startPreview } from "../preview/server.ts";
import { resolvePolicy } from "../queue/policy.ts";
import { defaultThreads } from "../queue/task.ts";
import type { FrameQueue, RetryPolicy } from "../queue/types.ts";
import { formatServerAddress } from "../util/address.ts";
import type { PipelineJob } from "./job.ts";
import { JobRegistry } from "./registry.ts";
import { Semaphore } from "../util/semaphore.ts";
import { removeQuietly, serveSession, type SessionContext } from "./session.ts";

/** Options of {@link VframeServer.start}. Every field is optional. */
export interface ServerOptions {
  /** Address to listen on (default `"::"`: every IPv6 and, dual-stack, every IPv4 address). */
  host?: string;
  /** TCP port (default 9090); 0 picks a free one (read it back from `server.port`). */
  port?: number;
  /** Also listen on this AF_UNIX socket path (default: none). A stale socket file is replaced. */
  unixPath?: string;
  /** Use BullMQ on this Redis (`redis://host:port`); default: the embedded pool. */
  redisUrl?: string;
  /** Filter threads of the embedded pool (default {@link defaultThreads}). */
  threads?: number;
  /** Retry policy (default 3 attempts, 100 ms backoff, 10 s per attempt, 60 s per frame). */
  policy?: Partial<RetryPolicy>;
  /** Frames per second started across the pool/workers (default: unlimited). */
  ratePerSecond?: number;
  /** Frames in flight per job, decode → encoder (default 16). */
  maxInFlight?: number;
  /** Frames in flight over all jobs (default 4 × maxInFlight). */
  maxInFlightTotal?: number;
  /** Jobs at once; more are refused with `server-busy` (default 8). */
  maxJobs?: number;
  /** Codec backend (default `auto`: native ffmpeg when on PATH, else ffmpeg.wasm). */
  codec?: CodecChoice;
  /** Preview HTTP port (default 8080; 0 = a free one); `false` turns the preview off. */
  previewPort?: number | false;
  /** Preview address (default `127.0.0.1`). */
  previewHost?: string;
  /**
   * Where jobs keep their upload and output (default: a new temp dir, removed by `close()`).
   * A given directory is created if needed and not removed; job sub-directories are.
   */
  workDir?: string;
  /** Largest accepted upload in bytes (default 2 GiB); larger gets `too-large`. */
  maxUploadBytes?: number;
  /** Time limit to wait for a client's next message during handshake and upload (default 30 s). */
  readTimeoutMs?: number;
  /** Default x264 CRF when the client gives none (default: the encoder's, 23). */
  crf?: number;
  /** Default x264 preset when the client gives none (default: the encoder's, `veryfast`). */
  preset?: string;
  /** Decode while the upload arrives where the container allows it (default true). */
  streamDecode?: boolean;
  /** Input limits (default: the codec's: 7680 px, 1,000,000 frames). */
  limits?: InputLimits;
  /** Use this queue instead of creating one; the server then does not close it. */
  queue?: FrameQueue;
  /** Log lines (job accepted, refused, finished); default: silent. */
  log?: (line: string) => void;
}

/** Thrown by {@link VframeServer.start} for an option out of range. */
export class ServerOptionError extends VframeError {
  readonly code: string = "bad-option";
  override name = "ServerOptionError";
}

/** Default frames in flight per job. */
export const DEFAULT_MAX_IN_FLIGHT = 16;
/** Default largest upload: 2 GiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

function checkInt(name: string, value: number | undefined, min: number, max = Infinity): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ServerOptionError(
      `${name} must be an integer in [${min}, ${max === Infinity ? "∞" : max}], got ${value}`,
    );
  }
}

/** A running server. */
export class VframeServer {
  /** The TCP port listened on. */
  readonly port: number;
  /** The TCP address listened on (`::` or what `host` said). */
  readonly hostname: string;
  /** The AF_UNIX path, when listening on one. */
  readonly unixPath?: string;
  /** The jobs, for the preview and for callers. */
  readonly registry: JobRegistry;
  /** The preview's URL, when the preview is on. */
  readonly previewUrl?: string;
  /** The frame queue in use. */
  readonly queue: FrameQueue;
  /** The metrics the pipeline updates. */
  readonly metrics: VframeMetrics;
  /** The codec backend in use. */
  readonly codec: CodecBackendName;
  /** The directory holding one sub-directory per job. */
  readonly workDir: string;

  readonly #listeners: Deno.Listener[];
  readonly #sessions = new Set<Promise<void>>();
  readonly #jobs = new Map<string, PipelineJob>();
  readonly #kept = new Map<string, string>();
  readonly #ownsQueue: boolean;
  readonly #ownsWorkDir: boolean;
  readonly #preview?: { close(): Promise<void> };
  readonly #onChange: () => void;
  #closing = false;
  #closed?: Promise<void>;

  private constructor(init: {
    listeners: Deno.Listener[];
    port: number;
    hostname: string;
    unixPath?: string;
    registry: JobRegistry;
    queue: FrameQueue;
    ownsQueue: boolean;
    metrics: VframeMetrics;
    codec: CodecBackendName;
    workDir: string;
    ownsWorkDir: boolean;
    preview?: { url: string; close(): Promise<void> };
  }) {
    this.#listeners = init.listeners;
    this.port = init.port;
    this.hostname = init.hostname;
    this.unixPath = init.unixPath;
    this.registry = init.registry;
    this.queue = init.queue;
    this.#ownsQueue = init.ownsQueue;
    this.metrics = init.metrics;
    this.codec = init.codec;
    this.workDir = init.workDir;
    this.#ownsWorkDir = init.ownsWorkDir;
    this.#preview = init.preview;
    this.previewUrl = init.preview?.url;
    // Finished outputs stay until the registry prunes their job (or the server closes).
    this.#onChange = () => {
      for (const [id, dir] of this.#kept) {
        if (!this.registry.get(id)) {
          this.#kept.delete(id);
          void removeQuietly(dir);
        }
      }
    };
    this.registry.addEventListener("change", this.#onChange);
  }

  /**
   * Starts listening. Everything started so far is stopped again if a later step fails.
   * @throws ServerOptionError for an option out of range; the queue's, codec's or Deno's errors
   * (e.g. `AddrInUse`) when a part cannot start.
   */
  static async start(options: ServerOptions = {}): Promise<VframeServer> {
    const log = options.log ?? (() => {});
    checkInt("port", options.port, 0, 65535);
    checkInt(
      "previewPort",
      options.previewPort === false ? undefined : options.previewPort,
      0,
      65535,
    );
    checkInt("threads", options.threads, 1, 1024);
    checkInt("maxInFlight", options.maxInFlight, 1);
    checkInt("maxInFlightTotal", options.maxInFlightTotal, 1);
    checkInt("maxJobs", options.maxJobs, 1);
    checkInt("maxUploadBytes", options.maxUploadBytes, 1);
    checkInt("readTimeoutMs", options.readTimeoutMs, 0);
    if (
      options.ratePerSecond !== undefined &&
      !(Number.isFinite(options.ratePerSecond) && options.ratePerSecond > 0)
    ) {
      throw new ServerOptionError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    }
    const policy = resolvePolicy(options.policy);
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const maxInFlightTotal = options.maxInFlightTotal ?? 4 * maxInFlight;
    if (maxInFlightTotal < maxInFlight) {
      throw new ServerOptionError(
        `maxInFlightTotal (${maxInFlightTotal}) must be >= maxInFlight (${maxInFlight})`,
      );
    }

    const cleanups: (() => Promise<void> | void)[] = [];
    const undo = async () => {
      for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    };
    try {
      const codec = await resolveBackend(options.codec ?? "auto");
      const ownsWorkDir = options.workDir === undefined;
      const workDir = options.workDir ?? await Deno.makeTempDir({ prefix: "vframe-server-" });
      if (ownsWorkDir) cleanups.push(() => removeQuietly(workDir));
      else await Deno.mkdir(workDir, { recursive: true });

      let queue: FrameQueue;
      if (options.queue) {
        queue = options.queue;
      } else if (options.redisUrl) {
        // Loaded on demand: an embedded server never loads BullMQ and ioredis. (Literal
        // specifiers, so `deno compile` still bundles them.)
        const { BullmqQueue } = await import("../queue/bullmq.ts");
        queue = await BullmqQueue.create({
          redisUrl: options.redisUrl,
          policy,
          ratePerSecond: options.ratePerSecond,
        });
        cleanups.push(() => queue.close());
      } else {
        const { EmbeddedQueue } = await import("../queue/embedded.ts");
        queue = await EmbeddedQueue.create({
          threads: options.threads ?? defaultThreads(),
          policy,
          ratePerSecond: options.ratePerSecond,
        });
        cleanups.push(() => queue.close());
      }

      const listeners: Deno.Listener[] = [];
      const requested = options.host ?? "::";
      let tcp: Deno.TcpListener;
      try {
        tcp = Deno.listen({ hostname: requested, port: options.port ?? 9090 });
      } catch (error) {
        // A host without IPv6 cannot bind `::`; serve IPv4 rather than nothing.
        if (options.host !== undefined || error instanceof Deno.errors.AddrInUse) throw error;
        log(`cannot listen on [::] (${(error as Error).message}); using 0.0.0.0`);
        tcp = Deno.listen({ hostname: "0.0.0.0", port: options.port ?? 9090 });
      }
      listeners.push(tcp);
      cleanups.push(() => tcp.close());
      if (options.unixPath) {
        const path = options.unixPath;
        await removeStaleSocket(path);
        const unix = Deno.listen({ transport: "unix", path });
        listeners.push(unix);
        cleanups.push(() => {
          unix.close();
          return removeQuietly(path);
        });
      }

      const registry = new JobRegistry();
      const metrics = new VframeMetrics();
      let preview: { url: string; close(): Promise<void> } | undefined;
      if (options.previewPort !== false) {
        preview = await startPreview({
          registry,
          metrics,
          queue,
          hostname: options.previewHost ?? "127.0.0.1",
          port: options.previewPort ?? 8080,
        });
        cleanups.push(() => preview!.close());
      }

      const server = new VframeServer({
        listeners,
        port: tcp.addr.port,
        hostname: tcp.addr.hostname,
        unixPath: options.unixPath,
        registry,
        queue,
        ownsQueue: !options.queue,
        metrics,
        codec,
        workDir,
        ownsWorkDir,
        preview,
      });
      const ctx: SessionContext = {
        queue,
        registry,
        metrics,
        codec,
        inFlightTotal: new Semaphore(maxInFlightTotal),
        maxInFlight,
        maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        maxJobs: options.maxJobs ?? 8,
        jobs: server.#jobs,
        workDir,
        readTimeoutMs: options.readTimeoutMs ?? 30_000,
        // The queue owns the per-frame deadline; the server's own limit is a safety net above it.
        frameDeadlineMs: policy.deadlineMs + 5_000,
        crf: options.crf,
        preset: options.preset,
        streamDecode: options.streamDecode ?? true,
        limits: options.limits,
        closing: () => server.#closing,
        kept: (id, dir) => server.#kept.set(id, dir),
        log,
      };
      for (const listener of listeners) void server.#accept(listener, ctx);
      log(
        `vframe server listening on ${formatServerAddress(tcp.addr.hostname, tcp.addr.port)}${
          options.unixPath ? ` and unix:${options.unixPath}` : ""
        } (queue ${queue.backend}, codec ${codec}${preview ? `, preview ${preview.url}` : ""})`,
      );
      return server;
    } catch (error) {
      await undo();
      throw error;
    }
  }

  /** Jobs running now. */
  get activeJobs(): number {
    return this.#jobs.size;
  }

  async #accept(listener: Deno.Listener, ctx: SessionContext): Promise<void> {
    try {
      for await (const conn of listener) {
        if (this.#closing) {
          conn.close();
          continue;
        }
        if (conn.remoteAddr.transport === "tcp") {
          try {
            (conn as Deno.TcpConn).setNoDelay(true);
          } catch { /* not fatal */ }
        }
        const session = serveSession(conn, ctx);
        this.#sessions.add(session);
        void session.finally(() => this.#sessions.delete(session));
      }
    } catch (error) {
      if (!this.#closing) ctx.log(`listener stopped: ${(error as Error).message}`);
    }
  }

  /**
   * Stops listening, cancels running jobs (their clients get an error or a closed connection),
   * closes the preview and the queue (unless it was given), and removes the work dir it made.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch { /* already closed */ }
    }
    for (const job of this.#jobs.values()) job.cancel("the server is shutting down");
    await Promise.allSettled([...this.#sessions]);
    this.registry.removeEventListener("change", this.#onChange);
    await this.#preview?.close().catch(() => {});
    if (this.#ownsQueue) await this.queue.close().catch(() => {});
    if (this.unixPath) await removeQuietly(this.unixPath);
    for (const dir of this.#kept.values()) await removeQuietly(dir);
    this.#kept.clear();
    if (this.#ownsWorkDir) await removeQuietly(this.workDir);
  }
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (info.isSocket) await Deno.remove(path);
    else throw new ServerOptionError(`--unix ${path} exists and is not a socket; not replacing it`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
