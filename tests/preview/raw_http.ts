/** Sends a hand-written HTTP/1.1 request, so tests can use paths and Host headers fetch rewrites. */

/** A parsed raw HTTP response. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Sends `GET path` (or `method`) with `host` over a fresh TCP connection and reads the answer. */
export async function rawRequest(
  port: number,
  path: string,
  options: { host?: string; method?: string; hostname?: string } = {},
): Promise<RawResponse> {
  const hostname = options.hostname ?? "127.0.0.1";
  const conn = await Deno.connect({ hostname, port });
  try {
    const head = `${options.method ?? "GET"} ${path} HTTP/1.1\r\n` +
      `Host: ${options.host ?? `${hostname}:${port}`}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((a, b) => {
        const out = new Uint8Array(a.length + b.length);
        out.set(a);
        out.set(b, a.length);
        return out;
      }, new Uint8Array()),
    );
    const split = text.indexOf("\r\n\r\n");
    const lines = text.slice(0, split).split("\r\n");
    const status = Number(lines[0].split(" ")[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const i = line.indexOf(":");
      headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    return { status, headers, body: text.slice(split + 4) };
  } finally {
    conn.close();
  }
}
