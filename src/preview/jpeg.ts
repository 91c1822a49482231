/** JPEG encoding of sampled yuv420p frames, cached per frame buffer. */
import jpeg from "jpeg-js";
import { PreviewOptionsError } from "./errors.ts";
import { yuv420pToRgba } from "./yuv_to_rgba.ts";

/** Options for {@link encodeFrameJpeg} and {@link FrameJpegCache}. */
export interface FrameJpegOptions {
  /** JPEG quality, 1..100 (default 80). */
  quality?: number;
  /** Largest width or height of the JPEG; bigger frames are shrunk (default 640; 0 = full size). */
  maxSide?: number;
}

/** Default JPEG quality. */
export const DEFAULT_JPEG_QUALITY = 80;
/** Default largest side of a preview JPEG, in pixels. */
export const DEFAULT_MAX_SIDE = 640;

function checkOptions(options: FrameJpegOptions): Required<FrameJpegOptions> {
  const quality = options.quality ?? DEFAULT_JPEG_QUALITY;
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new PreviewOptionsError(`JPEG quality must be an integer in 1..100, got ${quality}`);
  }
  if (!Number.isInteger(maxSide) || maxSide < 0) {
    throw new PreviewOptionsError(`maxSide must be an integer >= 0, got ${maxSide}`);
  }
  return { quality, maxSide };
}

/**
 * Encodes one yuv420p frame as a baseline JPEG (BT.601 limited range → RGB, then jpeg-js).
 * @throws PreviewOptionsError on bad options or a buffer that is not one frame of that size.
 */
export function encodeFrameJpeg(
  data: Uint8Array,
  width: number,
  height: number,
  options: FrameJpegOptions = {},
): Uint8Array<ArrayBuffer> {
  const { quality, maxSide } = checkOptions(options);
  const rgba = yuv420pToRgba(data, width, height, { maxSide });
  // A copy: jpeg-js returns a Node Buffer, which may be a view of a shared pool.
  return new Uint8Array(jpeg.encode(rgba, quality).data);
}

/**
 * Remembers the JPEG of each frame buffer it has encoded, keyed by the buffer itself (a WeakMap):
 * a sample replaced or dropped by the registry drops its JPEG with it, and a fallback frame whose
 * processed buffer is the original is encoded once.
 */
export class FrameJpegCache {
  #cache = new WeakMap<Uint8Array, Uint8Array<ArrayBuffer>>();
  #options: Required<FrameJpegOptions>;
  #encoded = 0;

  /** @throws PreviewOptionsError on bad options. */
  constructor(options: FrameJpegOptions = {}) {
    this.#options = checkOptions(options);
  }

  /** How many JPEGs this cache has encoded (misses), for tests and curiosity. */
  get encodedCount(): number {
    return this.#encoded;
  }

  /** The JPEG for `data` (a `width` × `height` yuv420p frame), encoded on first use. */
  get(data: Uint8Array, width: number, height: number): Uint8Array<ArrayBuffer> {
    let bytes = this.#cache.get(data);
    if (!bytes) {
      bytes = encodeFrameJpeg(data, width, height, this.#options);
      this.#cache.set(data, bytes);
      this.#encoded++;
    }
    return bytes;
  }
}
