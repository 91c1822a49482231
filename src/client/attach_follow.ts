/**
 * One connection of a job the server accepted (after `ack`, or after `attached` on a connection
 * that re-attached): send the upload, or what the server still lacks of it, while reading
 * `progress`, then the `result` and the output. A connection that ends before the job did throws
 * {@link ConnectionLostError} (or what says the same, see `isConnectionLost`), and the caller may
 * re-attach on a new one.
 */
import { Sha256 } from "../protocol/checksum.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { MAX_CHUNK_DATA, type ProgressMessage } from "../protocol/messages.ts";
import type { JobResult } from "../protocol/result.ts";
import type { OutputDownload } from "./attach_download.ts";
import { SAME_RELEASE_HINT } from "./attach_handshake.ts";
import {
  errorFromServer,
  JobCancelledError,
  JobFailedError,
  ServerProtocolError,
} from "./errors.ts";
import { ConnectionLostError } from "./resume_policy.ts";

/** What the client reports while a job runs. */
export type ClientProgress =
  | { phase: "upload"; sent: number; total: number }
  | { phase: "process"; progress: ProgressMessage }
  | { phase: "download"; received: number; total?: number };

/** The upload, or its rest: bytes `from`..`size` of the file at `path`. */
export interface UploadPart {
  path: string;
  size: number;
  /** The first byte the server lacks (0 on the first connection). */
  from: number;
  /** Data bytes per `upload-chunk` (default 1 MiB, the most the protocol allows). */
  chunkBytes?: number;
}

/** Options of {@link followConnection}. */
export interface FollowOptions {
  jobId: string;
  /** What is left to upload; none when the server has it all. */
  upload?: UploadPart;
  /** Where the output goes; started over on every connection. */
  download: OutputDownload;
  onProgress?: (progress: ClientProgress) => void;
  /** Aborted: the job is being cancelled; a closed connection is then not "lost". */
  signal?: AbortSignal;
}

/**
 * Follows the job on `c` until its output is written; see the module documentation. The upload
 * runs alongside: `uploading` gets its promise (never rejects), for the caller to await once it
 * closed `c`.
 * @returns the result JSON, with `timings.download` filled in.
 * @throws ConnectionLostError; JobFailedError (a result that is not `done`); JobCancelledError;
 * the error of an `error` message (`errorFromServer`; `detached`: another connection follows the
 * job now, a ServerProtocolError); ChecksumMismatchError; ServerProtocolError for a server that
 * breaks the protocol; what `c.next()` throws.
 */
export async function followConnection(
  c: MessageConnection,
  options: FollowOptions,
  uploading: { promise: Promise<void> },
): Promise<JobResult> {
  const { download, onProgress, signal } = options;
  download.reset();
  let failedUpload: unknown;
  if (options.upload) {
    uploading.promise = uploadFile(c, options.upload, onProgress).catch((e) => {
      failedUpload = e;
    });
  }
  let result: JobResult | undefined;
  while (true) {
    const msg = await c.next();
    if (msg === null) {
      if (signal?.aborted) throw new JobCancelledError("cancelled by the client");
      await uploading.promise;
      throw new ConnectionLostError(
        result
          ? "the server closed the connection during the download"
          : `the server closed the connection before the result${
            failedUpload ? ` (upload: ${(failedUpload as Error).message})` : ""
          }`,
      );
    }
    if (msg.type === "progress") {
      onProgress?.({ phase: "process", progress: msg });
    } else if (msg.type === "error") {
      if (msg.code === "detached") {
        throw new ServerProtocolError(
          `${msg.message}: it follows job ${options.jobId} now, this client stops (the job goes on)`,
        );
      }
      throw errorFromServer(msg.code, msg.message);
    } else if (msg.type === "result") {
      result = msg.result;
      if (result.state !== "done") {
        throw new JobFailedError(
          `job ${result.jobId} ${result.state}${result.error ? `: ${result.error}` : ""}`,
        );
      }
      await download.begin();
    } else if (msg.type === "output-chunk") {
      if (!result || !download.started) {
        throw new ServerProtocolError(`output-chunk before the result: ${SAME_RELEASE_HINT}`);
      }
      await download.write(msg.data);
      onProgress?.({ phase: "download", received: download.received, total: result.outputBytes });
    } else if (msg.type === "output-end") {
      if (!result || !download.started) {
        throw new ServerProtocolError(`output-end before the result: ${SAME_RELEASE_HINT}`);
      }
      const ms = download.elapsedMs;
      await download.finish(msg);
      result.timings.download = Math.round(ms);
      await uploading.promise;
      return result;
    } else {
      throw new ServerProtocolError(
        `unexpected '${msg.type}' from the server: ${SAME_RELEASE_HINT}`,
      );
    }
  }
}

/**
 * Sends bytes `from`..`size` of the file in `upload-chunk`s, then `upload-end` with the SHA-256
 * of the whole file (the bytes before `from` are read for it, not sent).
 */
async function uploadFile(
  c: MessageConnection,
  part: UploadPart,
  onProgress?: (p: ClientProgress) => void,
): Promise<void> {
  const { path, size, from } = part;
  const chunkBytes = Math.max(1, Math.min(part.chunkBytes ?? MAX_CHUNK_DATA, MAX_CHUNK_DATA));
  const sha = new Sha256();
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(Math.max(chunkBytes, 1_048_576));
  let at = 0;
  // What the server has: hashed only.
  while (at < from) {
    const n = await file.read(buf.subarray(0, Math.min(buf.length, from - at)));
    if (n === null) throw new Error(`input shrank while uploading: ${at} of ${size} bytes`);
    sha.update(buf.subarray(0, n));
    at += n;
  }
  onProgress?.({ phase: "upload", sent: at, total: size });
  while (at < size) {
    const n = await file.read(buf.subarray(0, Math.min(chunkBytes, size - at)));
    if (n === null) throw new Error(`input shrank while uploading: ${at} of ${size} bytes`);
    const data = buf.slice(0, n);
    sha.update(data);
    await c.send({ type: "upload-chunk", data });
    at += n;
    onProgress?.({ phase: "upload", sent: at, total: size });
  }
  await c.send({ type: "upload-end", size, sha256: sha.digest() });
}
