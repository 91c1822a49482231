/**
 * Which unit of work a server runs (`--unit auto|segment|frame`) and the segment queue for it:
 * BullMQ's when frames go to BullMQ workers, the embedded one (on a shared FilterPool) otherwise.
 * Loaded on demand: the embedded backend never loads BullMQ.
 */
import type { CodecChoice } from "../codec/types.ts";
import type { FilterPool } from "../filters/pool.ts";
import type { QueueBackendName } from "./backends.ts";
import { QueueOptionError } from "./errors.ts";
import type { SegmentQueue } from "./segment_task.ts";
import type { RetryPolicy } from "./types.ts";

/** The units a server can run: `auto` picks one per queue backend (see {@link resolveUnit}). */
export const UNITS = ["auto", "segment", "frame"] as const;

/** One of {@link UNITS}. */
export type UnitChoice = typeof UNITS[number];

/**
 * The unit a server runs: `segment` or `frame` as asked; `auto` is `segment` with BullMQ workers
 * (each worker decodes, filters and encodes its chunks, so adding machines adds speed) and
 * `frame` with the embedded pool (one machine: the server's own decoder and encoder are as fast,
 * and frames need no splitting or joining).
 * @throws QueueOptionError for an unknown choice.
 */
export function resolveUnit(choice: UnitChoice, backend: QueueBackendName): "segment" | "frame" {
  if (!(UNITS as readonly string[]).includes(choice)) {
    throw new QueueOptionError(`unit must be one of ${UNITS.join(", ")}, got '${choice}'`);
  }
  if (choice !== "auto") return choice;
  return backend === "bullmq" ? "segment" : "frame";
}

/** Options of {@link createSegmentQueue}. */
export interface SegmentQueueOptions {
  backend: QueueBackendName;
  /** BullMQ: the Redis URL and the frame queue's name (segments go to `<name>-segments`). */
  redisUrl?: string;
  queueName?: string;
  /** Embedded: the filter pool to run segments on (shared with the frame queue). */
  pool?: FilterPool;
  /** Embedded: the codec backend of segments' decoders and encoders. */
  codec?: CodecChoice;
  policy?: Partial<RetryPolicy>;
}

/**
 * The segment queue for `backend`.
 * @throws QueueOptionError when BullMQ has no `redisUrl` or embedded no `pool`;
 *   RedisUnavailableError when Redis does not answer.
 */
export async function createSegmentQueue(options: SegmentQueueOptions): Promise<SegmentQueue> {
  if (options.backend === "bullmq") {
    if (!options.redisUrl) throw new QueueOptionError("segments over BullMQ need a redisUrl");
    const { BullmqSegmentQueue } = await import("./bullmq/segment_transport.ts");
    return await BullmqSegmentQueue.create({
      redisUrl: options.redisUrl,
      queueName: options.queueName,
      policy: options.policy,
    });
  }
  if (!options.pool) throw new QueueOptionError("embedded segments need a filter pool");
  const { EmbeddedSegmentQueue } = await import("./segment_embedded.ts");
  return await EmbeddedSegmentQueue.create({
    pool: options.pool,
    policy: options.policy,
    codec: options.codec,
  });
}
