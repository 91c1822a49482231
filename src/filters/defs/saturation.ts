/** `saturation`: scales the chroma around 128, as ffmpeg hue=s does. */
import { defineFilter } from "../filter_module.ts";
import { clamp8, map } from "../reference_kernels.ts";

/** Rounds half to even, like C's rint/lrint in the default rounding mode. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** ffmpeg hue's chroma gain for hue 0 and saturation `amount`: lrint(amount · 2^16). */
export function saturationGain(amount: number): number {
  return roundHalfEven(amount * 65536);
}

/** Reference of the `chromaScale` kernel on one sample: ffmpeg hue's chroma gain (hue 0). */
export function chromaScaleSample(x: number, c: number): number {
  return clamp8((c * (x - 128) + 0x808000) >> 16);
}

/** Saturation: U and V scaled around 128 by a 16.16 gain; luma unchanged. */
export const saturation = defineFilter<number>({
  name: "saturation",
  description: "Scales colour saturation; 0 is grey, 1 unchanged, negative inverts hue.",
  params: [
    {
      name: "amount",
      default: 1.5,
      min: -10,
      max: 10,
      description: "chroma gain around 128",
    },
  ],
  ffmpeg: "hue=s=A",
  planes: "U and V: 128 + amount·(x - 128), rounded as ffmpeg hue does; Y unchanged.",
  kernels: ["chromaScale"],
  inPlace: true,
  plan: (p) => saturationGain(p.amount),
  wasm({ k, src, frame }, gain) {
    k.chromaScale(src + frame.uOffset, 2 * frame.uvSize, gain);
  },
  reference: (frame, gain) => ({
    y: frame.y.slice(),
    u: map(frame.u, (x) => chromaScaleSample(x, gain)),
    v: map(frame.v, (x) => chromaScaleSample(x, gain)),
  }),
  examples: ["saturation", "saturation=0", "saturation=-10", "saturation=10"],
  ffmpegExact: [
    ["saturation=amount=1.5", "hue=s=1.5"],
    ["saturation=amount=-2", "hue=s=-2"],
  ],
});
