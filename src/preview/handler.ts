/**
 * The preview's request handler: `(Request) → Response`, with no socket of its own, so tests
 * drive it in-process and {@link startPreview} hands it to `Deno.serve`.
 */
import type { ServerAuth } from "../server/auth.ts";
import { JobRegistry } from "../server/registry.ts";
import { loadAssets } from "./assets/mod.ts";
import { checkCancelRequest } from "./cancel_guard.ts";
import { HttpError, PreviewOptionsError } from "./errors.ts";
import { eventStream } from "./events.ts";
import { FrameJpegCache } from "./jpeg.ts";
import { VframeMetrics } from "./metrics.ts";
import { serveFile } from "./output.ts";
import { matchRoute, type Route } from "./routes.ts";
import { type PreviewQueue, QueueStatusCache } from "./status.ts";
import { jobLive, summarizeJob } from "./summary.ts";

/** Options for {@link createPreviewHandler}. */
export interface PreviewHandlerOptions {
  registry: JobRegistry;
  metrics: VframeMetrics;
  /**
   * The server's queue (any FrameQueue), for its backend name, workers and depth (default: none;
   * the page then says so).
   */
  queue?: PreviewQueue;
  /**
   * Host names (as in the `Host` header, IPv6 in brackets, no port) the handler answers; others
   * get 421, which defeats DNS-rebinding pages reading a loopback-only preview.
   * Default `"any"`: no check ({@link startPreview} sets a loopback list when bound to loopback).
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
   * The server's access control, for `POST /api/jobs/:id/cancel` (cancel_guard.ts): with a token,
   * the request must carry it (`Authorization: Bearer …`); `{ mode: "none" }` needs none.
   * Default: none given, and cancel is off (403).
   */
  auth?: ServerAuth;
}

/** A request handler plus a way to end its open event streams. */
export interface PreviewHandler {
  /** Answers one request; never rejects (unexpected faults become a 500). */
  handle(request: Request): Promise<Response>;
  /** Ends every open `/api/events` stream (call before shutting the HTTP server down). */
  close(): void;
}

/** Content-Security-Policy of every response: only this server's own resources. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
};

function positiveMs(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new PreviewOptionsError(`${name} must be a number > 0, got ${value}`);
  }
  return v;
}

/**
 * Builds the preview's handler. Routes (GET and HEAD): `/` (dashboard), `/assets/*`,
 * `/api/jobs`, `/api/jobs/:id` (the result JSON), `/api/jobs/:id/live`,
 * `/api/jobs/:id/frames/:index?variant=original|processed` (JPEG),
 * `/api/jobs/:id/output.mp4[?download=1]` (range requests), `/api/status`, `/api/events` (SSE),
 * `/metrics` (Prometheus); and (POST) `/api/jobs/:id/cancel` (same origin and the server's
 * token, see cancel_guard.ts; 202 when the job was asked to stop, 409 when it already ended).
 * Errors are JSON `{ "error": message }` with a 4xx status.
 * The page and its files are read from src/preview/assets/ on the first call (see loadAssets)
 * and served from memory.
 * @throws PreviewOptionsError when registry or metrics is missing or a number is out of range;
 *   PreviewAssetError when a file of the page cannot be read.
 */
export function createPreviewHandler(options: PreviewHandlerOptions): PreviewHandler {
  const { registry, metrics, queue } = options;
  if (!(registry instanceof JobRegistry)) {
    throw new PreviewOptionsError(`registry must be a JobRegistry, got ${describe(registry)}`);
  }
  if (!(metrics instanceof VframeMetrics)) {
    throw new PreviewOptionsError(`metrics must be a VframeMetrics, got ${describe(metrics)}`);
  }
  if (
    queue !== undefined &&
    (typeof queue !== "object" || queue === null || typeof queue.depth !== "function" ||
      typeof queue.workers !== "function" || typeof queue.backend !== "string")
  ) {
    throw new PreviewOptionsError(`queue must be a FrameQueue, got ${describe(queue)}`);
  }
  const allowedHosts = options.allowedHosts ?? "any";
  if (allowedHosts !== "any" && (!Array.isArray(allowedHosts) || allowedHosts.length === 0)) {
    throw new PreviewOptionsError(
      `allowedHosts must be "any" or a non-empty list of host names, got ${describe(allowedHosts)}`,
    );
  }
  const hosts = allowedHosts === "any"
    ? undefined
    : new Set(allowedHosts.map((h) => h.toLowerCase()));
  const throttleMs = positiveMs("eventThrottleMs", options.eventThrottleMs, 250);
  const periodMs = positiveMs("eventPeriodMs", options.eventPeriodMs, 1000);
  const jpegs = new FrameJpegCache({ maxSide: options.frameMaxSide, quality: options.jpegQuality });
  const assets = loadAssets();
  const status = queue ? new QueueStatusCache(queue) : undefined;
  const queueStatus = status ? () => status.get() : undefined;
  const streams = new AbortController();
  const auth = options.auth;

  async function route(request: Request, r: Route): Promise<Response> {
    switch (r.kind) {
      case "page":
        return text(assets.page.body, assets.page.contentType, { "cache-control": "no-cache" });
      case "asset": {
        const asset = assets.files[r.name];
        return text(asset.body, asset.contentType, { "cache-control": "no-cache" });
      }
      case "jobs":
        return json(registry.list().map((job) => summarizeJob(job)));
      case "job":
        return json(job(r.id).result);
      case "live":
        return json(jobLive(job(r.id)));
      case "cancel": {
        checkCancelRequest(request, new URL(request.url), auth);
        job(r.id);
        const answer = registry.cancel(
          r.id,
          `cancelled through the preview (POST /api/jobs/${r.id}/cancel)`,
        );
        if (answer === "finished") {
          throw new HttpError(409, `job ${r.id} already ended (${job(r.id).result.state})`);
        }
        if (answer !== "cancelling") {
          throw new HttpError(409, `job ${r.id} is not running on this server; nothing to cancel`);
        }
        return json({ jobId: r.id, state: "cancelling" }, 202);
      }
      case "status":
        return json({ queue: queueStatus ? await queueStatus() : null });
      case "metrics":
        return text(await metrics.render(registry, queue), metrics.contentType, {
          "cache-control": "no-store",
        });
      case "events": {
        const body = eventStream({
          registry,
          queueStatus,
          signal: streams.signal,
          throttleMs,
          periodMs,
        });
        return new Response(body, {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-store",
            "x-accel-buffering": "no",
          },
        });
      }
      case "frame": {
        const record = job(r.id);
        const sample = record.samples.get(r.index);
        if (!sample) {
          const kept = [...record.samples.keys()].sort((a, b) => a - b);
          throw new HttpError(
            404,
            `frame ${r.index} of job ${r.id} is not kept: the preview keeps a sample of frames` +
              ` (kept now: ${kept.length ? kept.join(", ") : "none"})`,
          );
        }
        const data = r.variant === "original" ? sample.original : sample.processed;
        if (!data) {
          throw new HttpError(404, `frame ${r.index} of job ${r.id} has not been processed yet`);
        }
        const processedSize = r.variant === "processed" && sample.processedWidth !== undefined;
        const bytes = jpegs.get(
          data,
          processedSize ? sample.processedWidth! : sample.width,
          processedSize ? sample.processedHeight! : sample.height,
        );
        return new Response(bytes, {
          headers: {
            "content-type": "image/jpeg",
            "content-length": String(bytes.byteLength),
            "cache-control": "no-store",
          },
        });
      }
      case "output": {
        const record = job(r.id);
        if (record.result.state !== "done" || !record.outputPath) {
          throw new HttpError(
            404,
            `job ${r.id} has no output to download (state: ${record.result.state})`,
          );
        }
        const stem = record.result.input.fileName.replace(/\.[^.]*$/, "") || "output";
        return await serveFile(request, record.outputPath, {
          downloadName: `${stem}.vframe.mp4`,
          attachment: r.download,
        });
      }
    }
  }

  function job(id: string) {
    const record = registry.get(id);
    if (!record) throw new HttpError(404, `no job '${id}'`);
    return record;
  }

  async function handle(request: Request): Promise<Response> {
    let response: Response;
    try {
      const url = new URL(request.url);
      if (hosts && !hosts.has(url.hostname.toLowerCase())) {
        throw new HttpError(421, `this preview does not answer for host '${url.hostname}'`);
      }
      response = await route(request, matchRoute(request.method, url));
    } catch (err) {
      response = errorResponse(err);
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) response.headers.set(k, v);
    if (request.method === "HEAD" && response.body) {
      await response.body.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    return response;
  }

  return {
    handle,
    close() {
      streams.abort();
    },
  };
}

function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return new Response(JSON.stringify({ error: err.message }), {
      status: err.status,
      headers: {
        ...err.headers,
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  }
  console.error("vframe preview: unexpected error:", err);
  return new Response(JSON.stringify({ error: "internal error in the preview server" }), {
    status: 500,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

function text(body: string, contentType: string, headers: Record<string, string>): Response {
  return new Response(body, { headers: { "content-type": contentType, ...headers } });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return `${typeof value} ${String(value)}`;
}
