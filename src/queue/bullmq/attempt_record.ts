/**
 * What a BullMQ worker does around one attempt of any unit (frame or segment), shared by both
 * worker engines: skip work whose job was cancelled or whose record exists, watch that the server
 * still wants the work while it runs, and store the record only if it still does — atomically.
 */
import type { Redis } from "ioredis";
import { toBuffer } from "./redis.ts";

/** How often a running attempt checks that the server still wants its work: 500 ms. */
export const WATCH_MS = 500;

/** Stores ARGV[1] at KEYS[2] with PX ARGV[2] iff input KEYS[1] exists and KEYS[3] does not. */
const STORE_RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1`;

/** The keys of one attempt. */
export interface RecordKeys {
  inKey: string;
  outKey: string;
  cancelKey: string;
}

/**
 * Why an attempt need not run: `cancelled` (the server job was), `exists` (its record is already
 * stored: a redelivery), or undefined to run it.
 */
export async function skipReason(
  redis: Redis,
  keys: RecordKeys,
): Promise<"cancelled" | "exists" | undefined> {
  const [[, cancelled], [, exists]] = (await redis.multi()
    .exists(keys.cancelKey)
    .exists(keys.outKey)
    .exec()) as [[unknown, number], [unknown, number]];
  if (cancelled) return "cancelled";
  if (exists) return "exists";
  return undefined;
}

/**
 * Stores `record` under `keys.outKey` with `ttlMs`, only if the input key still exists and the
 * job is not cancelled. Resolves 1 (stored), 0 (input gone: abandoned) or -1 (cancelled).
 */
export async function storeRecord(
  redis: Redis,
  keys: RecordKeys,
  record: Uint8Array,
  ttlMs: number,
): Promise<number> {
  return Number(
    await redis.eval(
      STORE_RECORD,
      3,
      keys.inKey,
      keys.outKey,
      keys.cancelKey,
      toBuffer(record),
      ttlMs,
    ),
  );
}

/**
 * Every {@link WATCH_MS} while an attempt runs, checks that the server still wants the work (its
 * input key exists, its job is not cancelled); if not, aborts `dropped` with the reason
 * (`abandoned` or `cancelled`), so work given up on frees its worker at once. Clear the returned
 * interval when the attempt ends.
 */
export function watchWanted(
  redis: Redis,
  keys: Pick<RecordKeys, "inKey" | "cancelKey">,
  dropped: AbortController,
): ReturnType<typeof setInterval> {
  let busy = false;
  return setInterval(async () => {
    if (busy || dropped.signal.aborted) return;
    busy = true;
    try {
      const [[, input], [, cancelled]] = (await redis.multi()
        .exists(keys.inKey)
        .exists(keys.cancelKey)
        .exec()) as [[unknown, number], [unknown, number]];
      if (cancelled) dropped.abort("cancelled");
      else if (!input) dropped.abort("abandoned");
    } catch {
      // Redis unreachable: keep working; the store decides
    } finally {
      busy = false;
    }
  }, WATCH_MS);
}
