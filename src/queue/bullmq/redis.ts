/** Redis URLs and connections: parse `redis://` URLs, connect with a clear error when down. */
import { Buffer } from "node:buffer";
import { Redis, type RedisOptions } from "ioredis";
import { QueueOptionError, RedisUnavailableError } from "../errors.ts";

/** Connection settings parsed from a Redis URL (accepted by ioredis and BullMQ alike). */
export interface RedisSettings {
  host: string;
  port: number;
  db: number;
  /** 6 for IPv6 literals, else 0 (let the resolver choose). */
  family: number;
  username?: string;
  password?: string;
  /** Set (empty: default TLS options) for `rediss://`. */
  tls?: Record<string, never>;
}

/**
 * Connection settings for a `redis://` or `rediss://` (TLS) URL:
 * `redis://[user[:password]@]host[:port][/db]`. Port defaults to 6379, db to 0; IPv6 hosts in
 * brackets (`redis://[::1]:6379`). Pure.
 * @throws QueueOptionError for another scheme, a bad port or db, or an unparsable URL.
 */
export function redisOptionsFromUrl(url: string): RedisSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueOptionError(`redis URL must look like redis://host:port, got '${url}'`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new QueueOptionError(
      `redis URL must use redis:// or rediss://, got '${u.protocol}' in '${redactUrl(url)}'`,
    );
  }
  if (u.hostname === "") {
    throw new QueueOptionError(`redis URL has no host: '${redactUrl(url)}'`);
  }
  const port = u.port === "" ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new QueueOptionError(`redis URL database must be an integer >= 0, got '${dbText}'`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const options: RedisSettings = { host, port, db, family: host.includes(":") ? 6 : 0 };
  if (u.username !== "") options.username = decodeURIComponent(u.username);
  if (u.password !== "") options.password = decodeURIComponent(u.password);
  if (u.protocol === "rediss:") options.tls = {};
  return options;
}

/** `url` with any password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  }
}

/** Options of {@link connectRedis}. */
export interface ConnectOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Extra ioredis options (e.g. `maxRetriesPerRequest: null` for workers). */
  redis?: RedisOptions;
}

/**
 * Opens an ioredis connection to `url` and waits until it answers PING.
 * @throws QueueOptionError for a bad URL; RedisUnavailableError when Redis does not answer
 * within `timeoutMs` (the connection is closed first).
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  const base = redisOptionsFromUrl(url);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new QueueOptionError(`timeoutMs must be a finite number > 0, got ${timeoutMs}`);
  }
  const redis = new Redis({ ...base, lazyConnect: true, ...options.redis });
  let lastError: unknown;
  const onError = (err: unknown) => lastError = err;
  redis.on("error", onError);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = redis.connect().then(() => redis.ping());
  ready.catch(() => {}); // settled below; avoid an unhandled rejection after a timeout
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    const why = (lastError as Error | undefined)?.message ?? (err as Error).message;
    throw new RedisUnavailableError(`cannot reach Redis at ${redactUrl(url)}: ${why}`);
  } finally {
    clearTimeout(timer);
    redis.off("error", onError);
  }
  return redis;
}

/**
 * The bytes stored at `key` (null when it does not exist), copied into memory of their own while
 * ioredis hands the reply over. The Buffer ioredis replies with is a view into memory that, under
 * Deno, can be detached (length 0) by the time an `await` on `getBuffer` resumes: seen as frames
 * "of 0 bytes" under load. The callback runs in the same turn as the reply, before that happens.
 */
export function getBytes(redis: Redis, key: string): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) =>
    redis.getBuffer(key, (err, buf) => {
      if (err) reject(err);
      else resolve(buf ? new Uint8Array(buf) : null);
    })
  );
}

/** A Buffer view of `data` (no copy), which ioredis sends as binary. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
