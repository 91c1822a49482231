/**
 * Whether an MP4/MOV file's first video track spaces its frames evenly, from its index alone:
 * the sample durations of its `stts` box (one entry per run of equal durations) and its edit list.
 * Reading the `moov` box costs a millisecond or so where listing every packet with ffprobe costs a
 * pass over the file, so the probe asks this before deciding to list the packet times (probe.ts).
 *
 * `even`: every sample lasts as long as the first (the last may differ: it ends the stream) and at
 * most one edit plays the media — the frames keep a constant rate. `uneven`: some sample lasts
 * longer or shorter, or several edits splice the media — only the frame times can tell.
 * `unknown`: no `moov`, a fragmented file (its durations are in `moof` boxes), an index too large
 * to read (over 64 MiB), or a box that does not parse. `not-mp4`: the file is not ISO BMFF.
 *
 * The same `moov` read also describes the first video track (`readMp4VideoTrack`): its sample
 * count and its decoder configuration box (`avcC`), which segment mode checks encoded chunks
 * with instead of running ffprobe.
 */
import { isIsoBmff, walkTopLevelBoxes } from "./sniff.ts";

/** What the index says of the spacing of the video frames. */
export type Mp4Spacing = "even" | "uneven" | "unknown" | "not-mp4";

/** Largest `moov` read: 64 MiB (a 10-hour video's index is a few MiB). */
const MAX_MOOV_BYTES = 64 << 20;

/** A box inside a buffer: its type and its payload's range. */
interface Inner {
  type: string;
  start: number;
  end: number;
}

/** The boxes directly inside `data[start, end)`; undefined when one does not parse. */
function boxesIn(data: Uint8Array, start: number, end: number): Inner[] | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Inner[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return undefined;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return undefined;
    const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
    out.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return out;
}

function child(data: Uint8Array, box: Inner | undefined, type: string): Inner | undefined {
  return box && boxesIn(data, box.start, box.end)?.find((b) => b.type === type);
}

/**
 * The video tracks of a `moov` payload, in order: each `trak` and its `mdia` (whose `hdlr` says
 * `vide`); undefined when the payload does not parse.
 */
function videoTracks(
  data: Uint8Array,
  start: number,
  end: number,
): { trak: Inner; mdia: Inner }[] | undefined {
  const traks = boxesIn(data, start, end)?.filter((b) => b.type === "trak");
  if (!traks) return undefined;
  const tracks: { trak: Inner; mdia: Inner }[] = [];
  for (const trak of traks) {
    const mdia = child(data, trak, "mdia");
    const hdlr = child(data, mdia, "hdlr");
    if (!mdia || !hdlr || hdlr.end - hdlr.start < 12) continue;
    if (String.fromCharCode(...data.subarray(hdlr.start + 8, hdlr.start + 12)) === "vide") {
      tracks.push({ trak, mdia });
    }
  }
  return tracks;
}

/**
 * The spacing of the first video track of an in-memory `moov` box's payload (pure; exported for
 * tests).
 */
export function moovSpacing(
  data: Uint8Array,
  start = 0,
  end = data.length,
): "even" | "uneven" | "unknown" {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tracks = videoTracks(data, start, end);
  if (!tracks) return "unknown";
  for (const { trak, mdia } of tracks) {
    const stts = child(data, child(data, child(data, mdia, "minf"), "stbl"), "stts");
    if (!stts || stts.end - stts.start < 8) return "unknown";
    const count = view.getUint32(stts.start + 4);
    if (count === 0 || stts.start + 8 + count * 8 > stts.end) return "unknown";
    const delta = (i: number) => view.getUint32(stts.start + 8 + i * 8 + 4);
    const samples = (i: number) => view.getUint32(stts.start + 8 + i * 8);
    // The last entry, one sample long, is the last frame's duration: it may differ.
    const runs = count > 1 && samples(count - 1) === 1 ? count - 1 : count;
    for (let i = 1; i < runs; i++) if (delta(i) !== delta(0)) return "uneven";
    return playedEdits(data, view, child(data, child(data, trak, "edts"), "elst")) > 1
      ? "uneven"
      : "even";
  }
  return "unknown";
}

/** Edits of an edit list that play media (an empty edit, media_time −1, only delays the start). */
function playedEdits(data: Uint8Array, view: DataView, elst: Inner | undefined): number {
  if (!elst || elst.end - elst.start < 8) return 0;
  const version = data[elst.start];
  const count = view.getUint32(elst.start + 4);
  const size = version === 1 ? 20 : 12;
  let played = 0;
  for (let i = 0; i < count; i++) {
    const at = elst.start + 8 + i * size;
    if (at + size > elst.end) break;
    const mediaTime = version === 1 ? view.getBigInt64(at + 8) : BigInt(view.getInt32(at + 4));
    if (mediaTime !== -1n) played++;
  }
  return played;
}

/** A `moov` box read from a file: its bytes and where its payload starts. */
type Moov = { data: Uint8Array; header: number } | "not-mp4" | "unknown";

/**
 * Reads `path`'s `moov` box: `not-mp4` when the file is not ISO BMFF, `unknown` when there is no
 * `moov`, the file is fragmented, the box is over 64 MiB or does not read.
 */
async function readMoov(path: string): Promise<Moov> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return "unknown";
  }
  try {
    const read = async (position: number, length: number) => {
      await file.seek(position, Deno.SeekMode.Start);
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = await file.read(out.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return out.subarray(0, filled);
    };
    if (!isIsoBmff(await read(0, 16))) return "not-mp4";
    const size = (await file.stat()).size;
    const walk = await walkTopLevelBoxes(read, size);
    if (walk.moov === -1 || walk.boxes.some((box) => box.type === "moof")) return "unknown";
    const moov = walk.boxes[walk.moov];
    if (moov.size > MAX_MOOV_BYTES) return "unknown";
    const data = await read(moov.start, moov.size);
    if (data.length !== moov.size) return "unknown";
    const header = new DataView(data.buffer, data.byteOffset).getUint32(0) === 1 ? 16 : 8;
    return { data, header };
  } catch {
    return "unknown";
  } finally {
    file.close();
  }
}

/** Reads `path`'s `moov` and tells how its first video track spaces its frames. */
export async function mp4Spacing(path: string): Promise<Mp4Spacing> {
  const moov = await readMoov(path);
  if (typeof moov === "string") return moov;
  return moovSpacing(moov.data, moov.header, moov.data.length);
}

/** The first video track of an MP4/MOV file, as its sample tables describe it. */
export interface Mp4VideoTrack {
  /** Its samples (`stsz`/`stz2` sample count): the packets a demuxer reads, one per frame. */
  samples: number;
  /** The type of its first sample entry (`avc1`, `avc3`, `hvc1`, …). */
  entry: string;
  /**
   * The decoder configuration box inside that entry (`avcC`, `hvcC`, …: the box whose type ends
   * in `C`), its type and payload; undefined when there is none.
   */
  config?: { type: string; data: Uint8Array };
}

/** Bytes of a visual sample entry before its child boxes (ISO/IEC 14496-12 12.1.3): 78. */
const VISUAL_ENTRY_HEADER = 78;

/**
 * The first video track of an in-memory `moov` box's payload (pure; exported for tests), or
 * undefined when it has none or a box does not parse.
 */
export function moovVideoTrack(
  data: Uint8Array,
  start = 0,
  end = data.length,
): Mp4VideoTrack | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const { mdia } of videoTracks(data, start, end) ?? []) {
    const stbl = child(data, child(data, mdia, "minf"), "stbl");
    const sizes = child(data, stbl, "stsz") ?? child(data, stbl, "stz2");
    if (!sizes || sizes.end - sizes.start < 12) return undefined;
    const samples = view.getUint32(sizes.start + 8);
    const stsd = child(data, stbl, "stsd");
    if (!stsd || stsd.end - stsd.start < 8 || view.getUint32(stsd.start + 4) < 1) return undefined;
    const entry = boxesIn(data, stsd.start + 8, stsd.end)?.[0];
    if (!entry) return undefined;
    const track: Mp4VideoTrack = { samples, entry: entry.type };
    if (entry.end - entry.start >= VISUAL_ENTRY_HEADER) {
      const inner = boxesIn(data, entry.start + VISUAL_ENTRY_HEADER, entry.end);
      const config = inner?.find((b) => /^[a-z0-9]{3}C$/.test(b.type));
      if (config) {
        track.config = { type: config.type, data: data.slice(config.start, config.end) };
      }
    }
    return track;
  }
  return undefined;
}

/**
 * Reads `path`'s `moov` and describes its first video track (no ffprobe: a millisecond or so);
 * undefined when the file is not a readable, unfragmented MP4/MOV with a video track.
 */
export async function readMp4VideoTrack(path: string): Promise<Mp4VideoTrack | undefined> {
  const moov = await readMoov(path);
  if (typeof moov === "string") return undefined;
  return moovVideoTrack(moov.data, moov.header, moov.data.length);
}
