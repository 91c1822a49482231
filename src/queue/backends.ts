/** The queue backends, by name: the one list that the `backend` fields and flags derive from. */

/**
 * Every queue backend: `embedded` (an in-process thread pool, the default) and `bullmq`
 * (BullMQ on Redis, with `vframe worker` processes).
 */
export const QUEUE_BACKENDS = ["embedded", "bullmq"] as const;

/** A queue backend name: one of {@link QUEUE_BACKENDS}. */
export type QueueBackendName = typeof QUEUE_BACKENDS[number];

/** True when `name` is one of {@link QUEUE_BACKENDS}. */
export function isQueueBackend(name: unknown): name is QueueBackendName {
  return (QUEUE_BACKENDS as readonly unknown[]).includes(name);
}
