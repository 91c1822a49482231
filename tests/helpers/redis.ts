/**
 * Test helper: a real, throwaway `redis-server` on a free local port, in a temp dir, with no
 * persistence and `maxmemory-policy noeviction` (what BullMQ requires).
 */

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then waits for it) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Raised when `redis-server` is not installed. */
export class RedisMissingError extends Error {
  override name = "RedisMissingError";
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function ping(port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buf = new Uint8Array(64);
    const n = await conn.read(buf);
    // A server with a password answers -NOAUTH: it is up all the same.
    return n !== null && /^(\+PONG|-NOAUTH)/.test(new TextDecoder().decode(buf.subarray(0, n)));
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Wait at most this long for PING (default 10 s). */
  timeoutMs?: number;
  /** The server binary (default `$REDIS_SERVER`, else `redis-server` on the PATH). */
  bin?: string;
  /** Extra server arguments, e.g. `["--requirepass", "secret"]`. */
  args?: string[];
}

/**
 * Starts `redis-server` and waits until it answers PING.
 * @throws RedisMissingError with the install command when the binary is missing; Error with the
 * server log when it does not come up.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const bin = options.bin ?? Deno.env.get("REDIS_SERVER") ?? "redis-server";
  const dir = await Deno.makeTempDir({ prefix: "vframe-redis-" });
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(bin, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
        "--dir",
        dir,
        "--logfile",
        `${dir}/redis.log`,
        "--daemonize",
        "no",
        ...(options.args ?? []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (err) {
    await Deno.remove(dir, { recursive: true });
    if (err instanceof Deno.errors.NotFound) {
      throw new RedisMissingError(
        `'${bin}' not found: the BullMQ tests need a real Redis. Install it with ` +
          "`apt-get install -y redis-server` (or set REDIS_SERVER to its path).",
      );
    }
    throw err;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = await Deno.readTextFile(`${dir}/redis.log`).catch(() => "(no log)");
  await stop();
  throw new Error(`redis-server did not start on port ${port} within ${timeoutMs} ms:\n${log}`);
}
