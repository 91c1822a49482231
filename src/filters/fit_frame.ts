/**
 * The original frame at another size: the fallback of a chain that changes the frame's size
 * (scale, crop, pad, transpose…) and failed on a frame. The original is scaled to fit inside the
 * chain's output size, keeping its aspect ratio (bilinear; the TypeScript resampler, ~45 ms for a
 * 1080p frame — fallbacks are rare), and centred on black (Y 16, U and V 128), so that a viewer
 * still sees the frame, not a black hole. Pure.
 */
import { planeLayout } from "../codec/frame.ts";
import { scalePlane } from "./defs/scale.ts";
import { SCALE_METHODS } from "./resample.ts";

/** The placement of a w × h frame fitted into ow × oh: its size and top-left corner (even). */
export function fitPlacement(
  w: number,
  h: number,
  ow: number,
  oh: number,
): { width: number; height: number; x: number; y: number } {
  const s = Math.min(ow / w, oh / h);
  const width = Math.min(ow, Math.max(1, Math.round(w * s)));
  const height = Math.min(oh, Math.max(1, Math.round(h * s)));
  // Even corners: the fitted frame's chroma lines up with the output's.
  const even = (free: number) => Math.floor(free / 4) * 2;
  return { width, height, x: even(ow - width), y: even(oh - height) };
}

/** `data` (yuv420p, w × h) fitted into ow × oh as the module says; a new frame. */
export function fitFrame(
  data: Uint8Array,
  w: number,
  h: number,
  ow: number,
  oh: number,
): Uint8Array {
  const src = planeLayout(w, h);
  const dst = planeLayout(ow, oh);
  const out = new Uint8Array(dst.total).fill(128);
  out.fill(16, 0, dst.ySize);
  const fit = fitPlacement(w, h, ow, oh);
  const planes = [
    { from: 0, to: 0, sw: w, sh: h, dw: ow, fw: fit.width, fh: fit.height, x: fit.x, y: fit.y },
    ...[0, 1].map((i) => ({
      from: src.uOffset + i * src.uvSize,
      to: dst.uOffset + i * dst.uvSize,
      sw: src.chromaWidth,
      sh: src.chromaHeight,
      dw: dst.chromaWidth,
      fw: Math.ceil(fit.width / 2),
      fh: Math.ceil(fit.height / 2),
      x: fit.x / 2,
      y: fit.y / 2,
    })),
  ];
  for (const p of planes) {
    const plane = data.subarray(p.from, p.from + p.sw * p.sh);
    const scaled = scalePlane(plane, p.sw, p.sh, p.fw, p.fh, SCALE_METHODS.bilinear);
    for (let r = 0; r < p.fh; r++) {
      const at = p.to + (p.y + r) * p.dw + p.x;
      out.set(scaled.subarray(r * p.fw, (r + 1) * p.fw), at);
    }
  }
  return out;
}
