/**
 * Reads what one attached client sends for its job: the upload (or the rest of it, after a
 * re-attach) into the job's {@link GrowingFile}, checking the size, the SHA-256 and the upload's
 * deadline and rate; then only `cancel` or the client going away. It decides nothing about the
 * job: it says how the connection ended ({@link ReadEnd}) and the job's host acts on it.
 */
import type { Sha256 } from "../protocol/checksum.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { ProtocolError, ReadTimeoutError } from "../protocol/errors.ts";
import type { ErrorCode, Message } from "../protocol/messages.ts";
import type { GrowingFile } from "../util/growing_file.ts";
import type { UploadWatch } from "./upload_limits.ts";

/**
 * How a client's connection ended:
 *
 * - `cancel`: the job is to be cancelled — the client asked (`cancel`, `error`), or broke the
 *   rules (bad size or checksum, a message out of order, bytes that do not decode, an upload past
 *   its deadline or below the minimum rate); with `code`, the client is told so in an `error`;
 * - `drop`: the connection was lost — closed, reset, cut inside a message, or silent past the
 *   read timeout (`code` `timeout`): the client may come back (`attach`).
 */
export type ReadEnd =
  | { kind: "cancel"; why: string; code?: ErrorCode }
  | { kind: "drop"; why: string; code?: ErrorCode };

/** The upload a reader writes into, shared by every connection of the job. */
export interface UploadTarget {
  /** `hello.size`. */
  size: number;
  upload: GrowingFile;
  /** SHA-256 of the bytes stored so far (it continues across connections). */
  sha: Sha256;
}

/**
 * Reads `c` until the client is gone or must go; see {@link ReadEnd}. Never rejects. Upload
 * chunks are stored whole or not at all, so `upload.written` is always where a re-attached client
 * resumes.
 */
export async function readAttached(
  c: MessageConnection,
  target: UploadTarget,
  watch: UploadWatch,
  readTimeoutMs: number,
): Promise<ReadEnd> {
  const { upload, sha, size } = target;
  const cancelled = (msg: { reason?: string }): ReadEnd => ({
    kind: "cancel",
    why: `cancelled by the client${msg.reason ? `: ${msg.reason}` : ""}`,
  });
  try {
    let lastMessage = performance.now();
    while (!upload.finished) {
      // Wait for the next message no longer than the read timeout allows, and wake up whenever
      // the upload's deadline or rate is due to be checked.
      const now = performance.now();
      const tooSlow = watch.verdict(now, upload.written);
      if (tooSlow) return { kind: "cancel", why: tooSlow, code: "timeout" };
      const readLeft = readTimeoutMs > 0 ? lastMessage + readTimeoutMs - now : Infinity;
      if (readLeft <= 0) {
        return {
          kind: "drop",
          why: `no upload data from the client within ${readTimeoutMs} ms`,
          code: "timeout",
        };
      }
      const wait = Math.min(readLeft, watch.msUntilNextCheck(now));
      let msg: Message | null;
      try {
        msg = await c.next(wait === Infinity ? 0 : Math.max(1, Math.ceil(wait)));
      } catch (error) {
        if (error instanceof ReadTimeoutError) continue; // checked at the top of the loop
        throw error;
      }
      lastMessage = performance.now();
      if (msg === null) return { kind: "drop", why: "client disconnected during the upload" };
      if (msg.type === "upload-chunk") {
        if (upload.written + msg.data.length > size) {
          return {
            kind: "cancel",
            code: "size-mismatch",
            why: `upload exceeds the announced size of ${size} bytes (got ${
              upload.written + msg.data.length
            })`,
          };
        }
        sha.update(msg.data);
        await upload.append(msg.data);
      } else if (msg.type === "upload-end") {
        if (msg.size !== size || upload.written !== size) {
          return {
            kind: "cancel",
            code: "size-mismatch",
            why:
              `upload-end says ${msg.size} bytes, hello said ${size}, received ${upload.written}`,
          };
        }
        const digest = sha.digest();
        if (digest !== msg.sha256) {
          return {
            kind: "cancel",
            code: "file-checksum",
            why:
              `upload SHA-256 mismatch: received bytes hash to ${digest}, client said ${msg.sha256}`,
          };
        }
        upload.finish();
      } else if (msg.type === "cancel") {
        return cancelled(msg);
      } else if (msg.type === "error") {
        return { kind: "cancel", why: `client error ${msg.code}: ${msg.message}` };
      } else {
        return {
          kind: "cancel",
          code: "unexpected-message",
          why: `unexpected '${msg.type}' during the upload`,
        };
      }
    }
    while (true) {
      const msg = await c.next(0);
      if (msg === null) return { kind: "drop", why: "client disconnected" };
      if (msg.type === "cancel") return cancelled(msg);
      if (msg.type === "error") {
        return { kind: "cancel", why: `client error ${msg.code}: ${msg.message}` };
      }
      return {
        kind: "cancel",
        code: "unexpected-message",
        why: `unexpected '${msg.type}' after the upload`,
      };
    }
  } catch (error) {
    // A stream cut inside a message is a lost connection, not a broken client.
    if (error instanceof ProtocolError && error.code === "truncated") {
      return { kind: "drop", why: `connection lost: ${error.message}` };
    }
    if (error instanceof ProtocolError) {
      return { kind: "cancel", why: error.message, code: error.code };
    }
    if (error instanceof ReadTimeoutError) {
      return {
        kind: "drop",
        why: `no upload data from the client within ${error.timeoutMs} ms`,
        code: "timeout",
      };
    }
    return {
      kind: "cancel",
      why: `upload failed: ${error instanceof Error ? error.message : String(error)}`,
      code: "internal",
    };
  }
}
