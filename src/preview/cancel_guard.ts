/**
 * Who may cancel a job through the preview (`POST /api/jobs/:id/cancel`), the one request that
 * changes something. Two checks, in this order:
 *
 * 1. **Same origin** (403 otherwise): a browser says where a request comes from. A request whose
 *    `Sec-Fetch-Site` is anything but `same-origin`, or whose `Origin` is not the preview's own
 *    (`null` included), was made by another site's page — a cross-site form or script riding on
 *    the browser's access to a loopback preview — and is refused. A request with neither header
 *    comes from a program (curl, a script), not from a page another site controls.
 * 2. **The server's token** (401 otherwise, with `WWW-Authenticate: Bearer`): when the server
 *    requires a token from its clients, the request must carry it as
 *    `Authorization: Bearer <token>`, compared in constant time. The page never contains the
 *    token: the dashboard asks for it when the server first answers 401 and keeps it in the tab's
 *    `sessionStorage`. A server run with `--no-auth` (anyone who reaches it may run jobs) needs no
 *    token here either. A preview given no access control at all has no cancel (403).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { ServerAuth } from "../server/auth.ts";
import { HttpError } from "./errors.ts";

/** Where the token comes from, said in every 401 so people know what to paste. */
const TOKEN_HINT = "the server's token: its --token, VFRAME_TOKEN or ~/.config/vframe/token";

/**
 * Checks that `request` may cancel a job (see the module documentation); `url` is its parsed
 * URL, `auth` the server's access control (undefined: cancel is off).
 * @throws HttpError 403 (cross-site, or cancel off) or 401 (token missing or wrong).
 */
export function checkCancelRequest(request: Request, url: URL, auth: ServerAuth | undefined): void {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") {
    throw new HttpError(
      403,
      `cancel refused: the request came from another site (Sec-Fetch-Site: ${site.slice(0, 40)});` +
        " use the dashboard itself or a program",
    );
  }
  const origin = request.headers.get("origin");
  if (origin !== null && !sameOrigin(origin, url)) {
    throw new HttpError(
      403,
      `cancel refused: the request came from ${
        origin.slice(0, 80)
      }, not from this preview (${url.origin})`,
    );
  }
  if (!auth) {
    throw new HttpError(
      403,
      "cancel is off: this preview was started without the server's access control",
    );
  }
  if (auth.mode === "none") return;
  const header = request.headers.get("authorization");
  const m = header === null ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  const challenge = { "www-authenticate": 'Bearer realm="vframe preview"' };
  if (!m) {
    throw new HttpError(
      401,
      `cancel needs ${TOKEN_HINT}, sent as 'Authorization: Bearer <token>'` +
        (header === null ? "" : " (the Authorization header given is not of that form)"),
      challenge,
    );
  }
  if (!sameSecret(m[1], auth.token)) {
    throw new HttpError(401, `wrong token: cancel needs ${TOKEN_HINT}`, challenge);
  }
}

function sameOrigin(origin: string, url: URL): boolean {
  try {
    return new URL(origin).origin === url.origin;
  } catch {
    return false; // `null` or garbage
  }
}

/** Whether `given` is `secret`, in time that does not depend on where they differ. */
function sameSecret(given: string, secret: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(secret));
}
