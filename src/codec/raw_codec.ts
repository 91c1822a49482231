/**
 * The contract between the public codec API (decode.ts, encode.ts, probe.ts) and the two
 * backends (native/, wasm/): raw frame bytes in, raw frame bytes out, ffprobe JSON.
 */
import type { FrameRecycler } from "./frame_recycler.ts";
import type { Y4mHeader } from "./y4m.d.ts";

/** Where a decoder reads from: a host file, or a byte stream read front to back. */
export type DecodeSource =
  | { kind: "file"; path: string }
  | { kind: "stream"; stream: ReadableStream<Uint8Array> };

/** Options every backend decoder takes. */
export interface RawDecoderOptions {
  /** Decoded frames held before the decoder waits (≥ 1). */
  maxBuffered: number;
  /** Input name for messages. */
  inputName: string;
  /**
   * Where frame buffers come from and go back to (see `DecodedFrames.recycle`); default: a new
   * buffer for every frame.
   */
  recycler?: FrameRecycler;
}

/** A running decoder producing yuv420p frames as bytes. */
export interface RawDecoder {
  /** The stream header (frame size after rotation, rate); rejects when ffmpeg fails first. */
  header(): Promise<Y4mHeader>;
  /**
   * The next frame's bytes (a buffer from the recycler: a new one unless the consumer gave one
   * back), or null after the last. Rejects on failure.
   */
  next(): Promise<Uint8Array | null>;
  /** Decoded frames waiting in memory now. */
  readonly buffered: number;
  /** Stops ffmpeg and frees everything; safe to call more than once. */
  cancel(): Promise<void>;
}

/** A running encoder taking yuv420p frames as bytes. */
export interface RawEncoder {
  /**
   * Resolves once the bytes are handed to ffmpeg (back-pressure); rejects when ffmpeg failed.
   * `pts`: the frame's time in seconds, for an encoder of timed frames (timed_frames.ts); the
   * constant-rate encoders ignore it.
   */
  write(data: Uint8Array, pts?: number): Promise<void>;
  /** Ends the input and waits for ffmpeg to finish the file; rejects when it failed. */
  finish(): Promise<void>;
  /** Stops ffmpeg now; safe to call more than once. */
  abort(): Promise<void>;
}

/** What ffprobe printed. */
export interface ProbeOutput {
  stdout: string;
  stderr: string;
}
