/**
 * Test helper: a throwaway `redis-server` that can be killed (SIGKILL, like a crash) and started
 * again on the same port, empty (no persistence), as after a restart. Same settings as
 * tests/helpers/redis.ts (`noeviction`, no save, no AOF).
 */

/** A Redis server that can be killed and restarted on its port. */
export interface RestartableRedis {
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Kills the server with SIGKILL and waits for it to be gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty) and waits until it answers PING. */
  restart(): Promise<void>;
  /** Stops it for good and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
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
    return n !== null && new TextDecoder().decode(buf.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn?.close();
  }
}

/** Starts `redis-server` (`$REDIS_SERVER` or the one on the PATH) on a free port. */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const bin = Deno.env.get("REDIS_SERVER") ?? "redis-server";
  const dir = await Deno.makeTempDir({ prefix: "vframe-redis-restart-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const spawn = async () => {
    const proc = new Deno.Command(bin, {
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
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    child = proc;
    for (let i = 0; i < 200; i++) {
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not come up on port ${port}`);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c) return;
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
    await c.status;
  };
  await spawn();
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: spawn,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
