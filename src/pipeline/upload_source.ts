/**
 * A frame source for an upload that is still arriving ({@link GrowingFile}): decoding starts while
 * the upload arrives when the container allows it (see streamable.ts: faststart MP4,
 * Matroska/WebM, MPEG-TS), reading the growing file; otherwise it starts when the upload is
 * complete. If streamed decoding fails or ends short of the frame count that the probe reports for
 * the complete file, decoding resumes from the complete file, skipping the frames already yielded.
 */
import type { Frame } from "../codec/frame.ts";
import { type DecodedFrames, decodeFrames } from "../codec/mod.ts";
import { sniffStreamable } from "../codec/streamable.ts";
import type { CodecBackendName, InputLimits, VideoInfo } from "../codec/types.ts";
import type { GrowingFile } from "../util/growing_file.ts";
import { raceAbort } from "./abort.ts";

/** Bytes of the upload's head looked at to decide whether it can be decoded as it arrives: 1 MiB. */
const SNIFF_LIMIT = 1024 * 1024;

/** Options of {@link uploadFrames}. */
export interface UploadFramesOptions {
  upload: GrowingFile;
  /** The complete upload's probe (it settles only once the upload finished). */
  probe: Promise<VideoInfo>;
  /** The codec backend, already resolved. */
  backend: CodecBackendName;
  /** Decode while the upload arrives, where the container allows it (default true). */
  stream?: boolean;
  /** Decoded frames buffered ahead by the decoder (default 8). */
  maxBuffered?: number;
  limits?: InputLimits;
  /** Called once, when the first decoder starts. */
  onStart?: () => void;
  /**
   * Called with each decoder as it starts (a second one when streamed decoding falls back to the
   * complete file): where the consumer gives frame buffers back (`DecodedFrames.recycle`).
   */
  onDecoder?: (frames: DecodedFrames) => void;
}

/**
 * The upload's frames, indices 0, 1, 2, …; see the module documentation. Aborting `signal` stops
 * the decoder and any wait for the upload or the probe.
 * @throws the probe's or the decoder's error (CodecError, InvalidInputError), or `signal.reason`.
 */
export async function* uploadFrames(
  options: UploadFramesOptions,
  signal: AbortSignal,
): AsyncGenerator<Frame> {
  const { upload } = options;
  let started = false;
  const decode = (source: string | ReadableStream<Uint8Array>) => {
    if (!started) options.onStart?.();
    started = true;
    const frames = decodeFrames(source, {
      backend: options.backend,
      maxBuffered: options.maxBuffered ?? 8,
      limits: options.limits,
      signal,
    });
    options.onDecoder?.(frames);
    return frames;
  };
  const streamed = options.stream !== false && await streamable(upload, signal);
  let next = 0;
  if (streamed) {
    try {
      for await (const frame of decode(upload.stream())) {
        next = frame.index + 1;
        yield frame;
      }
    } catch (error) {
      if (signal.aborted) throw error;
      // Fall through: decode the complete file, skipping what was already yielded.
    }
  }
  const info = await raceAbort(options.probe, signal);
  if (streamed && next >= info.frameCount) return;
  for await (const frame of decode(upload.path)) {
    if (frame.index >= next) yield frame;
  }
}

/** True when the container lets decoding start before the upload ends. */
async function streamable(upload: GrowingFile, signal: AbortSignal): Promise<boolean> {
  while (true) {
    const head = upload.head();
    const verdict = sniffStreamable(head, upload.expectedBytes);
    if (verdict.kind === "stream") return true;
    if (verdict.kind === "after-upload") return false;
    if (upload.finished || head.length >= SNIFF_LIMIT) return false;
    await raceAbort(upload.waitFor(upload.written + 1), signal);
  }
}
