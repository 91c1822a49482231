/**
 * A TCP proxy for tests that lose connections on purpose: it forwards every connection to a
 * target and counts the bytes each way; it can cut a connection once it forwarded N bytes from
 * the client (the first connection only, or every one), or cut every open connection on demand.
 * A cut closes both sides at once, as a dropped network path or a dead NAT entry would look to
 * the peers once they notice.
 *
 * ```ts
 * const proxy = startCutProxy({ port: server.port }, { cutUpAfter: 100_000 });
 * await runJob({ server: `127.0.0.1:${proxy.port}`, … });
 * proxy.connections[0].up; // bytes the server got from the client on the first connection
 * await proxy.close();
 * ```
 */

/** One proxied connection. */
export interface ProxiedConnection {
  /** Bytes forwarded client → server. */
  up: number;
  /** Bytes forwarded server → client. */
  down: number;
  /** Whether the proxy cut it. */
  cut: boolean;
}

/** Options of {@link startCutProxy}. */
export interface CutProxyOptions {
  /** Cut after forwarding this many bytes client → server (the rest is not forwarded). */
  cutUpAfter?: number;
  /** Which connections `cutUpAfter` applies to (default: the first one only). */
  cutEvery?: boolean;
}

/** A running proxy. */
export interface CutProxy {
  port: number;
  /** Every connection so far, in order. */
  connections: ProxiedConnection[];
  /** Cuts every open connection now. */
  cutAll(): void;
  /** Stops listening, cuts what is open, waits for the pumps to end. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of `target`. */
export function startCutProxy(
  target: { hostname?: string; port: number },
  options: CutProxyOptions = {},
): CutProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: ProxiedConnection[] = [];
  const open = new Set<() => void>();
  const pumps = new Set<Promise<void>>();

  const serve = async (client: Deno.Conn, record: ProxiedConnection, limit?: number) => {
    let server: Deno.TcpConn;
    try {
      server = await Deno.connect({ hostname: target.hostname ?? "127.0.0.1", port: target.port });
    } catch {
      client.close();
      return;
    }
    let closed = false;
    const cut = () => {
      if (closed) return;
      closed = true;
      for (const c of [client, server]) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    };
    open.add(cut);
    const pump = async (from: Deno.Conn, to: Deno.Conn, up: boolean) => {
      const buf = new Uint8Array(16 * 1024);
      try {
        while (!closed) {
          const n = await from.read(buf);
          if (n === null) break;
          let data = buf.subarray(0, n);
          if (up && limit !== undefined && record.up + n >= limit) {
            data = data.subarray(0, limit - record.up);
            await writeAll(to, data);
            record.up += data.length;
            record.cut = true;
            break;
          }
          await writeAll(to, data);
          if (up) record.up += n;
          else record.down += n;
        }
      } catch {
        // one side is gone: the other goes too
      }
      cut();
    };
    await Promise.all([pump(client, server, true), pump(server, client, false)]);
    open.delete(cut);
  };

  const accepting = (async () => {
    for await (const client of listener) {
      const record: ProxiedConnection = { up: 0, down: 0, cut: false };
      const limit = options.cutEvery || connections.length === 0 ? options.cutUpAfter : undefined;
      connections.push(record);
      const p = serve(client, record, limit);
      pumps.add(p);
      void p.finally(() => pumps.delete(p));
    }
  })().catch(() => {});

  return {
    port: (listener.addr as Deno.NetAddr).port,
    connections,
    cutAll: () => {
      for (const cut of [...open]) cut();
    },
    close: async () => {
      try {
        listener.close();
      } catch { /* closed */ }
      await accepting;
      for (const cut of [...open]) cut();
      await Promise.allSettled([...pumps]);
    },
  };
}

async function writeAll(to: Deno.Conn, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await to.write(data.subarray(at));
}
