/** Serves a finished job's MP4 with HTTP range requests, so a `<video>` can play and seek it. */
import { HttpError } from "./errors.ts";
import { parseRange } from "./range.ts";

/** Options for {@link serveFile}. */
export interface ServeFileOptions {
  /** Content type (default `video/mp4`). */
  contentType?: string;
  /** File name offered to the browser in `Content-Disposition` (default: none sent). */
  downloadName?: string;
  /** Send `Content-Disposition: attachment` instead of `inline` (default false). */
  attachment?: boolean;
  /** Bytes read per chunk (default 64 KiB). */
  chunkSize?: number;
}

/**
 * Keeps a file name to printable ASCII without quotes, slashes or backslashes, so it is safe inside
 * a quoted `Content-Disposition` parameter. Returns `output.mp4` when nothing is left.
 */
export function safeDownloadName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[^\x20-\x7e]|["%;\\]/g, "_").trim().slice(0, 120);
  return clean === "" || /^\.+$/.test(clean) ? "output.mp4" : clean;
}

/**
 * Answers a GET or HEAD for the file at `path` (a path the server owns, never one from the
 * request): 200 with the whole file, 206 with one range (`Content-Range`), 416 for a bad or
 * unsatisfiable range. Every answer carries `Accept-Ranges: bytes`. The file is streamed in
 * chunks and closed when the body ends or the client goes away.
 * @throws HttpError 404 when the file is gone or not a regular file.
 */
export async function serveFile(
  request: Request,
  path: string,
  options: ServeFileOptions = {},
): Promise<Response> {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be an integer >= 1, got ${chunkSize}`);
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new HttpError(404, "the output file is gone");
    throw err;
  }
  let handedOver = false;
  try {
    const info = await file.stat();
    if (!info.isFile) throw new HttpError(404, "the output is not a regular file");
    const size = info.size;
    const headers = new Headers({
      "accept-ranges": "bytes",
      "content-type": options.contentType ?? "video/mp4",
      "cache-control": "no-cache",
    });
    if (info.mtime) headers.set("last-modified", info.mtime.toUTCString());
    if (options.downloadName !== undefined) {
      const kind = options.attachment ? "attachment" : "inline";
      headers.set(
        "content-disposition",
        `${kind}; filename="${safeDownloadName(options.downloadName)}"`,
      );
    }
    const decision = parseRange(request.headers.get("range"), size);
    if (decision.kind === "unsatisfiable") {
      throw new HttpError(416, decision.reason, {
        "content-range": `bytes */${size}`,
        "accept-ranges": "bytes",
      });
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (decision.kind === "partial") {
      ({ start, end } = decision);
      status = 206;
      headers.set("content-range", `bytes ${start}-${end}/${size}`);
    }
    const length = size === 0 ? 0 : end - start + 1;
    headers.set("content-length", String(length));
    if (request.method === "HEAD" || length === 0) {
      return new Response(null, { status, headers });
    }
    await file.seek(start, Deno.SeekMode.Start);
    handedOver = true;
    return new Response(fileSlice(file, length, chunkSize), { status, headers });
  } finally {
    if (!handedOver) file.close();
  }
}

/** A stream of the next `length` bytes of `file`; closes the file at the end or on cancel. */
function fileSlice(
  file: Deno.FsFile,
  length: number,
  chunkSize: number,
): ReadableStream<Uint8Array> {
  let left = length;
  let closed = false;
  const close = () => {
    if (!closed) {
      closed = true;
      file.close();
    }
  };
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(controller) {
      try {
        const buf = new Uint8Array(Math.min(chunkSize, left));
        const n = await file.read(buf);
        if (n === null || n === 0) {
          close();
          controller.error(new Error(`output file ended ${left} bytes early`));
          return;
        }
        left -= n;
        controller.enqueue(buf.subarray(0, n));
        if (left === 0) {
          close();
          controller.close();
        }
      } catch (err) {
        close();
        controller.error(err);
      }
    },
    cancel() {
      close();
    },
  });
}
