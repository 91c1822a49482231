/**
 * The packet index of a video: every packet of its first video stream, in file (decode) order,
 * with its timestamps and key/discard flags — read by ffprobe from the container, without
 * decoding a frame. Everything segment mode plans comes from it.
 */
import type { CodecBackendName, Rational } from "../types.ts";
import { SegmentUnsupportedError } from "./errors.ts";
import { checkExit, runTool } from "./tools.ts";

/** The packets of a video stream, in decode order. */
export interface PacketIndex {
  /** Time base of `pts` and `dts` (e.g. 1/15360). */
  timeBase: Rational;
  /** The stream's average frame rate (`0/0` from ffprobe becomes undefined). */
  avgFrameRate?: Rational;
  /** The container's start time, seconds (ffmpeg shifts timestamps by it; 0 when unknown). */
  startTime: number;
  /** The container's format names as ffprobe gives them (e.g. `mov,mp4,m4a,3gp,3g2,mj2`). */
  formatName?: string;
  /** Presentation timestamp of each packet, in ticks of `timeBase`; NaN when missing. */
  pts: Float64Array;
  /** Decoding timestamp of each packet, in ticks; NaN when missing. */
  dts: Float64Array;
  /** Flags of each packet: {@link KEY} and {@link DISCARD} bits. */
  flags: Uint8Array;
}

/** Flag bit: the packet starts a keyframe (a point decoding can start from). */
export const KEY = 1;
/** Flag bit: the packet is decoded but not shown (before an edit list's start). */
export const DISCARD = 2;

/** ffprobe's arguments that list `input`'s first video stream's packets (no decoding). */
export function packetIndexArgs(input: string): string[] {
  return [
    "-v",
    "error",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=time_base,avg_frame_rate:format=start_time,format_name:packet=pts,dts,flags",
    "-of",
    "compact",
    input,
  ];
}

function rational(text: string | undefined): Rational | undefined {
  const [num, den] = (text ?? "").split("/").map(Number);
  return Number.isSafeInteger(num) && Number.isSafeInteger(den) && num > 0 && den > 0
    ? { num, den }
    : undefined;
}

function fields(line: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of line.split("|").slice(1)) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

function ticks(text: string | undefined): number {
  const value = Number(text);
  return text === undefined || text === "N/A" || !Number.isSafeInteger(value) ? NaN : value;
}

/**
 * Reads {@link packetIndexArgs}' output (ffprobe's `compact` writer with keys).
 * @param name the input's name for messages.
 * @throws SegmentUnsupportedError when there is no video stream time base or no packet.
 */
export function parsePacketIndex(stdout: string, name = "the input"): PacketIndex {
  let timeBase: Rational | undefined;
  let avgFrameRate: Rational | undefined;
  let startTime = 0;
  let formatName: string | undefined;
  const pts: number[] = [];
  const dts: number[] = [];
  const flags: number[] = [];
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("packet|")) {
      const f = fields(line);
      pts.push(ticks(f.get("pts")));
      dts.push(ticks(f.get("dts")));
      const text = f.get("flags") ?? "";
      flags.push((text.includes("K") ? KEY : 0) | (text.includes("D") ? DISCARD : 0));
    } else if (line.startsWith("stream|") && !timeBase) {
      const f = fields(line);
      timeBase = rational(f.get("time_base"));
      avgFrameRate = rational(f.get("avg_frame_rate"));
    } else if (line.startsWith("format|")) {
      const f = fields(line);
      const value = Number(f.get("start_time"));
      if (Number.isFinite(value)) startTime = value;
      formatName = f.get("format_name") || undefined;
    }
  }
  if (!timeBase) {
    throw new SegmentUnsupportedError(`${name} has no video stream with a time base`);
  }
  if (pts.length === 0) throw new SegmentUnsupportedError(`${name} has no video packets`);
  return {
    timeBase,
    ...(avgFrameRate ? { avgFrameRate } : {}),
    startTime,
    ...(formatName ? { formatName } : {}),
    pts: Float64Array.from(pts),
    dts: Float64Array.from(dts),
    flags: Uint8Array.from(flags),
  };
}

/** Options of {@link readPacketIndex}. */
export interface ReadPacketIndexOptions {
  backend: CodecBackendName;
  signal?: AbortSignal;
}

/**
 * Lists the packets of `path`'s first video stream with ffprobe (reads the container, decodes
 * nothing).
 * @throws CodecError when ffprobe fails; SegmentUnsupportedError when it lists no packet.
 */
export async function readPacketIndex(
  path: string,
  options: ReadPacketIndexOptions,
): Promise<PacketIndex> {
  const result = await runTool({
    backend: options.backend,
    tool: "ffprobe",
    files: { input: { host: path } },
    args: (p) => packetIndexArgs(p("input")),
    signal: options.signal,
  });
  checkExit(result, `listing the packets of ${path}`, options.backend);
  return parsePacketIndex(result.stdout, path);
}
