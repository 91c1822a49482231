/**
 * Decides from an upload's first bytes whether decoding can start before the upload ends. Pure.
 *
 * - MP4/MOV (ISO BMFF): the top-level boxes are walked; when `moov` (the index) comes before
 *   `mdat` (the samples) — "faststart" files — the decoder can read the file front to back while
 *   it grows. When `mdat` comes first, the decoder needs `moov` at the end: decode after upload.
 * - Matroska/WebM (EBML magic) and MPEG-TS (0x47 sync bytes every 188 bytes) are read front to back.
 * - Anything else (unknown container): decode after upload, which is always correct.
 */

/** What {@link sniffStreamable} found. */
export type StreamDecision =
  /** Not enough bytes yet to decide; call again with more. */
  | { kind: "need-more" }
  /** Decoding may start now. `headerBytes`: bytes needed before the container's index is complete. */
  | { kind: "stream"; container: string; headerBytes: number }
  /** Decode only once the whole upload is there. */
  | { kind: "after-upload"; container: string; reason: string };

/** Bytes after which an undecided MP4 walk gives up and decodes after upload (default 16 MiB). */
export const SNIFF_LIMIT = 16 * 1024 * 1024;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

/**
 * Looks at `head`, the first bytes of the upload (as many as have arrived), and decides.
 * @param total the upload's full size in bytes (from the handshake), to know when `head` is all.
 */
export function sniffStreamable(head: Uint8Array, total: number): StreamDecision {
  const complete = head.length >= total;
  if (
    head.length >= 4 && head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3
  ) {
    return { kind: "stream", container: "matroska", headerBytes: 0 };
  }
  if (isMp4Start(head)) {
    return walkMp4(head, total, complete);
  }
  if (head.length >= 377 && head[0] === 0x47 && head[188] === 0x47 && head[376] === 0x47) {
    return { kind: "stream", container: "mpegts", headerBytes: 0 };
  }
  if (!complete && head.length < 377) return { kind: "need-more" };
  return { kind: "after-upload", container: "unknown", reason: "container not recognised" };
}

function isMp4Start(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  const type = fourcc(head, 4);
  return type === "ftyp" || type === "moov" || type === "mdat" || type === "free" ||
    type === "wide" || type === "skip";
}

function walkMp4(head: Uint8Array, total: number, complete: boolean): StreamDecision {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let at = 0;
  while (true) {
    if (at + 8 > head.length) {
      if (complete || at >= total) {
        return { kind: "after-upload", container: "mp4", reason: "no moov box found" };
      }
      return at > SNIFF_LIMIT
        ? { kind: "after-upload", container: "mp4", reason: "moov not within the first 16 MiB" }
        : { kind: "need-more" };
    }
    let size = view.getUint32(at);
    const type = fourcc(head, at + 4);
    if (size === 1) {
      if (at + 16 > head.length) {
        return complete ? bad("truncated box header") : { kind: "need-more" };
      }
      size = Number(view.getBigUint64(at + 8));
    } else if (size === 0) {
      size = total - at;
    }
    if (size < 8) return bad(`box '${type}' has invalid size ${size}`);
    if (type === "moov") {
      return { kind: "stream", container: "mp4", headerBytes: at + size };
    }
    if (type === "mdat") {
      return { kind: "after-upload", container: "mp4", reason: "moov after mdat (not faststart)" };
    }
    at += size;
  }
}

function bad(reason: string): StreamDecision {
  return { kind: "after-upload", container: "mp4", reason };
}
