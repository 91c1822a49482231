/**
 * The vframe server, programmatically: TCP (dual-stack `[::]`) and optionally an AF_UNIX socket,
 * serving jobs onto the frame queue it is given, with the job registry and the metrics that the
 * preview reads. Picking the queue backend and starting the preview is the caller's
 * (`commands/stack.ts`).
 *
 * ```ts
 * const queue = await EmbeddedQueue.create();
 * const server = await VframeServer.start({ port: 0, queue });
 * // … clients connect to server.port …
 * await server.close();
 * await queue.close();
 * ```
 */
import { VframeError } from "../util/errors.ts";
import { resolveBackend } from "../codec/mod.ts";
import type { CodecBackendName, CodecChoice, InputLimits } from "../codec/types.ts";
import { resolvePolicy } from "../queue/policy.ts";
import type { FrameQueue, RetryPolicy } from "../queue/types.ts";
import { formatServerAddress } from "../util/address.ts";
import type { PipelineJob, PipelineMetrics } from "./job.ts";
import type { SegmentMode } from "./segment_job.ts";
import { JobRegistry } from "./registry.ts";
import { Semaphore } from "../util/semaphore.ts";
import { removeQuietly, serveSession, type SessionContext } from "./session.ts";
import { JobSlots } from "./admission.ts";
import { acceptLoop } from "./listener.ts";
import type { ServerAuth } from "./auth.ts";
import { listenTcp, type ServerTls } from "./tls.ts";
import {
  DEFAULT_IN_FLIGHT_BUDGET_BYTES,
  defaultMaxMemoryBytes,
  JOB_BASE_BYTES,
  MemoryBudget,
} from "./memory.ts";
import { DEFAULT_MIN_UPLOAD_RATE, DEFAULT_UPLOAD_RATE_WINDOW_MS } from "./upload_limits.ts";
import type { HostedJob } from "./attach_host.ts";
import { DEFAULT_KEEP_OUTPUT_MS, KeptOutputs } from "./attach_outputs.ts";

/** Options of {@link VframeServer.start}. Every field is optional. */
export interface ServerOptions {
  /** Address to listen on (default `"::"`: every IPv6 and, dual-stack, every IPv4 address). */
  host?: string;
  /** TCP port (default 9090); 0 picks a free one (read it back from `server.port`). */
  port?: number;
  /** Also listen on this AF_UNIX socket path (default: none). A stale socket file is replaced. */
  unixPath?: string;
  /**
   * Access control (auth.ts): `{ mode: "token", token }` makes every client prove it knows the
   * token; default `{ mode: "none" }` (the `server` command passes `resolveServerAuth(…)`).
   */
  auth?: ServerAuth;
  /** Serve the TCP listener inside TLS (tls.ts `loadServerTls`); default plain TCP. */
  tls?: ServerTls;
  /** The frame queue jobs run on (embedded pool or BullMQ); the server does not close it. */
  queue: FrameQueue;
  /**
   * The queue's retry policy, for the server's own per-frame limit above it and for the warning at
   * admission when no worker is alive (default: defaults).
   */
  policy?: Partial<RetryPolicy>;
  /** Frames in flight per job, decode → encoder (default 16). */
  maxInFlight?: number;
  /** Frames in flight over all jobs (default 4 × maxInFlight). */
  maxInFlightTotal?: number;
  /**
   * Jobs at once; more are refused with `server-busy` (default 8). A slot is taken in the same
   * synchronous step as the decision, so simultaneous hellos cannot overshoot it.
   */
  maxJobs?: number;
  /** Codec backend (default `auto`: native ffmpeg when on PATH, else ffmpeg.wasm). */
  codec?: CodecChoice;
  /**
   * Where jobs keep their upload and output (default: a new temp dir, removed by `close()`).
   * A given directory is created if needed and not removed; job sub-directories are.
   */
  workDir?: string;
  /** Largest accepted upload in bytes (default 2 GiB); larger gets `too-large`. */
  maxUploadBytes?: number;
  /** Time limit to wait for a client's next message during handshake and upload (default 30 s). */
  readTimeoutMs?: number;
  /**
   * Time limit of a whole upload, from the `ack` to `upload-end`, ms (default: 60 s plus one
   * second per 256 KiB announced, see upload_limits.ts; 0 = none). Past it the client gets
   * `error timeout` and its job slot is freed.
   */
  uploadTimeoutMs?: number;
  /**
   * Minimum upload rate, bytes/s, averaged over `uploadRateWindowMs` once the upload has run that
   * long (default 65_536 = 64 KiB/s; 0 = none). A slower client gets `error timeout`.
   */
  minUploadBytesPerSecond?: number;
  /** The window of `minUploadBytesPerSecond`, ms (default 10_000). */
  uploadRateWindowMs?: number;
  /**
   * Memory the jobs together may be estimated to use, bytes (default: a quarter of the machine's
   * memory, at least 512 MiB, at most 16 GiB). See memory.ts for the per-job estimate. A job is
   * admitted with a base share (64 MiB; busy when that does not fit) and reserves its estimate at
   * its first frame: refused (`too-large`) when the estimate is over this limit, held (up to
   * `memoryWaitMs`) while other jobs hold the memory.
   */
  maxMemoryBytes?: number;
  /** Longest wait of a job for memory, ms (default 30_000; at most half the frame deadline). */
  memoryWaitMs?: number;
  /**
   * How long a job whose client connection was lost keeps running for the client to re-attach
   * (`attach`), ms; then it is cancelled. Default 0: cancelled at once, as a `cancel` would (the
   * `server` command passes `--detach-grace`, default {@link DEFAULT_DETACH_GRACE_MS}).
   */
  detachGraceMs?: number;
  /**
   * How long a done job's output is kept after the job ended, for clients that re-attach and the
   * preview, ms (default {@link DEFAULT_KEEP_OUTPUT_MS}, 10 min); then it is deleted. Outputs also
   * go when their job leaves the registry (the last 50 finished jobs stay) or the server closes.
   */
  keepOutputMs?: number;
  /**
   * Cap of the bytes of one job's frames in flight, copies included (default 512 MiB): a job with
   * big frames runs with fewer than `maxInFlight` frames in flight.
   */
  inFlightBudgetBytes?: number;
  /** Default x264 CRF when the client gives none (default: the encoder's, 23). */
  crf?: number;
  /** Default x264 preset when the client gives none (default: the encoder's, `veryfast`). */
  preset?: string;
  /** Decode while the upload arrives where the container allows it (default true). */
  streamDecode?: boolean;
  /** Input limits (default: the codec's: 7680 px, 1,000,000 frames). */
  limits?: InputLimits;
  /**
   * Segment mode (segment_job.ts): jobs are split into chunks that workers decode, filter and
   * encode; the server only splits and joins. Default: none (every job frame by frame).
   */
  segments?: SegmentMode;
  /** Metrics the jobs update (the preview's `VframeMetrics`); default: none. */
  metrics?: PipelineMetrics;
  /** Log lines (job accepted, refused, finished); default: silent. */
  log?: (line: string) => void;
}

/** Thrown by {@link VframeServer.start} for an option out of range. */
export class ServerOptionError extends VframeError {
  readonly code: string = "bad-option";
  override name = "ServerOptionError";
}

/** Default time limit to wait for a client's next message, ms. */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** Default longest wait of a job for memory, ms. */
export const DEFAULT_MEMORY_WAIT_MS = 30_000;
/** The `server` command's default `--detach-grace`, ms. */
export const DEFAULT_DETACH_GRACE_MS = 60_000;
export { DEFAULT_KEEP_OUTPUT_MS };

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
  /** The frame queue in use. */
  readonly queue: FrameQueue;
  /** The metrics the jobs update, when given. */
  readonly metrics?: PipelineMetrics;
  /** The codec backend in use. */
  readonly codec: CodecBackendName;
  /** The directory holding one sub-directory per job. */
  readonly workDir: string;

  readonly #listeners: Deno.Listener[];
  readonly #accepting: Promise<unknown>[] = [];
  readonly #stop = new AbortController();
  readonly #slots: JobSlots;
  readonly #memory: MemoryBudget;
  readonly #sessions = new Set<Promise<void>>();
  readonly #jobs = new Map<string, PipelineJob>();
  readonly #kept = new Map<string, string>();
  readonly #hosts = new Map<string, HostedJob>();
  #outputs?: KeptOutputs;
  readonly #ownsWorkDir: boolean;
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
    metrics?: PipelineMetrics;
    codec: CodecBackendName;
    workDir: string;
    ownsWorkDir: boolean;
    slots: JobSlots;
    memory: MemoryBudget;
  }) {
    this.#listeners = init.listeners;
    this.#slots = init.slots;
    this.#memory = init.memory;
    this.port = init.port;
    this.hostname = init.hostname;
    this.unixPath = init.unixPath;
    this.registry = init.registry;
    this.queue = init.queue;
    this.metrics = init.metrics;
    this.codec = init.codec;
    this.workDir = init.workDir;
    this.#ownsWorkDir = init.ownsWorkDir;
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
  static async start(options: ServerOptions): Promise<VframeServer> {
    const log = options.log ?? (() => {});
    checkInt("port", options.port, 0, 65535);
    checkInt("maxInFlight", options.maxInFlight, 1);
    checkInt("maxInFlightTotal", options.maxInFlightTotal, 1);
    checkInt("maxJobs", options.maxJobs, 1);
    checkInt("maxUploadBytes", options.maxUploadBytes, 1);
    checkInt("readTimeoutMs", options.readTimeoutMs, 0);
    checkInt("uploadTimeoutMs", options.uploadTimeoutMs, 0);
    checkInt("minUploadBytesPerSecond", options.minUploadBytesPerSecond, 0);
    checkInt("uploadRateWindowMs", options.uploadRateWindowMs, 100);
    checkInt("maxMemoryBytes", options.maxMemoryBytes, JOB_BASE_BYTES);
    checkInt("memoryWaitMs", options.memoryWaitMs, 0);
    checkInt("inFlightBudgetBytes", options.inFlightBudgetBytes, 1);
    checkInt("detachGraceMs", options.detachGraceMs, 0);
    checkInt("keepOutputMs", options.keepOutputMs, 0);
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

      const queue = options.queue;

      const listeners: Deno.Listener[] = [];
      const requested = options.host ?? "::";
      let tcp: Deno.Listener<Deno.Conn, Deno.NetAddr>;
      try {
        tcp = listenTcp({ hostname: requested, port: options.port ?? 9090, tls: options.tls });
      } catch (error) {
        // A host without IPv6 cannot bind `::`; serve IPv4 rather than nothing.
        if (options.host !== undefined || error instanceof Deno.errors.AddrInUse) throw error;
        log(`cannot listen on [::] (${(error as Error).message}); using 0.0.0.0`);
        tcp = listenTcp({ hostname: "0.0.0.0", port: options.port ?? 9090, tls: options.tls });
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
      const metrics = options.metrics;
      const slots = new JobSlots(options.maxJobs ?? 8);
      const memory = new MemoryBudget(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
      // The queue owns the per-frame deadline (which waits while no worker is alive, at most
      // noWorkerTimeoutMs); the server's own limit is a safety net above both.
      const frameDeadlineMs = policy.deadlineMs + policy.noWorkerTimeoutMs + 5_000;

      const server = new VframeServer({
        listeners,
        port: tcp.addr.port,
        hostname: tcp.addr.hostname,
        unixPath: options.unixPath,
        registry,
        queue,
        metrics,
        codec,
        workDir,
        ownsWorkDir,
        slots,
        memory,
      });
      const ctx: SessionContext = {
        queue,
        registry,
        metrics,
        codec,
        inFlightTotal: new Semaphore(maxInFlightTotal),
        maxInFlight,
        maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        auth: options.auth ?? { mode: "none" },
        slots,
        memory,
        jobBaseBytes: Math.min(JOB_BASE_BYTES, memory.limitBytes),
        inFlightBudgetBytes: options.inFlightBudgetBytes ?? DEFAULT_IN_FLIGHT_BUDGET_BYTES,
        // The wait happens inside the first frame's deadline: leave the frame most of it.
        memoryWaitMs: Math.min(
          options.memoryWaitMs ?? DEFAULT_MEMORY_WAIT_MS,
          (policy.deadlineMs + 5_000) / 2,
        ),
        uploadTimeoutMs: options.uploadTimeoutMs,
        minUploadBytesPerSecond: options.minUploadBytesPerSecond ?? DEFAULT_MIN_UPLOAD_RATE,
        uploadRateWindowMs: options.uploadRateWindowMs ?? DEFAULT_UPLOAD_RATE_WINDOW_MS,
        jobs: server.#jobs,
        hosts: server.#hosts,
        outputs: server.#outputs = new KeptOutputs({
          keepMs: options.keepOutputMs ?? DEFAULT_KEEP_OUTPUT_MS,
          registry,
          log,
        }),
        detachGraceMs: options.detachGraceMs ?? 0,
        workDir,
        readTimeoutMs: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
        frameDeadlineMs,
        noWorkerTimeoutMs: policy.noWorkerTimeoutMs,
        crf: options.crf,
        preset: options.preset,
        streamDecode: options.streamDecode ?? true,
        limits: options.limits,
        segments: options.segments,
        closing: () => server.#closing,
        kept: (id, dir) => server.#kept.set(id, dir),
        log,
      };
      for (const listener of listeners) server.#accepting.push(server.#accept(listener, ctx));
      log(
        `vframe server listening on ${formatServerAddress(tcp.addr.hostname, tcp.addr.port)}${
          options.tls ? " (TLS)" : ""
        }${options.unixPath ? ` and unix:${options.unixPath}` : ""}${
          options.auth?.mode === "token" ? ", token required" : ", no access control"
        } (queue ${queue.backend}, codec ${codec})`,
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

  /** Job slots taken now: jobs running plus those being admitted (≤ `maxJobs`). */
  get slotsInUse(): number {
    return this.#slots.used;
  }

  /** The memory limit and what jobs reserve of it now, bytes. */
  get memory(): { limitBytes: number; reservedBytes: number; waiting: number } {
    const m = this.#memory;
    return { limitBytes: m.limitBytes, reservedBytes: m.reservedBytes, waiting: m.waiting };
  }

  /** Serves every connection of `listener` until the server closes (see listener.ts). */
  #accept(listener: Deno.Listener, ctx: SessionContext): Promise<unknown> {
    return acceptLoop(listener, {
      signal: this.#stop.signal,
      log: ctx.log,
      onConnection: (conn) => {
        if (this.#closing) {
          conn.close();
          return;
        }
        if (conn.remoteAddr.transport === "tcp") {
          try {
            (conn as Deno.TcpConn).setNoDelay(true);
          } catch { /* not fatal */ }
        }
        const session = serveSession(conn, ctx);
        this.#sessions.add(session);
        void session.finally(() => this.#sessions.delete(session));
      },
    });
  }

  /**
   * Stops listening, cancels running jobs (their clients get an error or a closed connection),
   * and removes the work dir it made. The queue is the caller's to close.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#stop.abort();
    for (const l of this.#listeners) {
      try {
        l.close();
      } catch { /* already closed */ }
    }
    await Promise.allSettled(this.#accepting);
    for (const job of this.#jobs.values()) job.cancel("the server is shutting down");
    await Promise.allSettled([...this.#sessions]);
    this.registry.removeEventListener("change", this.#onChange);
    if (this.unixPath) await removeQuietly(this.unixPath);
    this.#outputs?.close();
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
