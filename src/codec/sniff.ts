/**
 * Looks at an input's bytes before (or after) ffmpeg does, to tell the user clearly what the
 * input is when it is not a video, and to catch truncated MP4 files that ffmpeg would half-read.
 * Pure: works on byte arrays and a reader callback.
 */

/** What the first bytes look like. */
export type HeadKind =
  | { kind: "empty" }
  | { kind: "image"; format: string }
  | { kind: "text" }
  | { kind: "binary" };

const IMAGE_MAGIC: [string, number[]][] = [
  ["PNG", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["JPEG", [0xff, 0xd8, 0xff]],
  ["GIF", [0x47, 0x49, 0x46, 0x38]],
  ["BMP", [0x42, 0x4d]],
  ["TIFF", [0x49, 0x49, 0x2a, 0x00]],
  ["TIFF", [0x4d, 0x4d, 0x00, 0x2a]],
];

function startsWith(head: Uint8Array, magic: number[], at = 0): boolean {
  if (head.length < at + magic.length) return false;
  return magic.every((byte, i) => head[at + i] === byte);
}

function ascii(head: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...head.subarray(at, at + length));
}

/**
 * Classifies the first bytes of an input (pass at least 512 when the input has them).
 * `text` means: no NUL byte and nearly all printable — a text file, not media.
 */
export function sniffHead(head: Uint8Array): HeadKind {
  if (head.length === 0) return { kind: "empty" };
  for (const [format, magic] of IMAGE_MAGIC) {
    if (startsWith(head, magic)) return { kind: "image", format };
  }
  if (head.length >= 12 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") {
    return { kind: "image", format: "WebP" };
  }
  const sample = head.subarray(0, 1024);
  let printable = 0;
  for (const byte of sample) {
    if (byte === 0) return { kind: "binary" };
    if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte !== 127)) printable++;
  }
  if (printable / sample.length >= 0.95 && !ascii(head, 0, 9).startsWith("YUV4MPEG2")) {
    return { kind: "text" };
  }
  return { kind: "binary" };
}

/** A top-level ISO BMFF (MP4/MOV) box. */
export interface Box {
  type: string;
  start: number;
  size: number;
}

/** What {@link walkTopLevelBoxes} found. */
export interface BoxWalk {
  boxes: Box[];
  /** A box claims more bytes than the file has (or a header is cut): the file is truncated. */
  truncated: boolean;
  /** Index of `moov` and `mdat` in `boxes` (-1 when absent). */
  moov: number;
  mdat: number;
}

/** True when `head` starts like an ISO BMFF file (an `ftyp`, `moov`, `mdat`, … box first). */
export function isIsoBmff(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  return ["ftyp", "moov", "mdat", "free", "skip", "wide", "styp"].includes(ascii(head, 4, 4));
}

/**
 * Walks the top-level boxes of an ISO BMFF file of `fileSize` bytes, reading only box headers.
 * @param read returns up to `length` bytes at `position` (fewer only at end of file).
 * @param maxBoxes stop after this many boxes (default 100 000).
 */
export async function walkTopLevelBoxes(
  read: (position: number, length: number) => Promise<Uint8Array>,
  fileSize: number,
  maxBoxes = 100_000,
): Promise<BoxWalk> {
  const boxes: Box[] = [];
  let position = 0;
  let truncated = false;
  while (position < fileSize && boxes.length < maxBoxes) {
    const header = await read(position, 16);
    if (header.length < 8) {
      truncated = true;
      break;
    }
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    let size = view.getUint32(0);
    const type = ascii(header, 4, 4);
    if (size === 1) {
      if (header.length < 16) {
        truncated = true;
        break;
      }
      size = Number(view.getBigUint64(8));
    } else if (size === 0) {
      size = fileSize - position;
    }
    if (size < 8) {
      truncated = true;
      break;
    }
    boxes.push({ type, start: position, size });
    if (position + size > fileSize) {
      truncated = true;
      break;
    }
    position += size;
  }
  return {
    boxes,
    truncated,
    moov: boxes.findIndex((box) => box.type === "moov"),
    mdat: boxes.findIndex((box) => box.type === "mdat"),
  };
}

/**
 * For a byte stream that starts like an MP4: decides from its first bytes whether ffmpeg can read
 * it front to back (`moov` before `mdat`, or fragmented) — `stream` —, or needs the whole file
 * first (`mdat` before `moov`) — `whole-file` —, or `need-more` bytes to tell.
 */
export function mp4StreamLayout(head: Uint8Array): "stream" | "whole-file" | "need-more" {
  let position = 0;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  while (position + 8 <= head.length) {
    let size = view.getUint32(position);
    const type = ascii(head, position + 4, 4);
    if (type === "moov" || type === "moof") return "stream";
    if (type === "mdat") return "whole-file";
    if (size === 1) {
      if (position + 16 > head.length) return "need-more";
      size = Number(view.getBigUint64(position + 8));
    }
    if (size < 8) return "whole-file";
    position += size;
  }
  return "need-more";
}
