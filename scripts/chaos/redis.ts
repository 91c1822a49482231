/**
 * A real `redis-server` for the chaos suite, on a free loopback port, with no persistence and
 * `maxmemory-policy noeviction` (what BullMQ requires), that can be killed with SIGKILL and
 * started again, empty, on the same port. Plus a minimal RESP client (one short connection per
 * call, nothing that reconnects behind the suite's back) to count the keys a fault leaves behind.
 */
import { freePort, waitForOwnRedis } from "../../tests/helpers/redis.ts";
import { Proc } from "./proc.ts";

export { freePort };

/** The BullMQ queue name of servers and workers (`--queue` default). */
export const QUEUE = "vframe-frames";

/** A RESP reply. */
export type Reply = string | number | null | Reply[] | RedisReplyError;

/** An error reply (`-ERR …`). */
export class RedisReplyError extends Error {
  override name = "RedisReplyError";
}

function encodeCommand(args: string[]): Uint8Array {
  const enc = new TextEncoder();
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${enc.encode(a).length}\r\n${a}\r\n`;
  return enc.encode(s);
}

/** Parses one reply at `at`; returns it and where it ends, or undefined when incomplete. */
function parseReply(buf: Uint8Array, at: number): [Reply, number] | undefined {
  const eol = buf.indexOf(13, at);
  if (eol < 0 || eol + 1 >= buf.length) return undefined;
  const line = new TextDecoder().decode(buf.subarray(at + 1, eol));
  const next = eol + 2;
  switch (buf[at]) {
    case 43: // +
      return [line, next];
    case 45: // -
      return [new RedisReplyError(line), next];
    case 58: // :
      return [Number(line), next];
    case 36: { // $
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return undefined;
      return [new TextDecoder().decode(buf.subarray(next, next + n)), next + n + 2];
    }
    case 42: { // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const items: Reply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return undefined;
        items.push(r[0]);
        pos = r[1];
      }
      return [items, pos];
    }
    default:
      throw new Error(`unexpected RESP byte ${buf[at]}`);
  }
}

/**
 * Sends `commands` over one new connection and returns their replies in order.
 * @throws when Redis cannot be reached or does not answer within `timeoutMs`.
 */
export async function redisCall(
  port: number,
  commands: string[][],
  timeoutMs = 3_000,
): Promise<Reply[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  try {
    for (const c of commands) await conn.write(encodeCommand(c));
    let buf = new Uint8Array(0);
    const replies: Reply[] = [];
    let at = 0;
    const chunk = new Uint8Array(65536);
    while (replies.length < commands.length) {
      const parsed = at < buf.length ? parseReply(buf, at) : undefined;
      if (parsed) {
        replies.push(parsed[0]);
        at = parsed[1];
        continue;
      }
      const n = await conn.read(chunk);
      if (n === null) throw new Error("Redis closed the connection");
      const grown = new Uint8Array(buf.length + n);
      grown.set(buf);
      grown.set(chunk.subarray(0, n), buf.length);
      buf = grown;
    }
    return replies;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

/** Whether Redis on `port` answers PING. */
export async function ping(port: number): Promise<boolean> {
  try {
    const [r] = await redisCall(port, [["PING"]], 1_000);
    return r === "PONG";
  } catch {
    return false;
  }
}

/** What a fault left in Redis. */
export interface KeyReport {
  /** `vframe:*` keys other than cancel markers, plus BullMQ job keys (`bull:QUEUE:vf.*`). */
  leaked: number;
  /** `vframe:<job>:cancelled` markers: documented, kept for the frame TTL on purpose. */
  markers: number;
  /** BullMQ lists and sets of jobs, by name, when not empty. */
  lists: Record<string, number>;
  /** Up to 5 leaked key names, for the report. */
  sample: string[];
}

/** Counts the keys vframe and BullMQ keep for jobs (see {@link KeyReport}). */
export async function keyReport(port: number, queue = QUEUE): Promise<KeyReport> {
  const p = `bull:${queue}:`;
  const replies = await redisCall(port, [
    ["KEYS", "vframe:*"],
    ["KEYS", `${p}vf.*`],
    ["LLEN", `${p}wait`],
    ["LLEN", `${p}active`],
    ["LLEN", `${p}paused`],
    ["ZCARD", `${p}delayed`],
    ["ZCARD", `${p}prioritized`],
    ["ZCARD", `${p}failed`],
    ["ZCARD", `${p}completed`],
  ]);
  for (const r of replies) if (r instanceof RedisReplyError) throw r;
  const vframe = (replies[0] as string[]).sort();
  const jobKeys = (replies[1] as string[]).sort();
  const markers = vframe.filter((k) => k.endsWith(":cancelled"));
  const other = vframe.filter((k) => !k.endsWith(":cancelled"));
  const lists: Record<string, number> = {};
  ["wait", "active", "paused", "delayed", "prioritized", "failed", "completed"].forEach(
    (name, i) => {
      const n = replies[2 + i] as number;
      if (n > 0) lists[name] = n;
    },
  );
  return {
    leaked: other.length + jobKeys.length,
    markers: markers.length,
    lists,
    sample: [...other, ...jobKeys].slice(0, 5),
  };
}

/** A readable summary of a {@link KeyReport}. */
export function describeKeys(r: KeyReport): string {
  const lists = Object.entries(r.lists).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${r.leaked} leaked${r.sample.length ? ` (${r.sample.join(", ")}…)` : ""}` +
    `${lists ? `, lists ${lists}` : ""}, ${r.markers} cancel markers (TTL)`;
}

/**
 * Waits (at most `ms`) for the job keys to be cleaned up — cleanup runs as a job ends — and
 * returns the last report.
 */
export async function settledKeys(port: number, ms = 8_000): Promise<KeyReport> {
  const end = Date.now() + ms;
  while (true) {
    const r = await keyReport(port);
    if ((r.leaked === 0 && Object.keys(r.lists).length === 0) || Date.now() > end) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Active BullMQ jobs and the worker (`HOST:PID`, BullMQ's `pb` field) that holds each. */
export async function activeJobs(
  port: number,
  queue = QUEUE,
): Promise<{ id: string; worker: string | null; index: number | null }[]> {
  const [ids] = await redisCall(port, [["LRANGE", `bull:${queue}:active`, "0", "-1"]], 1_000);
  if (!Array.isArray(ids) || ids.length === 0) return [];
  const fields = await redisCall(
    port,
    (ids as string[]).map((id) => ["HMGET", `bull:${queue}:${id}`, "pb", "data"]),
    1_000,
  );
  return (ids as string[]).map((id, i) => {
    const [worker, data] = fields[i] as (string | null)[];
    let index: number | null = null;
    try {
      index = data ? JSON.parse(data).index ?? null : null;
    } catch { /* not ours */ }
    return { id, worker, index };
  });
}

/** A redis-server on a fixed free port that can be killed and started again. */
export class ChaosRedis {
  #port = freePort();
  #proc: Proc | undefined;
  #starts = 0;

  private constructor(readonly dir: string, readonly onSpawn: (p: Proc) => void) {}

  /**
   * Starts Redis and waits for PING. `onSpawn` receives every redis-server process (for the
   * suite's clean-up and logs).
   * @throws when redis-server is missing or does not come up in 10 s.
   */
  static async start(dir: string, onSpawn: (p: Proc) => void): Promise<ChaosRedis> {
    const r = new ChaosRedis(dir, onSpawn);
    // Another test's Redis may take the same free port first: then try another one.
    for (let tries = 1;; tries++) {
      try {
        await r.restart();
        return r;
      } catch (error) {
        if (tries >= 5) throw error;
        r.#port = freePort();
      }
    }
  }

  /** The port it listens on (the same after every restart). */
  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether a redis-server of ours runs now. */
  get running(): boolean {
    return this.#proc !== undefined && !this.#proc.gone;
  }

  /** Starts (again) on the same port, empty, and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.running) throw new Error("redis-server already running");
    this.#starts++;
    const proc = Proc.spawn(`redis-${this.#starts}`, "redis-server", [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
      "--dir",
      this.dir,
      "--daemonize",
      "no",
    ]);
    this.#proc = proc;
    this.onSpawn(proc);
    // Ready once the process answering on the port is this one (not another test's Redis).
    if (await waitForOwnRedis(this.port, proc.pid, () => proc.gone, 10_000)) return;
    await proc.stop("SIGKILL", 1_000);
    throw new Error(`redis-server did not answer on port ${this.port}:\n${proc.text()}`);
  }

  /** SIGKILL, like a crash; resolves once it is gone. */
  async kill(): Promise<void> {
    const p = this.#proc;
    if (!p) return;
    p.signal("SIGKILL", { group: true });
    await p.exited;
  }

  /** Stops it for good (SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    await this.#proc?.stop("SIGTERM", 3_000);
  }
}
