/**
 * Worker liveness for the BullMQ backend: each `vframe worker` publishes a heartbeat, and servers
 * read them to know which workers are alive (a worker merely connected to Redis may be hung, and
 * Redis's client list says nothing about other queues' or dead processes' connections).
 *
 * - Worker side ({@link Heartbeat}): every {@link HEARTBEAT_MS} (1 s) it sets its key
 *   `vframe-workers:<queue>:worker:<HOST:PID>` to its {@link HeartbeatRecord} with a TTL of
 *   {@link HEARTBEAT_TTL_MS} (3 s), and its score in the queue's index (a sorted set) to Redis's
 *   own clock, in one script. A graceful stop deletes both at once.
 * - Server side ({@link readHeartbeats}): one script reads the index, Redis's clock and every
 *   worker's key. A worker whose key exists is alive; one whose key expired (killed, hung, cut
 *   off) is offline, with the time since its last heartbeat, for {@link OFFLINE_KEEP_MS} (60 s),
 *   after which the script drops it from the index. Ages come from Redis's clock alone, so the
 *   machines' clocks do not matter.
 */
import type { Redis } from "ioredis";
import { withinMs } from "../../util/sleep.ts";
import { workerIndexKey, workerKey } from "./keys.ts";

/** Interval of a worker's heartbeat: 1000 ms. */
export const HEARTBEAT_MS = 1000;
/** TTL of a heartbeat key: 3000 ms (a worker is offline after about three missed beats). */
export const HEARTBEAT_TTL_MS = 3000;
/** How long a worker that stopped heartbeating is still listed as offline: 60 s. */
export const OFFLINE_KEEP_MS = 60_000;

/** What a worker says about itself in its heartbeat key (JSON). */
export interface HeartbeatRecord {
  /** `HOST:PID`. */
  id: string;
  host: string;
  pid: number;
  /** Frames it filters at once. */
  concurrency: number;
  /** Frames it is filtering now. */
  busy: number;
  /** Frames it has filtered and stored since it started (for every server). */
  processed: number;
  /** When it started, ISO 8601. */
  startedAt: string;
}

/** One worker of a queue's index, as a server reads it. */
export interface HeartbeatEntry {
  id: string;
  /** Its key exists: it beat within the last {@link HEARTBEAT_TTL_MS}. */
  alive: boolean;
  /** Milliseconds since its last heartbeat, by Redis's clock. */
  lastSeenMs: number;
  /** Its record while alive (undefined when offline or unreadable). */
  record?: HeartbeatRecord;
}

/** KEYS: worker key, index. ARGV: record, TTL ms, worker id. Returns Redis's time, ms. */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[3])
return now`;

/**
 * KEYS: index. ARGV: worker key prefix, offline keep ms. Returns a flat list of
 * `id, ageMs, record-or-empty` for every worker still listed; drops those offline for too long.
 */
const READ = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 1, #entries, 2 do
  local id = entries[i]
  local age = math.max(0, now - tonumber(entries[i + 1]))
  local value = redis.call('GET', ARGV[1] .. id)
  if value then
    table.insert(out, id)
    table.insert(out, tostring(age))
    table.insert(out, value)
  elseif age > tonumber(ARGV[2]) then
    redis.call('ZREM', KEYS[1], id)
  else
    table.insert(out, id)
    table.insert(out, tostring(age))
    table.insert(out, '')
  end
end
return out`;

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  redis: Redis;
  queueName: string;
  /** What to publish, asked at every beat. */
  record: () => HeartbeatRecord;
  /** Interval, ms (default {@link HEARTBEAT_MS}). */
  intervalMs?: number;
  /** TTL of the key, ms (default {@link HEARTBEAT_TTL_MS}); must exceed the interval. */
  ttlMs?: number;
}

/** A worker's heartbeat: see the module documentation. */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #key: string;
  readonly #index: string;
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating: Promise<void> | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    const id = options.record().id;
    this.#key = workerKey(options.queueName, id);
    this.#index = workerIndexKey(options.queueName);
    this.#intervalMs = options.intervalMs ?? HEARTBEAT_MS;
    this.#ttlMs = options.ttlMs ?? HEARTBEAT_TTL_MS;
    if (!(this.#ttlMs > this.#intervalMs)) {
      throw new RangeError(
        `heartbeat TTL (${this.#ttlMs} ms) must exceed its interval (${this.#intervalMs} ms)`,
      );
    }
  }

  /** Beats once (resolves when Redis has it), then every interval until {@link stop}. */
  async start(): Promise<void> {
    await this.#beat();
    if (this.#stopped) return;
    this.#timer = setInterval(() => {
      // A beat still waiting for Redis (reconnecting) is not doubled.
      this.#beating ??= this.#beat().catch(() => {}).finally(() => this.#beating = undefined);
    }, this.#intervalMs);
  }

  /**
   * Stops beating and, with `remove`, deletes the key and the index entry (a graceful stop: the
   * worker is gone at once, not offline). Waits at most `waitMs` for Redis; the TTL covers the
   * rest.
   */
  async stop(options: { remove?: boolean; waitMs?: number } = {}): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    const waitMs = options.waitMs ?? 1000;
    const work = (async () => {
      await this.#beating; // a late beat must not bring the key back after the delete
      if (!options.remove) return;
      const id = this.#o.record().id;
      await this.#o.redis.multi().del(this.#key).zrem(this.#index, id).exec();
    })();
    await withinMs(work, waitMs);
  }

  async #beat(): Promise<void> {
    const record = this.#o.record();
    await this.#o.redis.eval(
      BEAT,
      2,
      this.#key,
      this.#index,
      JSON.stringify(record),
      this.#ttlMs,
      record.id,
    );
  }
}

/**
 * The workers of `queueName` that heartbeat or did within `keepOfflineMs` (default
 * {@link OFFLINE_KEEP_MS}), sorted by id; drops older ones from the index.
 * @throws the Redis error when Redis does not answer.
 */
export async function readHeartbeats(
  redis: Redis,
  queueName: string,
  keepOfflineMs: number = OFFLINE_KEEP_MS,
): Promise<HeartbeatEntry[]> {
  const flat = await redis.eval(
    READ,
    1,
    workerIndexKey(queueName),
    workerKey(queueName, ""),
    keepOfflineMs,
  ) as string[];
  const entries: HeartbeatEntry[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const id = String(flat[i]);
    const lastSeenMs = Number(flat[i + 1]);
    const value = String(flat[i + 2]);
    const entry: HeartbeatEntry = { id, alive: value !== "", lastSeenMs };
    if (value !== "") entry.record = parseRecord(value);
    entries.push(entry);
  }
  return entries.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A heartbeat record, or undefined when the JSON is not one (another version's worker). */
function parseRecord(text: string): HeartbeatRecord | undefined {
  try {
    const r = JSON.parse(text);
    if (r && typeof r === "object" && typeof r.id === "string") return r as HeartbeatRecord;
  } catch {
    // not JSON
  }
  return undefined;
}
