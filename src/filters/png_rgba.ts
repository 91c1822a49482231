/**
 * A PNG file's pixels as 8-bit RGBA: decoded by fast-png (pure ES modules, no `node:` import, so
 * the filter threads that load overlay stay free of Deno's Node compatibility layer), then
 * converted the way pngjs's `PNG.sync.read` converts (what vframe used before, kept value for
 * value): grey repeated into R, G and B; a palette looked up, its tRNS alpha included; a tRNS
 * colour key making the pixel 0, 0, 0, 0; depths other than 8 scaled as ⌊v · 255 / max + ½⌋.
 */
import { decode } from "fast-png";

/** A decoded PNG: `rgba` holds width × height pixels of four bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** What fast-png returns that the conversion reads. */
interface Decoded {
  width: number;
  height: number;
  data: ArrayLike<number>;
  depth: number;
  channels: number;
  palette?: number[][];
  transparency?: Uint16Array;
}

/**
 * Decodes PNG bytes (any colour type and bit depth, interlaced or not; CRCs checked).
 * @throws Error when the bytes are not a PNG this decoder can read.
 */
export function decodePngRgba(bytes: Uint8Array): RgbaImage {
  const png = decode(bytes, { checkCrc: true }) as Decoded;
  const { width, height, depth } = png;
  const pixels = width * height;
  if (png.data.length < requiredSamples(png)) {
    throw new Error(`image data too short for ${width}x${height}`);
  }
  const rgba = new Uint8Array(pixels * 4);
  if (png.palette && png.palette.length > 0) {
    depalette(png, rgba);
    return { width, height, rgba };
  }
  const channels = png.channels;
  if (channels < 1 || channels > 4) throw new Error(`unsupported channel count ${channels}`);
  const max = 2 ** depth - 1;
  const key = png.transparency && png.transparency.length > 0 ? png.transparency : undefined;
  const sample = depth < 8 ? unpacker(png.data, width, depth) : (i: number) => png.data[i];
  const scale = (v: number) => depth === 8 ? v : Math.floor((v * 255) / max + 0.5);
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    let r: number, g: number, b: number, a: number;
    if (channels <= 2) {
      r = g = b = sample(at);
      a = channels === 2 ? sample(at + 1) : max;
    } else {
      r = sample(at);
      g = sample(at + 1);
      b = sample(at + 2);
      a = channels === 4 ? sample(at + 3) : max;
    }
    const o = 4 * p;
    if (key && (key.length === 1 ? key[0] === r : key[0] === r && key[1] === g && key[2] === b)) {
      continue; // a colour-keyed pixel: 0, 0, 0, 0 (already)
    }
    rgba[o] = scale(r);
    rgba[o + 1] = scale(g);
    rgba[o + 2] = scale(b);
    rgba[o + 3] = scale(a);
  }
  return { width, height, rgba };
}

/** Samples the decoded data must hold: whole rows of packed samples below 8 bits. */
function requiredSamples(png: Decoded): number {
  const perRow = png.width * (png.palette?.length ? 1 : png.channels);
  return png.depth < 8 ? Math.ceil((perRow * png.depth) / 8) * png.height : perRow * png.height;
}

/**
 * Sample `i` (counted in samples, row by row) of data packed below 8 bits per sample, rows
 * starting on a byte, most significant bits first.
 */
function unpacker(data: ArrayLike<number>, width: number, depth: number) {
  const perByte = 8 / depth;
  const rowBytes = Math.ceil(width / perByte);
  const mask = (1 << depth) - 1;
  return (i: number) => {
    const row = Math.floor(i / width);
    const col = i - row * width;
    const byte = data[row * rowBytes + Math.floor(col / perByte)];
    return (byte >> (8 - depth * ((col % perByte) + 1))) & mask;
  };
}

/** A palette image: each index looked up (alpha from tRNS, else 255). */
function depalette(png: Decoded, rgba: Uint8Array): void {
  const { width, height, depth } = png;
  const palette = png.palette!;
  const index = depth < 8 ? unpacker(png.data, width, depth) : (i: number) => png.data[i];
  for (let p = 0; p < width * height; p++) {
    const entry = palette[index(p)];
    if (!entry) throw new Error(`palette index ${index(p)} past the palette's ${palette.length}`);
    const o = 4 * p;
    rgba[o] = entry[0];
    rgba[o + 1] = entry[1];
    rgba[o + 2] = entry[2];
    rgba[o + 3] = entry.length > 3 ? entry[3] : 255;
  }
}
