/**
 * Test helper: a real, throwaway `redis-server` on a free local port, in a temp dir, with no
 * persistence and `maxmemory-policy noeviction` (what BullMQ requires). It can be killed
 * (SIGKILL, like a crash) and started again, empty, on the same port.
 *
 * Test files run in parallel and each picks a free port the same way, so two of them can pick the
 * same one: the second redis-server then fails to bind while the first answers PING. A server
 * counts as ready only when the process answering on the port is ours (`INFO server` →
 * `process_id`); otherwise another port is tried.
 */

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Kills the server with SIGKILL (a crash) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port, and waits until it answers. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then waits for it) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Raised when `redis-server` is not installed. */
export class RedisMissingError extends Error {
  override name = "RedisMissingError";
}

/** A port no one listens on right now (on 127.0.0.1). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * The `process_id` of the Redis answering on `port` (`INFO server`), or undefined when none
 * answers. A server with a password answers `-NOAUTH`: then `0` (up, process unknown).
 */
export async function redisProcessId(port: number): Promise<number | undefined> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("INFO server\r\n"));
    const buf = new Uint8Array(16_384);
    let text = "";
    const end = Date.now() + 1_000;
    while (Date.now() < end) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.startsWith("-")) return /^-NOAUTH/.test(text) ? 0 : undefined;
      const m = /process_id:(\d+)\r\n/.exec(text);
      if (m) return Number(m[1]);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    conn?.close();
  }
}

/**
 * Waits until the redis-server with process id `pid` answers on `port`. Resolves false when the
 * process exits first (e.g. the port was taken) or `timeoutMs` passes.
 */
export async function waitForOwnRedis(
  port: number,
  pid: number,
  gone: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone()) {
    const answering = await redisProcessId(port);
    // 0: a password-protected server answered; ours unless our process is gone (checked next).
    if (answering === pid || (answering === 0 && !gone())) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Wait at most this long for it to answer (default 10 s). */
  timeoutMs?: number;
  /** The server binary (default `$REDIS_SERVER`, else `redis-server` on the PATH). */
  bin?: string;
  /** Extra server arguments, e.g. `["--requirepass", "secret"]`. */
  args?: string[];
}

/**
 * Starts `redis-server` and waits until it answers.
 * @throws RedisMissingError with the install command when the binary is missing; Error with the
 * server log when it does not come up.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bin = options.bin ?? Deno.env.get("REDIS_SERVER") ?? "redis-server";
  const dir = await Deno.makeTempDir({ prefix: "vframe-redis-" });
  let child: Deno.ChildProcess | undefined;
  let exited = true;

  /** One redis-server on `port`; true once it answers, false when it could not bind. */
  const spawn = async (port: number): Promise<boolean> => {
    try {
      child = new Deno.Command(bin, {
        args: [
          ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
          ...["--maxmemory-policy", "noeviction", "--dir", dir, "--daemonize", "no"],
          ...["--logfile", `${dir}/redis.log`, ...(options.args ?? [])],
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        throw new RedisMissingError(
          `'${bin}' not found: the BullMQ tests need a real Redis. Install it with ` +
            "`apt-get install -y redis-server` (or set REDIS_SERVER to its path).",
        );
      }
      throw err;
    }
    exited = false;
    const mine = child;
    mine.status.then(() => exited = true);
    if (await waitForOwnRedis(port, mine.pid, () => exited, timeoutMs)) return true;
    await kill();
    return false;
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c) return;
    try {
      c.kill("SIGKILL");
    } catch {
      // already exited
    }
    await c.status;
  };

  let port = 0;
  try {
    for (let tries = 0; tries < 5 && port === 0; tries++) {
      const candidate = freePort();
      if (await spawn(candidate)) port = candidate;
    }
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  if (port === 0) {
    const log = await Deno.readTextFile(`${dir}/redis.log`).catch(() => "(no log)");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new Error(`redis-server did not start within ${timeoutMs} ms (5 ports tried):\n${log}`);
  }
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    async restart() {
      if (child) throw new Error("redis-server is already running");
      if (!(await spawn(port))) {
        const log = await Deno.readTextFile(`${dir}/redis.log`).catch(() => "(no log)");
        throw new Error(`redis-server did not come up again on port ${port}:\n${log}`);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const c = child;
      child = undefined;
      if (c) {
        try {
          c.kill("SIGTERM");
        } catch {
          // already exited
        }
        await c.status;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
