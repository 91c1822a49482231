/**
 * A minimal Matroska writer for raw yuv420p frames with their own presentation times: what the
 * encoder feeds ffmpeg (`-f matroska -i …`) when frames must keep their times (a variable frame
 * rate), since raw frames (`-f rawvideo`) are timed at a constant rate. Pure: bytes out, no I/O.
 *
 * The stream: the EBML header; a Segment of unknown size (written as it goes); Info with a
 * TimestampScale of {@link MKV_TIMESTAMP_SCALE_NS} (1 µs); Tracks with one `V_UNCOMPRESSED` video
 * track (ColourSpace FourCC `I420`, PixelWidth, PixelHeight); then one Cluster per frame holding
 * one keyframe SimpleBlock. A Cluster per frame puts each frame's full time in the Cluster's
 * Timestamp (an unsigned integer of any size) instead of a SimpleBlock's 16-bit offset, so times
 * of any precision and gaps of any length are written exactly (to the µs). The overhead is
 * 35 bytes per frame.
 *
 * ffmpeg reads it as rawvideo (codec tag `I420` → yuv420p) in a 1/1 000 000 time base.
 */

/** Nanoseconds per Matroska timestamp unit: 1 µs (ffmpeg's time base for it is 1/1 000 000). */
export const MKV_TIMESTAMP_SCALE_NS = 1000;

/** Units of {@link MKV_TIMESTAMP_SCALE_NS} per second. */
export const MKV_TICKS_PER_SECOND = 1e9 / MKV_TIMESTAMP_SCALE_NS;

/** Bytes of {@link mkvFrameHeader}'s result: the frame's data follows it. */
export const MKV_FRAME_HEADER_BYTES = 35;

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  DefaultDuration: 0x23e383,
  CodecID: 0x86,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  ColourSpace: 0x2eb524,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
} as const;

/** An element ID's bytes (IDs carry their own length marker: 1 to 4 bytes). */
function idBytes(id: number): number[] {
  const bytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return bytes;
}

/** An element data size as an 8-byte EBML variable-size integer (any size below 2^53). */
function size8(size: number): number[] {
  const bytes = [0x01, 0, 0, 0, 0, 0, 0, 0];
  let v = size;
  for (let i = 7; i >= 1; i--) {
    bytes[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return bytes;
}

/** An unsigned integer as exactly 8 big-endian bytes. */
function uint64Bytes(value: number): number[] {
  const bytes = new Array<number>(8).fill(0);
  let v = value;
  for (let i = 7; i >= 0; i--) {
    bytes[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return bytes;
}

/** An unsigned integer's big-endian bytes, at least one, at most 8. */
function uintBytes(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a Matroska unsigned integer must be a safe integer >= 0, got ${value}`);
  }
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  return bytes;
}

function element(id: number, data: number[]): number[] {
  return [...idBytes(id), ...size8(data.length), ...data];
}

const uint = (id: number, value: number) => element(id, uintBytes(value));
const text = (id: number, value: string) => element(id, [...new TextEncoder().encode(value)]);

/** Options of {@link mkvHeader}. */
export interface MkvHeaderOptions {
  /** Frame size in pixels (what every frame written after it has). */
  width: number;
  height: number;
  /**
   * How long a frame lasts, seconds, when nothing follows it (ffmpeg gives it to each frame as
   * its duration; only the last frame's is used: the others last until the next one). Default:
   * none (ffmpeg guesses one from the frame rate it sees).
   */
  frameDuration?: number;
}

/**
 * The stream's start: EBML header, the Segment's start (unknown size), Info and Tracks.
 * @throws RangeError when width or height is not an integer ≥ 1, or a frameDuration ≤ 0.
 */
export function mkvHeader(options: MkvHeaderOptions): Uint8Array {
  for (const key of ["width", "height"] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${key} must be an integer >= 1, got ${value}`);
    }
  }
  const { frameDuration } = options;
  if (frameDuration !== undefined && !(Number.isFinite(frameDuration) && frameDuration > 0)) {
    throw new RangeError(`frameDuration must be a number of seconds > 0, got ${frameDuration}`);
  }
  // Nanoseconds, at least one.
  const duration = frameDuration === undefined ? 0 : Math.max(1, Math.round(frameDuration * 1e9));
  const ebml = element(ID.EBML, [
    ...uint(ID.EBMLVersion, 1),
    ...uint(ID.EBMLReadVersion, 1),
    ...uint(ID.EBMLMaxIDLength, 4),
    ...uint(ID.EBMLMaxSizeLength, 8),
    ...text(ID.DocType, "matroska"),
    ...uint(ID.DocTypeVersion, 4),
    ...uint(ID.DocTypeReadVersion, 2),
  ]);
  // Unknown size: all ones after the 8-byte length marker.
  const segment = [...idBytes(ID.Segment), 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  const info = element(ID.Info, [
    ...uint(ID.TimestampScale, MKV_TIMESTAMP_SCALE_NS),
    ...text(ID.MuxingApp, "vframe"),
    ...text(ID.WritingApp, "vframe"),
  ]);
  const tracks = element(ID.Tracks, [
    ...element(ID.TrackEntry, [
      ...uint(ID.TrackNumber, 1),
      ...uint(ID.TrackUID, 1),
      ...uint(ID.TrackType, 1),
      ...uint(ID.FlagLacing, 0),
      ...(duration ? uint(ID.DefaultDuration, duration) : []),
      ...text(ID.CodecID, "V_UNCOMPRESSED"),
      ...element(ID.Video, [
        ...uint(ID.PixelWidth, options.width),
        ...uint(ID.PixelHeight, options.height),
        ...element(ID.ColourSpace, [..."I420"].map((c) => c.charCodeAt(0))),
      ]),
    ]),
  ]);
  return new Uint8Array([...ebml, ...segment, ...info, ...tracks]);
}

/** A time in seconds as Matroska units ({@link MKV_TIMESTAMP_SCALE_NS}), rounded. */
export function mkvTicks(seconds: number): number {
  return Math.round(seconds * MKV_TICKS_PER_SECOND);
}

/**
 * What comes before one frame's bytes: a Cluster (timestamp `ticks`) holding one keyframe
 * SimpleBlock of `frameBytes` bytes, whose data is the frame (written right after this header).
 * Always {@link MKV_FRAME_HEADER_BYTES} bytes.
 * @param ticks the frame's time in Matroska units (see {@link mkvTicks}), a safe integer ≥ 0.
 * @param frameBytes the frame's size in bytes.
 * @throws RangeError for a negative or non-integer time or size.
 */
export function mkvFrameHeader(ticks: number, frameBytes: number): Uint8Array {
  if (!Number.isSafeInteger(ticks) || ticks < 0) {
    throw new RangeError(`a frame time must be a whole number of units >= 0, got ${ticks}`);
  }
  if (!Number.isSafeInteger(frameBytes) || frameBytes < 0) {
    throw new RangeError(`frameBytes must be an integer >= 0, got ${frameBytes}`);
  }
  // Timestamp: ID, 1-byte size (8), the value in 8 bytes (fixed, so the header never varies).
  const timestamp = [ID.Timestamp, 0x88, ...uint64Bytes(ticks)];
  // SimpleBlock: track 1 (vint 0x81), relative time 0 (int16), flags: keyframe.
  const blockHead = [0x81, 0x00, 0x00, 0x80];
  const block = [ID.SimpleBlock, ...size8(blockHead.length + frameBytes), ...blockHead];
  const clusterSize = timestamp.length + block.length + frameBytes;
  const bytes = [...idBytes(ID.Cluster), ...size8(clusterSize), ...timestamp, ...block];
  return new Uint8Array(bytes);
}
