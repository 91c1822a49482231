/** BullMQ settings shared by the producer (bullmq.ts) and the worker (frame_worker.ts). */
import { QueueOptionError } from "../errors.ts";

/** Default BullMQ queue name shared by servers and workers. */
export const DEFAULT_QUEUE_NAME = "vframe-frames";

/** Failed jobs are kept one hour / at most 1000 (so the server's poll can read their reason). */
export const KEEP_FAILED = { age: 3600, count: 1000 } as const;

/** Queue names: letters, digits, `_`, `.`, `-` (they become part of Redis keys). */
const QUEUE_NAME_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * `queueName`, or {@link DEFAULT_QUEUE_NAME} when undefined.
 * @throws QueueOptionError when it is not letters, digits, `_`, `.`, `-`.
 */
export function resolveQueueName(queueName: string | undefined): string {
  const name = queueName ?? DEFAULT_QUEUE_NAME;
  if (typeof name !== "string" || !QUEUE_NAME_RE.test(name)) {
    throw new QueueOptionError(`queueName must be letters, digits, '_', '.', '-', got '${name}'`);
  }
  return name;
}

/**
 * The BullMQ queue of segments beside frame queue `queueName`: `<queueName>-segments`. Servers and
 * workers derive it from the one `--queue` name.
 */
export function segmentQueueName(queueName: string): string {
  return `${queueName}-segments`;
}
