/**
 * Sample videos for tests, made with the project's own ffmpeg.wasm backend (lavfi `testsrc2`
 * and `sine`), so they need no native ffmpeg. Each distinct request is made once per test
 * process and cached in a temporary directory removed when the process ends.
 *
 * ```ts
 * const path = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
 * ```
 */
import { execWasm } from "../../src/codec/wasm/exec.ts";

/** What to make. */
export interface SampleVideoOptions {
  /** Frame size (any ≥ 2 x 2; odd sizes are made by cropping). */
  width: number;
  height: number;
  /** Frame rate as ffmpeg takes it: `"30"`, `"30000/1001"` (default `"30"`). */
  fps?: string;
  /** Length in seconds (default 1). */
  seconds?: number;
  /** Add a 440 Hz sine audio track (default false). */
  audio?: boolean;
  /** Audio codec when `audio` (default `aac`; e.g. `libopus`, `pcm_s16le` with container mkv). */
  audioCodec?: string;
  /** Display rotation metadata in degrees, clockwise (default 0). */
  rotate?: number;
  /** Container (default `mp4`). */
  container?: "mp4" | "mkv" | "mov";
  /** MP4/MOV only: put the index first (default true); false puts `moov` after `mdat`. */
  faststart?: boolean;
  /** x264 CRF (default 18: little noise, for content checks). */
  crf?: number;
}

let dir: string | undefined;
const made = new Map<string, Promise<string>>();

function tempDir(): string {
  if (!dir) {
    dir = Deno.makeTempDirSync({ prefix: "vframe-samples-" });
    const path = dir;
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(path, { recursive: true });
      } catch {
        // already gone
      }
    });
  }
  return dir;
}

/** The temporary directory samples are written to (created on first use). */
export function sampleDir(): string {
  return tempDir();
}

/** Makes (or returns the cached) sample video and resolves to its path. */
export function makeSampleVideo(options: SampleVideoOptions): Promise<string> {
  const o = {
    fps: "30",
    seconds: 1,
    audio: false,
    audioCodec: "aac",
    rotate: 0,
    container: "mp4" as const,
    faststart: true,
    crf: 18,
    ...options,
  };
  if (!Number.isInteger(o.width) || o.width < 2 || !Number.isInteger(o.height) || o.height < 2) {
    throw new RangeError(`sample size must be integers >= 2, got ${o.width}x${o.height}`);
  }
  const key = JSON.stringify(o);
  let result = made.get(key);
  if (!result) {
    result = make(o);
    made.set(key, result);
  }
  return result;
}

async function make(o: Required<SampleVideoOptions>): Promise<string> {
  const evenW = o.width + (o.width & 1);
  const evenH = o.height + (o.height & 1);
  const name = `sample-${made.size}-${o.width}x${o.height}.${o.container}`;
  const host = `${tempDir()}/${name}`;
  const out = `/out/${name}`;
  const odd = evenW !== o.width || evenH !== o.height;
  const args = [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${evenW}x${evenH}:rate=${o.fps}:duration=${o.seconds}`,
  ];
  if (o.audio) args.push("-f", "lavfi", "-i", `sine=frequency=440:duration=${o.seconds}`);
  // testsrc2 and libx264's 4:2:0 need even sizes: odd ones are cropped in 4:4:4 and kept so.
  args.push(
    ...(odd ? ["-vf", `format=yuv444p,crop=${o.width}:${o.height}:0:0`] : []),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    String(o.crf),
    "-pix_fmt",
    odd ? "yuv444p" : "yuv420p",
  );
  if (o.audio) args.push("-c:a", o.audioCodec);
  if (o.container !== "mkv" && o.faststart) args.push("-movflags", "+faststart");
  args.push(out);
  await execWasm(args, { files: [{ path: out, host, write: true }] });
  if (o.rotate) {
    if (o.container === "mkv") throw new RangeError("rotate needs an mp4 or mov container");
    // ffmpeg 5.1 cannot write rotation metadata, so the track header's matrix is set here.
    Deno.writeFileSync(host, setMp4Rotation(Deno.readFileSync(host), o.rotate));
  }
  return host;
}

function boxes(
  data: Uint8Array,
  start: number,
  end: number,
): { type: string; at: number; size: number }[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = [];
  for (let at = start; at + 8 <= end;) {
    const size = view.getUint32(at);
    if (size < 8) break;
    out.push({ type: String.fromCharCode(...data.subarray(at + 4, at + 8)), at, size });
    at += size;
  }
  return out;
}

/**
 * Writes a clockwise `degrees` (multiple of 90) display matrix into the video track's `tkhd`
 * of a small in-memory MP4. Returns the same array, modified.
 */
export function setMp4Rotation(data: Uint8Array, degrees: number): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const moov = boxes(data, 0, data.length).find((b) => b.type === "moov");
  if (!moov) throw new Error("no moov box");
  for (
    const trak of boxes(data, moov.at + 8, moov.at + moov.size).filter((b) => b.type === "trak")
  ) {
    const children = boxes(data, trak.at + 8, trak.at + trak.size);
    const mdia = children.find((b) => b.type === "mdia");
    const hdlr = mdia &&
      boxes(data, mdia.at + 8, mdia.at + mdia.size).find((b) => b.type === "hdlr");
    if (
      !hdlr || String.fromCharCode(...data.subarray(hdlr.at + 16, hdlr.at + 20)) !== "vide"
    ) continue;
    const tkhd = children.find((b) => b.type === "tkhd")!;
    const version = data[tkhd.at + 8];
    const matrixAt = tkhd.at + 12 + (version === 1 ? 32 : 20) + 8 + 8;
    const cos = Math.round(Math.cos((degrees * Math.PI) / 180));
    const sin = Math.round(Math.sin((degrees * Math.PI) / 180));
    const one = 0x10000;
    const matrix = [cos * one, sin * one, 0, -sin * one, cos * one, 0, 0, 0, 0x40000000];
    matrix.forEach((value, i) => view.setInt32(matrixAt + 4 * i, value));
    return data;
  }
  throw new Error("no video track");
}

/**
 * The memory bomb of the reliability issue, with native ffmpeg: ten black 7680×4320 frames (1 s at
 * 10 fps), H.264 — about 100 KB that decode to ~475 MiB. Used by the server's memory tests and the
 * chaos suite. Resolves to `path`.
 * @throws Error with ffmpeg's message when it fails.
 */
export async function makeBlack8k(path: string): Promise<string> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "color=black:s=7680x4320:r=10"],
      ...["-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", path],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`ffmpeg could not make ${path}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return path;
}
