/**
 * A running job and the client connections that follow it, one at a time: the connection that
 * sent `hello`, then any that `attach` after it was lost. The job outlives its connections:
 *
 * - A connection that is **lost** (closed, reset, cut mid-message, silent past the read timeout)
 *   detaches the job; it keeps running for `graceMs` (`--detach-grace`) for a client to
 *   re-attach, and is cancelled if none does (0: at once). An upload waits meanwhile and resumes
 *   from the last byte stored.
 * - A client that **cancels** (`cancel`, Ctrl-C) or breaks the rules (bad checksum, size, order,
 *   an upload too slow) cancels the job at once.
 * - An `attach` while another connection follows the job **replaces** it: the older one gets
 *   `error detached` and is closed (it may be half-open: its peer is gone without a word).
 * - When the job ends, the attached connection gets the last `progress`, the `result` and the
 *   output; with no connection attached the result and output wait (`KeptOutputs`).
 *
 * Progress goes to the attached connection every `progressIntervalMs`.
 */
import { Sha256 } from "../protocol/checksum.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import type { ErrorCode, HelloMessage, JobState } from "../protocol/messages.ts";
import type { JobResult } from "../protocol/result.ts";
import type { GrowingFile } from "../util/growing_file.ts";
import { withinMs } from "../util/sleep.ts";
import { type KeptOutputs, type OutputLease, sendOutput } from "./attach_outputs.ts";
import { readAttached, type ReadEnd } from "./attach_reader.ts";
import type { PipelineJob } from "./job.ts";
import { UploadWatch } from "./upload_limits.ts";

/** How long the server waits for a client to close after the last message, ms. */
const LINGER_MS = 5_000;

/** How long a replaced connection may take to be told so before it is closed, ms. */
const REPLACE_WAIT_MS = 1_000;

/** What a job's connections need from the server. */
export interface HostContext {
  /** How long a job whose connection was lost waits for a client to re-attach, ms (0: none). */
  graceMs: number;
  /** Finished outputs, kept for re-attaching clients. */
  outputs: KeptOutputs;
  /** Wait for the client's next message during the upload, ms. */
  readTimeoutMs: number;
  /** The whole upload's time limit, ms; `undefined` = a function of the size; 0 = none. */
  uploadTimeoutMs?: number;
  /** Minimum upload rate averaged over `uploadRateWindowMs`, bytes/s; 0 = none. */
  minUploadBytesPerSecond: number;
  uploadRateWindowMs: number;
  log(line: string): void;
}

/** Options of {@link HostedJob}. */
export interface HostedJobInit {
  job: PipelineJob;
  hello: HelloMessage;
  upload: GrowingFile;
  /** The job's folder (the output is kept in it). */
  dir: string;
  ctx: HostContext;
  /**
   * Called once when the job ended, after its output (if any) was handed to `ctx.outputs`:
   * give back what the job held, delete what is not kept. Must not reject.
   */
  onEnd(result: JobResult): Promise<void>;
}

/** Where a connection's upload bytes are counted, for the rate check (upload_limits.ts). */
export interface UploadMeter {
  watch?: UploadWatch;
}

/** What `attached` tells a re-attaching client. */
export interface AttachSnapshot {
  jobId: string;
  fileName: string;
  size: number;
  received: number;
  uploadDone: boolean;
  state: JobState;
}

interface Attachment {
  c: MessageConnection;
  reading: Promise<ReadEnd>;
  /** Resolves when the host is done with this connection. */
  served: Promise<void>;
  /** Set once the connection's end was decided elsewhere (replaced, refused, cancelled). */
  settled: boolean;
  /** An `error` being sent before closing (memory refusal); the result is not sent then. */
  failing?: Promise<void>;
  lease?: OutputLease;
}

/** One job and its connections; see the module documentation. */
export class HostedJob {
  readonly id: string;
  readonly job: PipelineJob;
  readonly #init: HostedJobInit;
  readonly #sha = new Sha256();
  readonly #uploadStart = performance.now();
  #current?: Attachment;
  #lock: Promise<void> = Promise.resolve();
  #grace?: ReturnType<typeof setTimeout>;
  #result?: JobResult;
  #ended?: Promise<JobResult>;
  #done?: Promise<void>;

  constructor(init: HostedJobInit) {
    this.#init = init;
    this.job = init.job;
    this.id = init.job.id;
  }

  /** Starts the job. Call once. */
  start(): void {
    if (this.#ended) throw new Error("HostedJob.start() called twice");
    this.#ended = this.job.run().then((result) => {
      this.#jobEnded(result);
      return result;
    });
    this.#done = this.#ended.then((result) => this.#init.onEnd(result));
  }

  /** Resolves when the job ended and `onEnd` is done (not when its output was sent). */
  get done(): Promise<void> {
    if (!this.#done) throw new Error("HostedJob.start() was not called");
    return this.#done;
  }

  /** Whether a connection follows the job now. */
  get attached(): boolean {
    return this.#current !== undefined;
  }

  /** The job's upload and state, for `attached`. */
  snapshot(): AttachSnapshot {
    const { hello, upload } = this.#init;
    return {
      jobId: this.id,
      fileName: hello.fileName,
      size: hello.size,
      received: upload.written,
      uploadDone: upload.finished || this.#result !== undefined,
      state: this.job.result.state,
    };
  }

  /**
   * Makes `c` the job's connection and serves it until it ends; resolves then (never rejects).
   * A connection attached before is replaced first (it gets `error detached`). `announce` is
   * sent in between — the `attached` message, with the upload's state once the replaced
   * connection stored its last chunk; when it cannot be sent the client is gone: the job is
   * detached.
   */
  async attach(
    c: MessageConnection,
    meter: UploadMeter,
    announce?: (snapshot: AttachSnapshot) => Promise<boolean>,
  ): Promise<void> {
    let unlock!: () => void;
    const previous = this.#lock;
    this.#lock = new Promise<void>((resolve) => (unlock = resolve));
    let attachment: Attachment | undefined;
    try {
      await previous;
      await this.#replaceCurrent();
      if (!announce || await announce(this.snapshot())) attachment = this.#install(c, meter);
    } finally {
      unlock();
    }
    if (attachment) return await attachment.served;
    c.close();
    this.#detached("the client left before it was attached");
  }

  /**
   * Tells the attached client why the job cannot go on (`error code`) and closes its connection;
   * the job fails on its own (e.g. the memory gate refused it). With no client attached, only
   * the result says why.
   */
  failAttached(code: ErrorCode, message: string): void {
    const a = this.#current;
    if (!a || a.settled) return;
    a.settled = true;
    a.failing = a.c.fail(code, message);
  }

  /** Cancels the job (as a client's `cancel` does). */
  cancel(reason: string): void {
    this.#init.upload.fail(reason);
    this.job.cancel(reason);
  }

  /** The current connection gets `error detached` and is closed; waits until it is let go. */
  async #replaceCurrent(): Promise<void> {
    const old = this.#current;
    if (!old) return;
    this.#current = undefined;
    if (!old.settled) {
      old.settled = true;
      // Its peer may be gone without a word (a half-open connection): do not wait on it long.
      const told = old.c.fail("detached", `another connection attached to job ${this.id}`, {
        lingerMs: 0,
      });
      await withinMs(told, REPLACE_WAIT_MS);
    }
    old.c.close();
    await old.served;
  }

  #install(c: MessageConnection, meter: UploadMeter): Attachment {
    clearTimeout(this.#grace);
    this.#grace = undefined;
    const { ctx, hello, upload } = this.#init;
    const now = performance.now();
    const watch = new UploadWatch({
      size: hello.size,
      timeoutMs: ctx.uploadTimeoutMs,
      minBytesPerSecond: ctx.minUploadBytesPerSecond,
      windowMs: ctx.uploadRateWindowMs,
      start: now,
      timeoutStart: this.#uploadStart,
    });
    meter.watch = watch;
    const reading = readAttached(
      c,
      { size: hello.size, upload, sha: this.#sha },
      watch,
      ctx.readTimeoutMs,
    );
    const a: Attachment = { c, reading, served: Promise.resolve(), settled: false };
    if (this.#result?.state === "done") a.lease = ctx.outputs.lease(this.id);
    this.#current = a;
    a.served = this.#serve(a);
    return a;
  }

  /** Serves one connection: progress, then the result and output, or its end. Never rejects. */
  async #serve(a: Attachment): Promise<void> {
    const { c } = a;
    const interval = this.#init.hello.options.progressIntervalMs ?? 500;
    const ticker = setInterval(() => {
      void c.trySend({ type: "progress", ...this.job.progress() });
    }, interval);
    try {
      const first = await Promise.race([
        a.reading.then((end) => ({ end })),
        this.#ended!.then((result) => ({ result })),
      ]);
      clearInterval(ticker);
      if ("end" in first) {
        this.#connectionEnded(a, first.end);
        return;
      }
      // The job ended while this connection followed it.
      if (a.failing || a.settled || c.isClosed) return; // told why already (error too-large, …)
      await this.#deliver(a, first.result);
      // The client closes once it has everything; give it a moment, then close.
      await withinMs(a.reading, LINGER_MS);
    } catch (error) {
      this.#init.ctx.log(
        `job ${this.id}: connection failed: ${error instanceof Error ? error.stack : error}`,
      );
      if (!a.settled) await c.fail("internal", `server error: ${String(error)}`);
    } finally {
      clearInterval(ticker);
      a.lease?.release();
      if (a.failing) await a.failing;
      c.close();
      if (this.#current === a) this.#current = undefined;
    }
  }

  /** The last progress, the result, and the output of a done job. */
  async #deliver(a: Attachment, result: JobResult): Promise<void> {
    const { c } = a;
    await c.trySend({ type: "progress", ...this.job.progress() });
    if (!(await c.trySend({ type: "result", result: structuredClone(result) }))) return;
    if (result.state !== "done") return;
    a.lease ??= this.#init.ctx.outputs.lease(this.id);
    if (!a.lease) {
      await c.fail("internal", `the output of job ${this.id} is no longer on the server`);
      return;
    }
    await sendOutput(c, a.lease.path);
  }

  /** A connection ended before the job did: cancel it, or wait for a client to re-attach. */
  #connectionEnded(a: Attachment, end: ReadEnd): void {
    if (a.settled) return; // replaced, or refused: decided elsewhere
    a.settled = true;
    if (this.#current === a) this.#current = undefined;
    if (end.kind === "cancel") {
      this.cancel(end.why);
      if (end.code) a.failing = a.c.fail(end.code, end.why);
      else a.c.close();
      return;
    }
    if (end.code) a.failing = a.c.fail(end.code, end.why);
    else a.c.close();
    this.#detached(end.why);
  }

  /** No connection follows the job: the grace period starts (or, without one, the job ends). */
  #detached(why: string): void {
    if (this.#result || this.#current) return;
    const { graceMs, log } = this.#init.ctx;
    if (graceMs <= 0) {
      this.cancel(why);
      return;
    }
    log(
      `job ${this.id}: ${why}; kept running ${graceMs / 1000} s for the client to re-attach ` +
        `(--detach-grace)`,
    );
    clearTimeout(this.#grace);
    this.#grace = setTimeout(() => {
      this.#grace = undefined;
      if (this.#current || this.#result) return;
      const reason = `${why}, and no client re-attached within ${graceMs / 1000} s ` +
        `(--detach-grace)`;
      log(`job ${this.id}: cancelled: ${reason}`);
      this.cancel(reason);
    }, graceMs);
  }

  /** The job ended: the grace period is over, a done job's output is kept. */
  #jobEnded(result: JobResult): void {
    this.#result = result;
    clearTimeout(this.#grace);
    this.#grace = undefined;
    const { ctx, dir } = this.#init;
    const output = this.job.outputPath;
    if (result.state === "done" && output) {
      ctx.outputs.keep(this.id, dir, output);
      // Leased now, so that an output kept 0 s is still sent to the client attached.
      if (this.#current) this.#current.lease ??= ctx.outputs.lease(this.id);
    }
  }
}
