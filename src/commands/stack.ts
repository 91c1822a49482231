/**
 * Wiring of a whole vframe server: the queue backend the options pick (BullMQ when a Redis URL is
 * given, else the embedded pool), the {@link VframeServer} that receives it, and the HTTP preview
 * over the server's registry and metrics. The `server` and `demo` commands, the benchmarks and the
 * end-to-end tests start servers through here; `VframeServer` itself never creates a queue or a
 * preview.
 *
 * ```ts
 * const stack = await startServerStack({ port: 0, preview: false });
 * // … clients connect to stack.server.port …
 * await stack.close();
 * ```
 */
import { VframeMetrics } from "../preview/metrics.ts";
import { startPreview } from "../preview/server.ts";
import { resolvePolicy } from "../queue/policy.ts";
import { defaultThreads } from "../queue/task.ts";
import type { FrameQueue } from "../queue/types.ts";
import { type ServerOptions, VframeServer } from "../server/server.ts";
import { createSegmentQueue, resolveUnit, type UnitChoice } from "../queue/segment_queues.ts";
import type { SegmentQueue } from "../queue/segment_task.ts";
import { FilterPool } from "../filters/pool.ts";

import { removeStaleSegmentDirs } from "../queue/segment_temp.ts";
/** Options of {@link startServerStack}: the server's, plus what picks the queue and the preview. */
export interface StackOptions extends Omit<ServerOptions, "queue" | "metrics" | "segments"> {
  /** Use BullMQ workers on this Redis (`redis://host:port`); default: the embedded pool. */
  redisUrl?: string;
  /** The BullMQ queue name, with `redisUrl` (default `vframe-frames`); workers must use the same. */
  queueName?: string;
  /** Filter threads of the embedded pool (default {@link defaultThreads}). */
  threads?: number;
  /** Frames per second started across the pool/workers (default: unlimited). */
  ratePerSecond?: number;
  /** Use this queue instead of creating one; the stack then does not close it. */
  queue?: FrameQueue;
  /** The preview: `false` for none (default: on, `127.0.0.1:8080`). Port 0 picks a free one. */
  preview?: false | { port?: number; hostname?: string };
  /**
   * The unit of work (`--unit`): `segment` (workers decode, filter and encode chunks; the server
   * splits and joins), `frame` (every frame through the queue), or `auto` (default: `segment` with
   * BullMQ workers, `frame` with the embedded pool).
   */
  unit?: UnitChoice;
  /** Wanted segment length, seconds (`--segment-seconds`, default 2). */
  segmentSeconds?: number;
  /** Segments of one job in flight, in segments of the wanted length (default 32). */
  segmentsInFlight?: number;
  /** Time limit of one attempt at a segment, ms (default: 30 s + 1 s per frame). */
  segmentTimeoutMs?: number;
}

/** A running server with its queue and preview. */
export interface ServerStack {
  server: VframeServer;
  queue: FrameQueue;
  /** The unit of work the server runs. */
  unit: "segment" | "frame";
  /** The segment queue, in segment mode. */
  segmentQueue?: SegmentQueue;
  /** The dashboard's URL, when the preview runs. */
  previewUrl?: string;
  /** Closes the server, then the preview, then the queue (when the stack created it). Idempotent. */
  close(): Promise<void>;
}

/** Creates the queue backend the options ask for. Loaded on demand: embedded never loads BullMQ. */
export async function createQueue(options: StackOptions, pool?: FilterPool): Promise<FrameQueue> {
  const policy = resolvePolicy(options.policy);
  if (options.redisUrl) {
    const { BullmqQueue } = await import("../queue/bullmq/queue.ts");
    return await BullmqQueue.create({
      redisUrl: options.redisUrl,
      queueName: options.queueName,
      policy,
      ratePerSecond: options.ratePerSecond,
    });
  }
  const { EmbeddedQueue } = await import("../queue/embedded.ts");
  return await EmbeddedQueue.create({
    threads: options.threads ?? defaultThreads(),
    policy,
    ratePerSecond: options.ratePerSecond,
    pool,
  });
}

/**
 * Starts queue, server and preview; whatever started is stopped again if a later step fails.
 * @throws the server's `ServerOptionError`, the queue's or the preview's errors.
 */
export async function startServerStack(options: StackOptions = {}): Promise<ServerStack> {
  const backend = options.queue?.backend ?? (options.redisUrl ? "bullmq" : "embedded");
  const unit = resolveUnit(options.unit ?? "frame", backend);
  // Embedded segments share one filter pool with the frame queue.
  const pool = unit === "segment" && backend === "embedded"
    ? await FilterPool.create({ size: options.threads ?? defaultThreads() })
    : undefined;
  let queue: FrameQueue | undefined = options.queue;
  const ownsQueue = !options.queue;
  let segmentQueue: SegmentQueue | undefined;
  let server: VframeServer | undefined;
  try {
    queue ??= await createQueue(options, options.queue ? undefined : pool);
    if (unit === "segment") {
      // Attempt folders of a server killed mid-segment (the embedded pool runs them here).
      if (backend === "embedded") await removeStaleSegmentDirs();
      segmentQueue = await createSegmentQueue({
        backend,
        redisUrl: options.redisUrl,
        queueName: options.queueName,
        pool,
        codec: options.codec,
        policy: resolvePolicy(options.policy),
      });
    }
    const metrics = new VframeMetrics();
    server = await VframeServer.start({
      ...options,
      queue,
      metrics,
      segments: segmentQueue && {
        queue: segmentQueue,
        segmentSeconds: options.segmentSeconds,
        maxInFlight: options.segmentsInFlight,
        attemptTimeoutMs: options.segmentTimeoutMs,
      },
    });
    const preview = options.preview === false ? undefined : await startPreview({
      registry: server.registry,
      metrics,
      queue,
      hostname: options.preview?.hostname ?? "127.0.0.1",
      port: options.preview?.port ?? 8080,
      // The cancel API asks for the server's own token (none when the server has none).
      auth: options.auth ?? { mode: "none" },
    });
    let closed: Promise<void> | undefined;
    const s = server;
    const q = queue;
    return {
      server,
      queue,
      unit,
      segmentQueue,
      previewUrl: preview?.url,
      close: () =>
        closed ??= (async () => {
          await s.close();
          await preview?.close().catch(() => {});
          // Both queues at once: each waits a bounded time for a Redis that may be gone.
          await Promise.all([
            segmentQueue?.close().catch(() => {}),
            ownsQueue ? q.close().catch(() => {}) : undefined,
          ]);
          await pool?.close();
        })(),
    };
  } catch (error) {
    await server?.close().catch(() => {});
    await segmentQueue?.close().catch(() => {});
    if (ownsQueue) await queue?.close().catch(() => {});
    await pool?.close();
    throw error;
  }
}
