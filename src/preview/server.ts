/** `startPreview`: the preview's HTTP server (`Deno.serve`), started by the vframe server. */
import type { ServerAuth } from "../server/auth.ts";
import type { JobRegistry } from "../server/registry.ts";
import { PreviewListenError, PreviewOptionsError } from "./errors.ts";
import { createPreviewHandler, type PreviewHandlerOptions } from "./handler.ts";
import type { VframeMetrics } from "./metrics.ts";
import type { PreviewQueue } from "./status.ts";

/** Options for {@link startPreview}. */
export interface PreviewOptions {
  registry: JobRegistry;
  metrics: VframeMetrics;
  /**
   * The server's queue (any FrameQueue), for the workers panel, `/api/status` and queue metrics
   * (default none).
   */
  queue?: PreviewQueue;
  /** Address to bind (default `"127.0.0.1"`; `"localhost"`, `"::1"`, `"0.0.0.0"`, `"::"` work). */
  hostname?: string;
  /** Port to bind (default 8080; 0 = any free port, see the returned `url`). */
  port?: number;
  /**
   * Host names the preview answers (DNS-rebinding guard). Default: when bound to a loopback
   * address, `localhost`, `127.0.0.1`, `[::1]` and the bound name; otherwise `"any"`.
   */
  allowedHosts?: readonly string[] | "any";
  /** Largest side of served frame JPEGs in pixels (default 640; 0 = full size). */
  frameMaxSide?: number;
  /** JPEG quality 1..100 (default 80). */
  jpegQuality?: number;
  /** Shortest gap between change-driven events on /api/events, ms (default 250). */
  eventThrottleMs?: number;
  /** Gap between periodic events on /api/events, ms (default 1000). */
  eventPeriodMs?: number;
  /**
   * The server's access control, for the cancel API (`POST /api/jobs/:id/cancel`): with a token,
   * a cancel must carry it; `{ mode: "none" }` needs none. Default: cancel is off (403).
   */
  auth?: ServerAuth;
}

/** A running preview. */
export interface Preview {
  /** Where to open the dashboard, e.g. `http://127.0.0.1:8080/` (a wildcard bind shows loopback). */
  url: string;
  /** Ends open event streams, stops listening and waits for requests in progress. Idempotent. */
  close(): Promise<void>;
}

/** Default preview port. */
export const DEFAULT_PREVIEW_PORT = 8080;
/** Default preview address: loopback only. */
export const DEFAULT_PREVIEW_HOSTNAME = "127.0.0.1";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Whether `hostname` names the loopback interface only. */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return LOOPBACK.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The URL people should open for a listener bound to `hostname`:`port`. */
export function previewUrl(hostname: string, port: number): string {
  let host = hostname;
  if (host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::" || host === "[::]") host = "[::1]";
  else if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return `http://${host}:${port}/`;
}

/**
 * Starts the preview: `Deno.serve` on `hostname`:`port` with the dashboard, the JSON API, frames,
 * the output download and `/metrics` (see createPreviewHandler for the routes).
 * @throws PreviewOptionsError for a bad port or host name;
 *   PreviewListenError when the address cannot be bound (e.g. the port is in use).
 */
// deno-lint-ignore require-await -- async so that every failure is a rejection, never a throw.
export async function startPreview(options: PreviewOptions): Promise<Preview> {
  if (typeof options !== "object" || options === null) {
    throw new PreviewOptionsError(`startPreview needs an options object, got ${options}`);
  }
  const hostname = options.hostname ?? DEFAULT_PREVIEW_HOSTNAME;
  const port = options.port ?? DEFAULT_PREVIEW_PORT;
  if (typeof hostname !== "string" || hostname.trim() === "" || /[\s/]/.test(hostname)) {
    throw new PreviewOptionsError(`hostname must be a host name or address, got '${hostname}'`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PreviewOptionsError(`port must be an integer in 0..65535, got ${port}`);
  }
  const bindHost = hostname.replace(/^\[(.*)\]$/, "$1");
  const allowedHosts = options.allowedHosts ??
    (isLoopback(bindHost)
      ? [
        ...new Set([
          "localhost",
          "127.0.0.1",
          "[::1]",
          bindHost.includes(":") ? `[${bindHost}]` : bindHost,
        ]),
      ]
      : "any");
  const handlerOptions: PreviewHandlerOptions = {
    registry: options.registry,
    metrics: options.metrics,
    queue: options.queue,
    allowedHosts,
    frameMaxSide: options.frameMaxSide,
    jpegQuality: options.jpegQuality,
    eventThrottleMs: options.eventThrottleMs,
    eventPeriodMs: options.eventPeriodMs,
    auth: options.auth,
  };
  const handler = createPreviewHandler(handlerOptions);

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: bindHost,
      port,
      onListen: () => {},
      onError: (err) => {
        console.error("vframe preview: request failed:", err);
        return new Response("internal error", { status: 500 });
      },
    }, handler.handle);
  } catch (err) {
    handler.close();
    throw new PreviewListenError(hostname, port, err);
  }
  let closing: Promise<void> | undefined;
  return {
    url: previewUrl(server.addr.hostname, server.addr.port),
    close() {
      closing ??= (async () => {
        handler.close();
        await server.shutdown();
      })();
      return closing;
    },
  };
}
