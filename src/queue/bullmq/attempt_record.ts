/**
 * What a BullMQ worker does around one attempt of any unit (frame or segment), shared by both
 * worker engines: skip work whose job was cancelled or whose record exists, watch that the server
 * still wants the work while it runs, and store the record only if it still does — atomically.
 */
import type { Redis } from "ioredis";
import { describeError, isPermanent } from "../policy.ts";
import { fetchChainAssets } from "./assets.ts";
import { getBytes, toBuffer } from "./redis.ts";
import { encodeResult, type ResultMeta } from "./result_codec.ts";

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

/** What an attempt's job data holds, whatever the unit: its keys, chain, number, limit and TTL. */
export interface AttemptData extends RecordKeys {
  /** The filter chain, encoded: the images it names are fetched before the work. */
  chain: string;
  attempt: number;
  timeoutMs: number;
  ttlMs: number;
}

/** Small return value of a unit's BullMQ job (copied into the events stream: no bytes). */
export interface AttemptReturn {
  worker: string;
  attempts: number;
  ms: number;
  /** Set when the attempt failed (its record says why). */
  failed?: string;
  /**
   * Why no record was stored: `exists` (already there), `abandoned` (input gone: expired, lost,
   * or the server gave up) or `cancelled` (the server job was cancelled).
   */
  skipped?: "exists" | "abandoned" | "cancelled";
}

/** Options of {@link recordAttempt}. */
export interface RecordAttemptOptions<D extends AttemptData> {
  redis: Redis;
  /** The worker, `HOST:PID`: written into the record. */
  worker: string;
  data: D;
  /** Aborted when the worker's close ran out of time: no record, the job fails or stalls. */
  stopped: AbortSignal;
  /** BullMQ's own signal for the job, if any. */
  signal?: AbortSignal;
  /** The unit's work on its input: the result's bytes and the record fields it adds. */
  work(
    input: Uint8Array,
    signal: AbortSignal,
  ): Promise<{ data: Uint8Array; meta: Pick<ResultMeta, "ms"> & Partial<ResultMeta> }>;
  /** A failed attempt (its reason is what the server will report). */
  onFailed(reason: string): void;
  /** The attempt's result was stored. */
  onStored(): void;
}

/**
 * One attempt of any unit, around its `work`: skipped when its job was cancelled or its record
 * exists, abandoned when its input is gone; while it runs, dropped as soon as the server no longer
 * wants it; its record (the result, or why it failed) stored only if the server still does.
 * @throws Error when `stopped` aborted it (a close that ran out of time).
 */
export async function recordAttempt<D extends AttemptData>(
  o: RecordAttemptOptions<D>,
): Promise<AttemptReturn> {
  const { redis, data: d } = o;
  const base = { worker: o.worker, attempts: d.attempt, ms: 0 };
  const skip = await skipReason(redis, d);
  if (skip) return { ...base, skipped: skip };
  const input = await getBytes(redis, d.inKey);
  if (!input) return { ...base, skipped: "abandoned" };
  const dropped = new AbortController(); // the server gave the work up, or cancelled its job
  const watch = watchWanted(redis, d, dropped);
  const stop = AbortSignal.any([dropped.signal, o.stopped, ...(o.signal ? [o.signal] : [])]);
  let meta: ResultMeta;
  let data: Uint8Array;
  try {
    await fetchChainAssets(redis, d.chain); // once per machine: the images the chain names
    const result = await o.work(input, stop);
    meta = { ...base, ...result.meta };
    data = result.data;
  } catch (err) {
    if (dropped.signal.aborted) return { ...base, skipped: dropped.signal.reason };
    // Stopped by a close that ran out of time: no record. The job fails (or, Redis gone, stalls
    // and is redelivered), and the server tries the work again.
    if (o.stopped.aborted) throw new Error(`worker ${o.worker} stopped`);
    const reason = describeError(err, d.timeoutMs);
    meta = { ...base, error: { reason, permanent: isPermanent(err) } };
    data = new Uint8Array(0);
    o.onFailed(reason);
  } finally {
    clearInterval(watch);
  }
  const stored = await storeRecord(redis, d, encodeResult(meta, data), d.ttlMs);
  if (stored === 1 && !meta.error) o.onStored();
  const out: AttemptReturn = { worker: o.worker, attempts: d.attempt, ms: meta.ms };
  if (meta.error) out.failed = meta.error.reason;
  if (stored !== 1) out.skipped = stored === -1 ? "cancelled" : "abandoned";
  return out;
}
