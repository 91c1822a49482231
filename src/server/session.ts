/**
 * One client connection on the server: handshake → ack → upload → progress → result → output;
 * or, starting with `attach`, a connection that follows a job started on an earlier one
 * (attach_session.ts). The job itself lives in a {@link HostedJob} (attach_host.ts), so that it
 * outlives a lost connection for the grace period (`--detach-grace`).
 *
 * Every way a connection can go wrong ends here — malformed bytes, a wrong first message, a bad
 * size or checksum, a read timeout, an upload past its deadline or below the minimum rate, a job
 * over the memory limit — with an `error` message where the peer can still hear it, a closed
 * connection, a cancelled job, its temp files removed and its job slot and memory given back; the
 * client vanishing, the same once no client re-attached within the grace period. Nothing a
 * client sends can make this function reject: the server keeps serving the others.
 *
 * What a job holds of the server: a job slot and a base share of the memory budget, taken with
 * the admission decision (admission.ts); at its first frame, its full memory estimate and its
 * frames-in-flight cap (memory_gate.ts); preview samples shrunk to preview size
 * (preview_samples.ts).
 */
import type { CodecBackendName, InputLimits } from "../codec/types.ts";
import { MessageConnection } from "../protocol/connection.ts";
import { ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import { type HelloMessage, PROTOCOL_VERSION } from "../protocol/messages.ts";
import { storeHelloAssets } from "./hello_assets.ts";
import { withinMs } from "../util/sleep.ts";
import type { FrameQueue } from "../queue/types.ts";
import { admitAndReserve, type JobSlots, type Reservation } from "./admission.ts";
import { authenticate, type ServerAuth } from "./auth.ts";
import { HostedJob, type UploadMeter } from "./attach_host.ts";
import type { KeptOutputs } from "./attach_outputs.ts";
import { serveAttach } from "./attach_session.ts";
import { formatServerAddress } from "../util/address.ts";
import { GrowingFile } from "../util/growing_file.ts";
import { PipelineJob, type PipelineMetrics } from "./job.ts";
import type { SegmentMode } from "./segment_job.ts";
import type { JobRegistry } from "./registry.ts";
import { Semaphore } from "../util/semaphore.ts";
import type { MemoryBudget } from "./memory.ts";
import { MemoryGate } from "./memory_gate.ts";
import { boundedSamples } from "./preview_samples.ts";
import { meteredConn } from "./upload_limits.ts";

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
  /** The same jobs with their connections, by id, for clients that `attach`. */
  hosts: Map<string, HostedJob>;
  /** Finished outputs, kept `--keep-output` for clients that re-attach (attach_outputs.ts). */
  outputs: KeptOutputs;
  /** How long a job whose connection was lost waits for its client to re-attach, ms; 0 = none. */
  detachGraceMs: number;
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
  /** Segment mode, when the server runs it (see PipelineJobOptions.segments). */
  segments?: SegmentMode;
  /** True while the server shuts down. */
  closing(): boolean;
  /** Called when a job finished with an output kept in `dir`. */
  kept(jobId: string, dir: string): void;
  log(line: string): void;
}

/** Serves one connection to its end. Never rejects. */
export async function serveSession(conn: Deno.Conn, ctx: SessionContext): Promise<void> {
  const meter: UploadMeter = {};
  const metered = meteredConn(conn, (n) => meter.watch?.received(n, performance.now()));
  const c = new MessageConnection(metered, { from: "client", readTimeoutMs: ctx.readTimeoutMs });
  const peer = describePeer(conn);
  try {
    const first = await c.next();
    if (first === null) return;
    if (first.type === "attach") {
      await serveAttach(c, first, meter, peer, ctx);
    } else if (first.type === "hello") {
      await serveHello(c, first, meter, peer, ctx);
    } else {
      await c.fail(
        "unexpected-message",
        `expected a hello (or an attach) message first, got '${first.type}'`,
      );
    }
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
  }
}

/**
 * A connection that starts with `hello`: authentication, admission, the job and its
 * {@link HostedJob}, which serves this connection (and any that re-attach) and cleans up when the
 * job ends. Resolves when the job ended. Rejects with what `c.next()` throws during the handshake.
 */
async function serveHello(
  c: MessageConnection,
  hello: HelloMessage,
  meter: UploadMeter,
  peer: string,
  ctx: SessionContext,
): Promise<void> {
  let job: PipelineJob | undefined;
  let upload: GrowingFile | undefined;
  let dir: string | undefined;
  let reservation: Reservation | undefined;
  let gate: MemoryGate | undefined;
  let host: HostedJob | undefined;
  try {
    // Another version is refused before any challenge; with a token: challenge → auth → check.
    // Before admission, so that an unauthenticated client never holds a slot.
    if (!(await authenticate(c, hello, ctx.auth, { peer, log: (line) => ctx.log(line) }))) return;
    // A chain naming a file of this machine is refused before it is parsed; the images a chain
    // names by content come with the hello and are stored before it is parsed.
    const remote = storeHelloAssets(hello);
    if (remote) {
      ctx.log(`refused ${peer}: bad-filter: ${remote}`);
      await c.trySend({
        type: "ack",
        ok: false,
        version: PROTOCOL_VERSION,
        code: "bad-filter",
        reason: remote,
      });
      await c.closeGracefully();
      return;
    }
    hello = { ...hello, assets: undefined }; // the images are on disk: not held for the job
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
    gate = new MemoryGate({
      queue: ctx.queue,
      budget: ctx.memory,
      heldBytes: verdict.reservation.memoryBytes,
      inFlight: perJob,
      maxInFlight: ctx.maxInFlight,
      inFlightBudgetBytes: ctx.inFlightBudgetBytes,
      waitMs: ctx.memoryWaitMs,
      onRefused: (error) => {
        ctx.log(`job ${jobId} refused: ${error.code}: ${error.message}`);
        host?.failAttached(error.code, error.message);
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
      segments: ctx.segments,
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
    // From here on the host owns the job and everything it holds, and gives it back at its end.
    const held = { job, upload, dir, gate, reservation };
    job = undefined;
    reservation = undefined;
    host = new HostedJob({
      job: held.job,
      hello,
      upload: held.upload,
      dir: held.dir,
      ctx: {
        graceMs: ctx.detachGraceMs,
        outputs: ctx.outputs,
        readTimeoutMs: ctx.readTimeoutMs,
        uploadTimeoutMs: ctx.uploadTimeoutMs,
        minUploadBytesPerSecond: ctx.minUploadBytesPerSecond,
        uploadRateWindowMs: ctx.uploadRateWindowMs,
        log: (line) => ctx.log(line),
      },
      onEnd: async (result) => {
        // The job's frames are gone: its memory goes back while a client downloads.
        held.gate.dispose();
        held.upload.fail("the job ended");
        ctx.log(`job ${jobId} ${result.state}${result.error ? `: ${result.error}` : ""}`);
        if (result.state === "done" && held.job.outputPath) {
          // Kept for clients (attach, the preview) until --keep-output passes (KeptOutputs).
          ctx.kept(jobId, held.dir);
          await removeQuietly(held.upload.path);
        } else {
          await removeQuietly(held.dir);
        }
        ctx.jobs.delete(jobId);
        ctx.hosts.delete(jobId);
        held.reservation.release();
      },
    });
    ctx.hosts.set(jobId, host);
    host.start();
    void warnWithoutWorkers(held.job, ctx);
    if (await c.trySend({ type: "ack", ok: true, version: PROTOCOL_VERSION, jobId })) {
      await host.attach(c, meter);
    } else {
      // The client never learnt the job's id: nobody can re-attach to it.
      host.cancel("the client left before the job was accepted");
    }
    await host.done;
  } finally {
    if (job) {
      // Not handed to a host: cancelled and cleaned up here.
      job.cancel("connection closed");
      upload?.fail("connection closed");
      ctx.jobs.delete(job.id);
    }
    if (!host) {
      gate?.dispose();
      reservation?.release();
      if (dir) await removeQuietly(dir);
    }
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
