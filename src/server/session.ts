/**
 * One client connection on the server: handshake → ack → upload → progress → result → output.
 *
 * Every way a connection can go wrong ends here — malformed bytes, a wrong first message, a bad
 * size or checksum, a read timeout, an upload past its deadline or below the minimum rate, a job
 * over the memory limit, the client vanishing — with an `error` message where the peer can still
 * hear it, a closed connection, a cancelled job, its temp files removed and its job slot and
 * memory given back. Nothing a client sends can make this function reject: the server keeps
 * serving the others.
 *
 * What a job holds of the server: a job slot and a base share of the memory budget, taken with
 * the admission decision (admission.ts); at its first frame, its full memory estimate and its
 * frames-in-flight cap (memory_gate.ts); preview samples shrunk to preview size
 * (preview_samples.ts).
 */
import type { CodecBackendName, InputLimits } from "../codec/types.ts";
import { Sha256 } from "../protocol/checksum.ts";
import { MessageConnection } from "../protocol/connection.ts";
import { ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import {
  type ErrorCode,
  type HelloMessage,
  MAX_CHUNK_DATA,
  type Message,
  PROTOCOL_VERSION,
} from "../protocol/messages.ts";
import { withinMs } from "../util/sleep.ts";
import type { FrameQueue } from "../queue/types.ts";
import { admitAndReserve, type JobSlots, type Reservation } from "./admission.ts";
import { authenticate, type ServerAuth } from "./auth.ts";
import { formatServerAddress } from "../util/address.ts";
import { GrowingFile } from "../util/growing_file.ts";
import { PipelineJob, type PipelineMetrics } from "./job.ts";
import type { JobRegistry } from "./registry.ts";
import type { JobResult } from "../protocol/result.ts";
import { Semaphore } from "../util/semaphore.ts";
import type { MemoryBudget } from "./memory.ts";
import { MemoryGate, type MemoryRefusedError } from "./memory_gate.ts";
import { boundedSamples } from "./preview_samples.ts";
import { meteredConn, UploadWatch } from "./upload_limits.ts";

/** What a session needs from its server. */
export interface SessionContext {
  queue: FrameQueue;
  registry: JobRegistry;
  metrics?: PipelineMetrics;
  codec: CodecBackendName;
  /** The server-wide bound on frames in flight. */
  inFlightTotal: Semaphore;
  /** Frames in flight per job. */
  maxInFlight: number;
  maxUploadBytes: number;
  /** Access control: the token clients must prove they know, or none (auth.ts). */
  auth: ServerAuth;
  /** Job slots (`--max-jobs`), taken atomically with the admission decision. */
  slots: JobSlots;
  /** The server's memory budget (`--max-memory-mb`). */
  memory: MemoryBudget;
  /** Bytes of the budget a job takes at admission, before its frame size is known. */
  jobBaseBytes: number;
  /** Cap of the bytes of one job's frames in flight, copies included. */
  inFlightBudgetBytes: number;
  /** Longest wait of a job for memory at its first frame, ms. */
  memoryWaitMs: number;
  /** The whole upload's time limit, ms; `undefined` = a function of the size; 0 = none. */
  uploadTimeoutMs?: number;
  /** Minimum upload rate averaged over `uploadRateWindowMs`, bytes/s; 0 = none. */
  minUploadBytesPerSecond: number;
  uploadRateWindowMs: number;
  /** Jobs running now, by id (the session adds and removes its own). */
  jobs: Map<string, PipelineJob>;
  /** Directory holding one sub-directory per job. */
  workDir: string;
  /** Wait for the next message during the handshake and upload, ms. */
  readTimeoutMs: number;
  /** Server's per-frame safety limit, ms (see PipelineJobOptions.frameDeadlineMs). */
  frameDeadlineMs: number;
  /** How long the queue holds frames while no worker is alive (the policy's), ms. */
  noWorkerTimeoutMs: number;
  /** Default x264 CRF and preset when the client gives none. */
  crf?: number;
  preset?: string;
  streamDecode: boolean;
  limits?: InputLimits;
  /** True while the server shuts down. */
  closing(): boolean;
  /** Called when a job finished with an output kept in `dir`. */
  kept(jobId: string, dir: string): void;
  log(line: string): void;
}

/** How long the server waits for a client to close after the last message, ms. */
const LINGER_MS = 5_000;

/** Serves one connection to its end. Never rejects. */
export async function serveSession(conn: Deno.Conn, ctx: SessionContext): Promise<void> {
  let watch: UploadWatch | undefined;
  const metered = meteredConn(conn, (n) => watch?.received(n, performance.now()));
  const c = new MessageConnection(metered, { from: "client", readTimeoutMs: ctx.readTimeoutMs });
  const peer = describePeer(conn);
  let job: PipelineJob | undefined;
  let upload: GrowingFile | undefined;
  let dir: string | undefined;
  let keep = false;
  let reservation: Reservation | undefined;
  let gate: MemoryGate | undefined;
  try {
    const hello = await c.next();
    if (hello === null) return;
    if (hello.type !== "hello") {
      await c.fail("unexpected-message", `expected a hello message first, got '${hello.type}'`);
      return;
    }
    // Another version is refused before any challenge; with a token: challenge → auth → check.
    // Before admission, so that an unauthenticated client never holds a slot.
    if (!(await authenticate(c, hello, ctx.auth, { peer, log: (line) => ctx.log(line) }))) return;
    // The decision and the reservation are one synchronous step (no await in between).
    const verdict = admitAndReserve(hello, {
      slots: ctx.slots,
      memory: ctx.memory,
      jobBaseBytes: ctx.jobBaseBytes,
      maxUploadBytes: ctx.maxUploadBytes,
      closing: ctx.closing(),
    });
    if (!verdict.ok) {
      ctx.log(`refused ${peer}: ${verdict.code}: ${verdict.reason}`);
      await c.trySend({
        type: "ack",
        ok: false,
        version: PROTOCOL_VERSION,
        code: verdict.code,
        reason: verdict.reason,
        ...(verdict.retryAfterMs !== undefined ? { retryAfterMs: verdict.retryAfterMs } : {}),
      });
      await c.closeGracefully();
      return;
    }
    reservation = verdict.reservation;
    const jobId = crypto.randomUUID();
    dir = `${ctx.workDir}/${jobId}`;
    await Deno.mkdir(dir, { recursive: true });
    upload = await GrowingFile.create({
      path: `${dir}/input${safeExtension(hello.fileName)}`,
      expectedBytes: hello.size,
    });
    const perJob = new Semaphore(ctx.maxInFlight);
    let refusal: MemoryRefusedError | undefined;
    let refusing: Promise<void> = Promise.resolve();
    gate = new MemoryGate({
      queue: ctx.queue,
      budget: ctx.memory,
      heldBytes: verdict.reservation.memoryBytes,
      inFlight: perJob,
      maxInFlight: ctx.maxInFlight,
      inFlightBudgetBytes: ctx.inFlightBudgetBytes,
      waitMs: ctx.memoryWaitMs,
      onRefused: (error) => {
        refusal = error;
        ctx.log(`job ${jobId} refused: ${error.code}: ${error.message}`);
        refusing = c.fail(error.code, error.message);
      },
      onGranted: (plan) => {
        if (plan.inFlight < ctx.maxInFlight) {
          ctx.log(
            `job ${jobId}: ${plan.width}x${plan.height} frames, ${plan.inFlight} in flight ` +
              `(memory estimate ${Math.round(plan.estimateBytes / 1024 ** 2)} MiB)`,
          );
        }
      },
    });
    job = new PipelineJob({
      jobId,
      fileName: hello.fileName,
      upload,
      dir,
      filter: verdict.filter,
      queue: gate,
      registry: boundedSamples(ctx.registry),
      metrics: ctx.metrics,
      inFlight: [perJob, ctx.inFlightTotal],
      codec: ctx.codec,
      crf: hello.options.crf ?? ctx.crf,
      preset: hello.options.preset ?? ctx.preset,
      audio: hello.options.audio ?? true,
      frameDeadlineMs: ctx.frameDeadlineMs,
      streamDecode: ctx.streamDecode,
      limits: ctx.limits,
    });
    ctx.jobs.set(jobId, job);
    if (ctx.closing()) {
      // close() may have cancelled the running jobs before this one was registered.
      job.cancel("the server is shutting down");
      await job.run();
      await c.fail("cancelled", "the server is shutting down");
      return;
    }
    ctx.log(`job ${jobId} from ${peer}: ${hello.fileName} (${hello.size} bytes) ${verdict.filter}`);
    watch = new UploadWatch({
      size: hello.size,
      timeoutMs: ctx.uploadTimeoutMs,
      minBytesPerSecond: ctx.minUploadBytesPerSecond,
      windowMs: ctx.uploadRateWindowMs,
      start: performance.now(),
    });
    await c.send({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId });

    const running = job.run();
    void warnWithoutWorkers(job, ctx);
    const ticker = setInterval(() => {
      if (job) void c.trySend({ type: "progress", ...job.progress() });
    }, hello.options.progressIntervalMs ?? 500);
    let result: JobResult;
    const reading = readClient(c, hello, upload, job, watch, ctx.readTimeoutMs);
    try {
      result = await running;
    } finally {
      clearInterval(ticker);
    }
    // The job's frames are gone: its memory goes back while the client downloads.
    gate.dispose();
    ctx.log(`job ${jobId} ${result.state}${result.error ? `: ${result.error}` : ""}`);
    if (refusal) {
      await refusing; // the client was told why (error too-large / timeout)
      return;
    }
    if (c.isClosed) return;
    if (result.state === "done" && job.outputPath) {
      keep = true;
      ctx.kept(jobId, dir);
      await removeQuietly(upload.path);
    }
    await c.trySend({ type: "progress", ...job.progress() });
    if (!(await c.trySend({ type: "result", result: structuredClone(result) }))) return;
    if (result.state === "done" && job.outputPath) {
      await sendOutput(c, job.outputPath);
    }
    // The client closes once it has everything; give it a moment, then close.
    await withinMs(reading, LINGER_MS);
  } catch (error) {
    if (error instanceof ProtocolError) {
      await c.fail(error.code, error.message);
    } else if (error instanceof ReadTimeoutError) {
      await c.fail("timeout", `no message from the client within ${error.timeoutMs} ms`);
    } else if (!c.isClosed) {
      ctx.log(`connection ${peer} failed: ${error instanceof Error ? error.stack : error}`);
      await c.fail("internal", `server error: ${errorText(error)}`);
    }
  } finally {
    c.close();
    if (job) {
      job.cancel("connection closed");
      upload?.fail("connection closed");
      ctx.jobs.delete(job.id);
    }
    gate?.dispose();
    reservation?.release();
    if (dir && !keep) await removeQuietly(dir);
  }
}

/**
 * Reads the client's messages for the whole job: the upload (into `upload`, checking sizes and the
 * SHA-256, and its deadline and rate with `watch`), then only `cancel` or the client going away.
 * Ends the upload or cancels the job as the messages say; resolves when the client is gone.
 * Never rejects.
 */
async function readClient(
  c: MessageConnection,
  hello: HelloMessage,
  upload: GrowingFile,
  job: PipelineJob,
  watch: UploadWatch,
  readTimeoutMs: number,
): Promise<void> {
  const sha = new Sha256();
  const stop = async (code: ErrorCode | null, message: string) => {
    upload.fail(message);
    job.cancel(message);
    if (code) await c.fail(code, message);
    else c.close();
  };
  try {
    let lastMessage = performance.now();
    while (!upload.finished) {
      // Wait for the next message no longer than the read timeout allows, and wake up whenever
      // the upload's deadline or rate is due to be checked.
      const now = performance.now();
      const tooSlow = watch.verdict(now, upload.written);
      if (tooSlow) return await stop("timeout", tooSlow);
      const readLeft = readTimeoutMs > 0 ? lastMessage + readTimeoutMs - now : Infinity;
      if (readLeft <= 0) {
        return await stop("timeout", `no upload data from the client within ${readTimeoutMs} ms`);
      }
      const wait = Math.min(readLeft, watch.msUntilNextCheck(now));
      let msg: Message | null;
      try {
        msg = await c.next(wait === Infinity ? 0 : Math.max(1, Math.ceil(wait)));
      } catch (error) {
        if (error instanceof ReadTimeoutError) continue; // checked at the top of the loop
        throw error;
      }
      lastMessage = performance.now();
      if (msg === null) return await stop(null, "client disconnected during the upload");
      if (msg.type === "upload-chunk") {
        if (upload.written + msg.data.length > hello.size) {
          return await stop(
            "size-mismatch",
            `upload exceeds the announced size of ${hello.size} bytes (got ${
              upload.written + msg.data.length
            })`,
          );
        }
        sha.update(msg.data);
        await upload.append(msg.data);
      } else if (msg.type === "upload-end") {
        if (msg.size !== hello.size || upload.written !== hello.size) {
          return await stop(
            "size-mismatch",
            `upload-end says ${msg.size} bytes, hello said ${hello.size}, received ${upload.written}`,
          );
        }
        const digest = sha.digest();
        if (digest !== msg.sha256) {
          return await stop(
            "file-checksum",
            `upload SHA-256 mismatch: received bytes hash to ${digest}, client said ${msg.sha256}`,
          );
        }
        upload.finish();
      } else if (msg.type === "cancel") {
        return await stop(null, `cancelled by the client${msg.reason ? `: ${msg.reason}` : ""}`);
      } else if (msg.type === "error") {
        return await stop(null, `client error ${msg.code}: ${msg.message}`);
      } else {
        return await stop("unexpected-message", `unexpected '${msg.type}' during the upload`);
      }
    }
    while (true) {
      const msg = await c.next(0);
      if (msg === null) return await stop(null, "client disconnected");
      if (msg.type === "cancel") {
        return await stop(null, `cancelled by the client${msg.reason ? `: ${msg.reason}` : ""}`);
      }
      if (msg.type === "error") return await stop(null, `client error ${msg.code}: ${msg.message}`);
      return await stop("unexpected-message", `unexpected '${msg.type}' after the upload`);
    }
  } catch (error) {
    if (error instanceof ProtocolError) return await stop(error.code, error.message);
    if (error instanceof ReadTimeoutError) {
      return await stop("timeout", `no upload data from the client within ${error.timeoutMs} ms`);
    }
    return await stop("internal", `upload failed: ${errorText(error)}`);
  }
}

/** Longest wait for the queue's worker list at admission, ms. */
const WORKER_CHECK_MS = 2_000;

/**
 * Accepted with no live worker (BullMQ with no `vframe worker` running): the job is not refused —
 * a worker may be starting — but the log and the result JSON's `warnings` say so, with what to do.
 * Its frames wait for a worker for at most `noWorkerTimeoutMs`, then the job fails. A queue that
 * does not answer in time is not reported. Never rejects.
 */
async function warnWithoutWorkers(job: PipelineJob, ctx: SessionContext): Promise<void> {
  let live: number | undefined;
  await withinMs(
    ctx.queue.workers().then((workers) => live = workers.filter((w) => w.alive).length),
    WORKER_CHECK_MS,
  );
  if (live !== 0) return;
  const hint = ctx.queue.workerHint;
  const text = `no live ${ctx.queue.backend} worker when the job was admitted: its frames wait ` +
    `up to ${ctx.noWorkerTimeoutMs / 1000} s for one, then the job fails` +
    (hint ? ` (${hint})` : "");
  ctx.log(`job ${job.id}: ${text}`);
  job.warn(text);
}

/** Sends the output file in chunks, then `output-end` with its size and SHA-256. */
async function sendOutput(c: MessageConnection, path: string): Promise<void> {
  const sha = new Sha256();
  let size = 0;
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(MAX_CHUNK_DATA);
  while (true) {
    let n = 0;
    // Fill whole chunks (read() may return less than asked).
    while (n < buf.length) {
      const got = await file.read(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n === 0) break;
    const data = buf.slice(0, n);
    sha.update(data);
    size += n;
    if (!(await c.trySend({ type: "output-chunk", data }))) return;
    if (n < buf.length) break;
  }
  await c.trySend({ type: "output-end", size, sha256: sha.digest() });
}

function safeExtension(fileName: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(fileName);
  return m ? `.${m[1].toLowerCase()}` : "";
}

function describePeer(conn: Deno.Conn): string {
  const a = conn.remoteAddr;
  if (a.transport === "tcp") return formatServerAddress(a.hostname, a.port);
  if (a.transport === "unix") return `unix:${a.path || "(anonymous)"}`;
  return a.transport;
}

/** Removes a file or directory; missing is fine. */
export async function removeQuietly(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
