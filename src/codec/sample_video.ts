/**
 * A sample video for the demo and the benchmark, made with vframe's own code: frames drawn here
 * (colour bars, a moving box, a moving gradient — like ffmpeg's `testsrc`), a sine tone written as
 * a WAV file here, both encoded to MP4 through the codec layer's public encoder (`openEncoder`,
 * whichever backend is chosen: ffmpeg.wasm needs no native ffmpeg).
 */
import { planeLayout } from "./frame.ts";
import { openEncoder } from "./mod.ts";
import type { CodecChoice } from "./types.ts";

/** Options of {@link makeSampleVideo}. */
export interface SampleVideoOptions {
  /** Output MP4 path. */
  path: string;
  /** Width and height in pixels (default 640×360). */
  width?: number;
  height?: number;
  /** Frames per second, integer (default 30). */
  fps?: number;
  /** Length in seconds (default 4). */
  seconds?: number;
  /** Add a 440 Hz tone (default true). */
  audio?: boolean;
  /** Codec backend (default `auto`). */
  codec?: CodecChoice;
  /** x264 preset (default `ultrafast`) and CRF (default 20). */
  preset?: string;
  crf?: number;
}

/** Colour bars in limited-range BT.601 YUV: white, yellow, cyan, green, magenta, red, blue. */
const BARS: [number, number, number][] = [
  [235, 128, 128],
  [210, 16, 146],
  [170, 166, 16],
  [145, 54, 34],
  [106, 202, 222],
  [81, 90, 240],
  [41, 240, 110],
];

/**
 * Draws frame `index` of a `width`×`height` test pattern as yuv420p. Pure and deterministic.
 * @throws RangeError for a size that is not integers ≥ 1.
 */
export function drawTestFrame(width: number, height: number, index: number): Uint8Array {
  const l = planeLayout(width, height);
  const data = new Uint8Array(l.total);
  const barsHeight = Math.max(1, Math.floor(height * 2 / 3));
  // Luma: bars on top, a moving horizontal gradient below.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      data[row + x] = y < barsHeight
        ? BARS[Math.min(BARS.length - 1, Math.floor((x * BARS.length) / width))][0]
        : 16 + ((x * 219 / Math.max(1, width - 1) + index * 4) % 220);
    }
  }
  for (let y = 0; y < l.chromaHeight; y++) {
    for (let x = 0; x < l.chromaWidth; x++) {
      const inBars = y * 2 < barsHeight;
      const bar = BARS[Math.min(BARS.length - 1, Math.floor((x * 2 * BARS.length) / width))];
      data[l.uOffset + y * l.chromaWidth + x] = inBars ? bar[1] : 128;
      data[l.vOffset + y * l.chromaWidth + x] = inBars ? bar[2] : 128;
    }
  }
  // A box moving left to right and bouncing, black with a white border.
  const size = Math.max(2, Math.floor(Math.min(width, height) / 5));
  const span = Math.max(1, width - size);
  const phase = (index * 6) % (2 * span);
  const bx = phase < span ? phase : 2 * span - phase;
  const by = Math.max(0, Math.floor((height - size) / 2));
  for (let y = by; y < Math.min(height, by + size); y++) {
    for (let x = bx; x < Math.min(width, bx + size); x++) {
      const edge = y < by + 2 || y >= by + size - 2 || x < bx + 2 || x >= bx + size - 2;
      data[y * width + x] = edge ? 235 : 16;
    }
  }
  return data;
}

/** A mono 16-bit PCM WAV file: a 440 Hz tone with a short 880 Hz beep at each second. */
export function sineWav(seconds: number, sampleRate = 48_000): Uint8Array {
  const samples = Math.round(seconds * sampleRate);
  const bytes = new Uint8Array(44 + samples * 2);
  const v = new DataView(bytes.buffer);
  const text = (at: number, s: string) =>
    [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  v.setUint32(4, 36 + samples * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  text(36, "data");
  v.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    const f = t % 1 < 0.1 ? 880 : 440;
    v.setInt16(44 + i * 2, Math.round(Math.sin(2 * Math.PI * f * t) * 8000), true);
  }
  return bytes;
}

/**
 * Writes a sample MP4 (H.264 + AAC when `audio`) and returns its path.
 * @throws RangeError for a bad size, rate or length; the codec's errors if encoding fails.
 */
export async function makeSampleVideo(options: SampleVideoOptions): Promise<string> {
  const { path, width = 640, height = 360, fps = 30, seconds = 4, audio = true } = options;
  if (!Number.isInteger(fps) || fps < 1 || fps > 240) {
    throw new RangeError(`fps must be an integer in [1, 240], got ${fps}`);
  }
  if (!(seconds > 0 && seconds <= 600)) {
    throw new RangeError(`seconds must be in (0, 600], got ${seconds}`);
  }
  planeLayout(width, height); // validates the size
  const frames = Math.max(1, Math.round(seconds * fps));
  const wav = audio ? `${path}.${crypto.randomUUID().slice(0, 8)}.wav` : undefined;
  try {
    if (wav) await Deno.writeFile(wav, sineWav(frames / fps));
    const encoder = await openEncoder({
      output: path,
      width,
      height,
      fps: { num: fps, den: 1 },
      audioFrom: wav,
      preset: options.preset ?? "ultrafast",
      crf: options.crf ?? 20,
      backend: options.codec ?? "auto",
    });
    try {
      for (let i = 0; i < frames; i++) {
        await encoder.write({
          index: i,
          pts: i / fps,
          width,
          height,
          data: drawTestFrame(width, height, i),
        });
      }
      return await encoder.close();
    } catch (error) {
      await encoder.abort();
      throw error;
    }
  } finally {
    if (wav) await Deno.remove(wav).catch(() => {});
  }
}
