/**
 * Bounded preview samples: the registry keeps up to 24 sampled frames per job, original and
 * filtered, for as long as it keeps the job (50 finished jobs). At full size that is 2.4 GB for
 * one 8K job, held after the job ends. The preview shows them as JPEGs of at most 640 px a side,
 * so the server stores them at most that big: {@link boundedSamples} gives a job a view of the
 * registry whose `sample()` shrinks frames first.
 */
import { planeLayout } from "../codec/frame.ts";
import type { FrameSample, JobRegistry } from "./registry.ts";

/** Largest width or height of a kept sample: the preview's default JPEG size (640 px). */
export const SAMPLE_MAX_SIDE = 640;

/**
 * Shrinks a yuv420p frame by the integer factor `k` (≥ 1), averaging each k×k block of every
 * plane — at most 4×4 evenly spaced pixels of it, so an 8K frame shrinks in milliseconds, not the
 * ~150 ms a full average takes on the event loop. Returns the new size and data; `k = 1` returns
 * the input unchanged.
 * @throws RangeError when `data` is not one `width` × `height` frame or `k` is not an integer ≥ 1.
 */
export function shrinkYuv420(
  data: Uint8Array,
  width: number,
  height: number,
  k: number,
): { width: number; height: number; data: Uint8Array } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  const src = planeLayout(width, height);
  if (data.length !== src.total) {
    throw new RangeError(`a ${width}x${height} frame has ${src.total} bytes, got ${data.length}`);
  }
  if (k === 1) return { width, height, data };
  const ow = Math.ceil(width / k);
  const oh = Math.ceil(height / k);
  const dst = planeLayout(ow, oh);
  const out = new Uint8Array(dst.total);
  shrinkPlane(data, 0, width, height, out, 0, ow, oh, k);
  shrinkPlane(
    data,
    src.uOffset,
    src.chromaWidth,
    src.chromaHeight,
    out,
    dst.uOffset,
    dst.chromaWidth,
    dst.chromaHeight,
    k,
  );
  shrinkPlane(
    data,
    src.vOffset,
    src.chromaWidth,
    src.chromaHeight,
    out,
    dst.vOffset,
    dst.chromaWidth,
    dst.chromaHeight,
    k,
  );
  return { width: ow, height: oh, data: out };
}

function shrinkPlane(
  src: Uint8Array,
  srcOffset: number,
  w: number,
  h: number,
  dst: Uint8Array,
  dstOffset: number,
  ow: number,
  oh: number,
  k: number,
): void {
  const step = Math.ceil(k / 4);
  // Blocks wholly inside the plane (all but the last row and column of blocks when k does not
  // divide the size) take the fast path: a fixed number of taps, no clamping, integer rounding.
  const fullW = Math.floor(w / k);
  const fullH = Math.floor(h / k);
  const taps = Math.ceil(k / step);
  const n = taps * taps;
  const half = n >> 1;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = Math.min(h - 1, oy * k);
    const outRow = dstOffset + oy * ow;
    let ox = 0;
    if (oy < fullH && taps === 2) {
      // k = 2 (720p, 1080p): 2×2 blocks, the common case, unrolled.
      const a = srcOffset + y0 * w;
      const b = a + step * w;
      for (; ox < fullW; ox++) {
        const x = ox * k;
        dst[outRow + ox] = (src[a + x] + src[a + x + step] + src[b + x] + src[b + x + step] + 2) >>
          2;
      }
    } else if (oy < fullH && taps === 3) {
      // 1080p (k = 3) and 4K (k = 6, every other pixel): 3×3 taps, unrolled (through the loop
      // below a 1080p frame took 9 ms, this way 2.4 ms).
      const a = srcOffset + y0 * w;
      const b = a + step * w;
      const c = b + step * w;
      const s2 = 2 * step;
      for (; ox < fullW; ox++) {
        const x = ox * k;
        const sum = src[a + x] + src[a + x + step] + src[a + x + s2] +
          src[b + x] + src[b + x + step] + src[b + x + s2] +
          src[c + x] + src[c + x + step] + src[c + x + s2];
        dst[outRow + ox] = ((sum + half) / n) | 0;
      }
    } else if (oy < fullH) {
      for (; ox < fullW; ox++) {
        let sum = 0;
        let row = srcOffset + y0 * w + ox * k;
        for (let ty = 0; ty < taps; ty++, row += step * w) {
          for (let tx = 0, i = row; tx < taps; tx++, i += step) sum += src[i];
        }
        dst[outRow + ox] = ((sum + half) / n) | 0;
      }
    }
    const y1 = Math.min(h, y0 + k);
    for (; ox < ow; ox++) {
      const x0 = Math.min(w - 1, ox * k);
      const x1 = Math.min(w, x0 + k);
      let sum = 0;
      let count = 0;
      for (let y = y0; y < y1; y += step) {
        const row = srcOffset + y * w;
        for (let x = x0; x < x1; x += step) {
          sum += src[row + x];
          count++;
        }
      }
      dst[outRow + ox] = Math.floor((sum + (count >> 1)) / count);
    }
  }
}

/**
 * A sample no bigger than `maxSide` a side (the same object when it already is). The processed
 * frame may have its own size (`processedWidth` × `processedHeight`: a chain that scales, crops,
 * pads or turns the picture); each is shrunk by its own factor.
 */
export function shrinkSample(sample: FrameSample, maxSide: number = SAMPLE_MAX_SIDE): FrameSample {
  const factor = (w: number, h: number) => Math.max(1, Math.ceil(Math.max(w, h) / maxSide));
  const pw = sample.processedWidth ?? sample.width;
  const ph = sample.processedHeight ?? sample.height;
  const k = factor(sample.width, sample.height);
  const pk = factor(pw, ph);
  if (k === 1 && pk === 1) return sample;
  const original = shrinkYuv420(sample.original, sample.width, sample.height, k);
  const processed = sample.processed === undefined
    ? undefined
    : sample.processed === sample.original
    ? original
    : shrinkYuv420(sample.processed, pw, ph, pk);
  return {
    ...sample,
    width: original.width,
    height: original.height,
    original: original.data,
    ...(processed !== undefined
      ? {
        processed: processed.data,
        processedWidth: processed.width,
        processedHeight: processed.height,
      }
      : {}),
  };
}

/**
 * The registry, as seen by one job: every method is the registry's, except that `sample()` stores
 * frames shrunk to at most `maxSide` a side.
 */
export function boundedSamples(
  registry: JobRegistry,
  maxSide: number = SAMPLE_MAX_SIDE,
): JobRegistry {
  const sample = (id: string, s: FrameSample) => registry.sample(id, shrinkSample(s, maxSide));
  return new Proxy(registry, {
    get(target, prop) {
      if (prop === "sample") return sample;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
