/** Named errors of the preview server. */
import { VframeError } from "../util/errors.ts";

/** An option passed to {@link startPreview} or a preview helper was invalid. */
export class PreviewOptionsError extends VframeError {
  readonly code: string = "bad-option";
  override name = "PreviewOptionsError";
}

/** The preview's HTTP listener could not start (port in use, address not available...). */
export class PreviewListenError extends VframeError {
  readonly code: string = "listen-failed";
  override name = "PreviewListenError";
  /** Host the preview tried to bind. */
  readonly hostname: string;
  /** Port the preview tried to bind. */
  readonly port: number;

  constructor(hostname: string, port: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `preview could not listen on ${hostname}:${port}: ${why}` +
        " (pick another --preview-port, 0 for any free port, or --no-preview)",
      { cause },
    );
    this.hostname = hostname;
    this.port = port;
  }
}

/** One of the dashboard's files (src/preview/assets/) could not be read when the preview started. */
export class PreviewAssetError extends VframeError {
  readonly code: string = "asset-missing";
  override name = "PreviewAssetError";
  /** Name of the file, e.g. `app.js`. */
  readonly file: string;

  constructor(file: string, url: URL, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `preview asset ${file} could not be read from ${url.href}: ${why}` +
        " (a `deno compile` build needs it in the compile task's --include list)",
      { cause },
    );
    this.file = file;
  }
}

/** A request the preview refuses, with the HTTP status to answer and a message for people. */
export class HttpError extends VframeError {
  readonly code: string = "http-error";
  override name = "HttpError";
  /** HTTP status code, 4xx. */
  readonly status: number;
  /** Extra response headers (e.g. `Allow` for 405, `Content-Range` for 416). */
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}
