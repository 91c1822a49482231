/**
 * The preview's routing table, pure: strict patterns, every parameter checked, nothing but the
 * listed resources reachable. Paths are matched on `URL.pathname` as the WHATWG URL parser leaves
 * it (dot segments, `%2e%2e` included, already resolved; other percent-escapes kept), so an
 * encoded slash or dot can never reach a job id or file name.
 */
import { HttpError } from "./errors.ts";

/** Variants of a sampled frame. */
export const FRAME_VARIANTS = ["original", "processed"] as const;
/** A frame variant: the decoded input or the filtered output. */
export type FrameVariant = typeof FRAME_VARIANTS[number];

/** Static files the preview serves. */
export const ASSET_NAMES = ["app.js", "style.css", "favicon.svg"] as const;
/** A static file name. */
export type AssetName = typeof ASSET_NAMES[number];

/** A request the preview understands. */
export type Route =
  | { kind: "page" }
  | { kind: "asset"; name: AssetName }
  | { kind: "jobs" }
  | { kind: "job"; id: string }
  | { kind: "live"; id: string }
  | { kind: "frame"; id: string; index: number; variant: FrameVariant }
  | { kind: "output"; id: string; download: boolean }
  | { kind: "cancel"; id: string }
  | { kind: "status" }
  | { kind: "events" }
  | { kind: "metrics" };

/** Job ids the preview accepts: 1–128 of `A-Z a-z 0-9 . _ : -`, starting with a letter or digit. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Frame indices the preview accepts: a decimal integer without sign or leading zeros, < 2^31. */
const INDEX_PATTERN = /^(0|[1-9][0-9]{0,9})$/;
const MAX_INDEX = 2 ** 31 - 1;

const JOB_PATH = /^\/api\/jobs\/([^/]+)(?:\/(live|cancel|output\.mp4|frames\/([^/]*)))?$/;
/** The one route that changes something: `POST /api/jobs/:id/cancel`. */
const CANCEL_PATH = /^\/api\/jobs\/[^/]+\/cancel$/;

/**
 * Maps a request to a {@link Route}. Every route answers GET and HEAD, except
 * `/api/jobs/:id/cancel`, which answers POST only.
 * @throws HttpError 405 for another method (with `Allow`), 404 for unknown paths, 400 for a bad
 *   job id, frame index, variant, or any query parameter the route does not take.
 */
export function matchRoute(method: string, url: URL): Route {
  const path = url.pathname;
  if (CANCEL_PATH.test(path)) {
    if (method !== "POST") {
      throw new HttpError(405, `method ${method} is not allowed here; use POST`, {
        allow: "POST",
      });
    }
  } else if (method !== "GET" && method !== "HEAD") {
    throw new HttpError(405, `method ${method} is not allowed; use GET or HEAD`, {
      allow: "GET, HEAD",
    });
  }
  switch (path) {
    case "/":
    case "/index.html":
      return { kind: "page" };
    case "/favicon.ico":
      return { kind: "asset", name: "favicon.svg" };
    case "/metrics":
      onlyParams(url, []);
      return { kind: "metrics" };
    case "/api/jobs":
      onlyParams(url, []);
      return { kind: "jobs" };
    case "/api/status":
      onlyParams(url, []);
      return { kind: "status" };
    case "/api/events":
      onlyParams(url, []);
      return { kind: "events" };
  }
  if (path.startsWith("/assets/")) {
    const name = path.slice("/assets/".length);
    if ((ASSET_NAMES as readonly string[]).includes(name)) {
      return { kind: "asset", name: name as AssetName };
    }
    throw new HttpError(404, `no asset named '${shorten(name)}'`);
  }
  const m = JOB_PATH.exec(path);
  if (!m) throw new HttpError(404, `nothing at ${shorten(path)}`);
  const id = m[1];
  if (!JOB_ID_PATTERN.test(id)) {
    throw new HttpError(400, `bad job id '${shorten(id)}': expected ${JOB_ID_PATTERN.source}`);
  }
  const sub = m[2];
  if (sub === undefined) {
    onlyParams(url, []);
    return { kind: "job", id };
  }
  if (sub === "live") {
    onlyParams(url, []);
    return { kind: "live", id };
  }
  if (sub === "cancel") {
    onlyParams(url, []);
    return { kind: "cancel", id };
  }
  if (sub === "output.mp4") {
    onlyParams(url, ["download"]);
    const download = url.searchParams.get("download");
    if (download !== null && download !== "0" && download !== "1") {
      throw new HttpError(400, `download must be 0 or 1, got '${shorten(download)}'`);
    }
    return { kind: "output", id, download: download === "1" };
  }
  const rawIndex = m[3];
  if (!INDEX_PATTERN.test(rawIndex) || Number(rawIndex) > MAX_INDEX) {
    throw new HttpError(
      400,
      `bad frame index '${shorten(rawIndex)}': expected an integer in 0..${MAX_INDEX}`,
    );
  }
  onlyParams(url, ["variant"]);
  const variant = url.searchParams.get("variant") ?? "processed";
  if (!(FRAME_VARIANTS as readonly string[]).includes(variant)) {
    throw new HttpError(
      400,
      `bad variant '${shorten(variant)}': expected one of ${FRAME_VARIANTS.join(", ")}`,
    );
  }
  return { kind: "frame", id, index: Number(rawIndex), variant: variant as FrameVariant };
}

/** Rejects query parameters other than `allowed`, and any given twice. */
function onlyParams(url: URL, allowed: string[]): void {
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!allowed.includes(key)) {
      const hint = allowed.length ? `; allowed: ${allowed.join(", ")}` : "";
      throw new HttpError(400, `unknown query parameter '${shorten(key)}'${hint}`);
    }
    if (seen.has(key)) throw new HttpError(400, `query parameter '${key}' given more than once`);
    seen.add(key);
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
