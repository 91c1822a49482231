/** BullMQ settings shared by the producer (bullmq.ts) and the worker (frame_worker.ts). */

/** Default BullMQ queue name shared by servers and workers. */
export const DEFAULT_QUEUE_NAME = "vframe-frames";

/** Failed jobs are kept one hour / at most 1000 (so the server's poll can read their reason). */
export const KEEP_FAILED = { age: 3600, count: 1000 } as const;

/** Queue names: letters, digits, `_`, `.`, `-` (they become part of Redis keys). */
export const QUEUE_NAME_RE = /^[A-Za-z0-9_.-]+$/;
