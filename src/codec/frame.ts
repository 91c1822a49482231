/**
 * Planar YUV 4:2:0 frames, 8-bit: the one frame format every part of vframe speaks.
 *
 * Layout of `data`: the Y plane (width × height bytes, row stride = width), then the U plane,
 * then the V plane (each ceil(width/2) × ceil(height/2) bytes, row stride = ceil(width/2)).
 * No padding between rows or planes, so a frame is exactly {@link frameSize} bytes.
 */

/** One decoded video frame. */
export interface Frame {
  /** 0-based position in the input stream (decode order = presentation order). */
  index: number;
  /**
   * Presentation time in seconds from the first frame: the frame's own time in a variable-rate
   * file, else index / fps (see `decodeFrames`). An encoder uses it with `timing: "pts"`.
   */
  pts: number;
  /** Luma width in pixels, ≥ 1. */
  width: number;
  /** Luma height in pixels, ≥ 1. */
  height: number;
  /** The three planes, Y then U then V, exactly `frameSize(width, height)` bytes. */
  data: Uint8Array;
}

/** Byte offsets and sizes of the three planes of a `width` × `height` frame. */
export interface PlaneLayout {
  width: number;
  height: number;
  chromaWidth: number;
  chromaHeight: number;
  ySize: number;
  uvSize: number;
  uOffset: number;
  vOffset: number;
  total: number;
}

/**
 * The plane layout of a yuv420p frame.
 * @throws RangeError when width or height is not an integer ≥ 1.
 */
export function planeLayout(width: number, height: number): PlaneLayout {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`frame width must be an integer >= 1, got ${width}`);
  }
  if (!Number.isInteger(height) || height < 1) {
    throw new RangeError(`frame height must be an integer >= 1, got ${height}`);
  }
  const chromaWidth = Math.ceil(width / 2);
  const chromaHeight = Math.ceil(height / 2);
  const ySize = width * height;
  const uvSize = chromaWidth * chromaHeight;
  return {
    width,
    height,
    chromaWidth,
    chromaHeight,
    ySize,
    uvSize,
    uOffset: ySize,
    vOffset: ySize + uvSize,
    total: ySize + 2 * uvSize,
  };
}

/** Size in bytes of a yuv420p frame: w·h + 2·ceil(w/2)·ceil(h/2). */
export function frameSize(width: number, height: number): number {
  return planeLayout(width, height).total;
}
