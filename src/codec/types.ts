import type { Frame } from "./frame.ts";

/** A rational number, e.g. a frame rate of 30000/1001. */
export interface Rational {
  num: number;
  den: number;
}

/** One audio stream of the input. */
export interface AudioStreamInfo {
  /** Stream index inside the container. */
  index: number;
  /** Codec name as ffmpeg reports it, e.g. `aac`, `opus`, `pcm_s16le`. */
  codec: string;
  sampleRate: number;
  channels: number;
}

/** What {@link probe} learns about an input video. */
export interface VideoInfo {
  width: number;
  height: number;
  /** Average frame rate as a rational (e.g. 30000/1001). */
  fps: Rational;
  /** Number of video frames. */
  frameCount: number;
  /** Duration of the video stream in seconds. */
  duration: number;
  /** Display rotation in degrees (0, 90, 180, 270) from the stream's side data. */
  rotation: number;
  /** Source pixel format, e.g. `yuv420p`. */
  pixelFormat: string;
  /** Source video codec, e.g. `h264`. */
  videoCodec: string;
  /**
   * True when the frames are not evenly spaced (a variable frame rate: phone and screen
   * recordings, edits of clips at different rates): timed at `fps` they would drift from their own
   * times by more than 1 ms. The decoder then gives each frame its own `pts`, and an encoder with
   * `timesFrom` keeps them.
   */
  variableFrameRate: boolean;
  /** Audio streams, empty when the input has none. */
  audio: AudioStreamInfo[];
}

/** Which implementation runs ffmpeg: the bundled ffmpeg.wasm, or a native `ffmpeg` on PATH. */
export type CodecBackendName = "wasm" | "native";

/** What the user asks for: a backend, or `auto` (native when present, else wasm). */
export type CodecChoice = CodecBackendName | "auto";

/** Limits that make hostile or huge inputs fail early with a clear error. */
export interface InputLimits {
  /** Largest accepted width or height in pixels (default 7680). */
  maxDimension?: number;
  /** Largest accepted frame count (default 1_000_000). */
  maxFrames?: number;
}

/** Options for opening a decoder. */
export interface DecodeOptions {
  backend?: CodecChoice;
  /** Decoded frames buffered ahead of the consumer before the decoder waits (default 8). */
  maxBuffered?: number;
  limits?: InputLimits;
  signal?: AbortSignal;
  /**
   * Probe a file input before decoding it (default true): its size checked against the limits
   * before any frame, a variable frame rate's own frame times read, and the frames decoded
   * counted against its index. false: the caller knows the file (a chunk it cut and checks
   * itself) — ffmpeg starts on it at once, one process fewer, frames timed at index / fps.
   */
  probe?: boolean;
}

/** Options for opening an encoder. */
export interface EncodeOptions {
  /** Final output path; written to a temporary file and renamed on success. */
  output: string;
  width: number;
  height: number;
  fps: Rational;
  /** Input file whose audio streams are carried into the output (stream copy where possible). */
  audioFrom?: string;
  /** x264 CRF (default 23). */
  crf?: number;
  /** x264 preset (default `veryfast`). */
  preset?: string;
  backend?: CodecChoice;
  signal?: AbortSignal;
  /**
   * ffmpeg.wasm only (its x264 is single-threaded): segments encoded in parallel, each by its own
   * worker, joined without re-encoding (default: logical cores, at most 4; 1 = one encoder, no
   * segments). Native ffmpeg ignores it (x264 uses its own threads).
   */
  workers?: number;
  /** Frames per segment when `workers` > 1 (default: one second, at most 32 MiB of frames). */
  segmentFrames?: number;
  /** Where segment files go while encoding (default: the system's temporary directory). */
  tempDir?: string;
  /**
   * How frames are timed. `constant` (the default): frame i is shown at i / fps and lasts one
   * frame (each frame's `pts` is ignored) — raw frames at a constant rate, the fastest path.
   * `pts`: each frame is shown at its own `pts` (seconds, ≥ 0, increasing; a variable frame rate
   * kept to the µs, and to the tick of `timescale`; times count from the first frame written,
   * which is at 0 in the output) — the frames go to ffmpeg in Matroska. A `timesFrom` file with a
   * variable frame rate overrides both (its times are used, not the frames' `pts`).
   */
  timing?: "constant" | "pts";
  /**
   * Keep the frame times of this file (the input the frames were decoded from): when its frame
   * rate is variable, frame i is shown when that file shows its frame i (`timing` `pts` with
   * those times, the last frame lasting as long as there, on the file's timescale); when it is
   * constant (frame i at i / fps to 1 ms) nothing changes. Found from the file's probe (remembered
   * from an earlier `probe` of the same file), so a constant-rate file costs nothing.
   */
  timesFrom?: string;
  /** With timing `pts`: how long the last frame is shown, seconds (default one frame at `fps`). */
  lastFrameDuration?: number;
  /**
   * MP4 video timescale, ticks per second (default: ffmpeg's choice; with timing `pts` 90000).
   * Give the input's (e.g. 90000, 12288) so that frame times stay on its ticks.
   */
  timescale?: number;
}

/** Consumes frames in index order and writes an MP4. */
export interface FrameEncoder {
  /** Appends the next frame; resolves when the encoder is ready for more (back-pressure). */
  write(frame: Frame): Promise<void>;
  /** Flushes, muxes audio, moves the file into place. Resolves to the output path. */
  close(): Promise<string>;
  /** Stops and removes every partial file. Safe to call more than once. */
  abort(): Promise<void>;
}
