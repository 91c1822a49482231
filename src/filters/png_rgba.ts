/**
 * A PNG file's pixels as 8-bit RGBA, for overlay. The container (chunks, CRCs, the five row
 * filters, Adam7) is read here and the image data inflated by fflate's browser build: filter
 * threads load this file, and both PNG packages tried (pngjs; fast-png, through fflate's Node
 * build) pull in Deno's Node compatibility layer, which cost each thread ~55 ms of CPU and
 * ~7 MiB at start-up (docs/benchmarks.md) for an image most jobs never have.
 *
 * Converted the way pngjs's `PNG.sync.read` converts (what vframe used before, kept value for
 * value; tests/filters/png_rgba_test.ts compares the two on every colour type): grey repeated into
 * R, G and B; a palette looked up, its tRNS alpha included; a tRNS colour key making the pixel
 * 0, 0, 0, 0; depths other than 8 scaled as ⌊v · 255 / max + ½⌋.
 */
import { unzlibSync } from "fflate/browser";
import { concatBytes } from "../util/bytes.ts";

/** A decoded PNG: `rgba` holds width × height pixels of four bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** What the chunks say. */
interface PngFile {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** Samples per pixel: 1 (grey, palette index), 2 (grey + alpha), 3 (RGB), 4 (RGBA). */
  channels: number;
  palette?: Uint8Array;
  trns?: Uint8Array;
  idat: Uint8Array[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * Decodes PNG bytes (any colour type and bit depth, interlaced or not; CRCs checked).
 * @throws Error when the bytes are not a PNG this decoder can read (the message says why).
 */
export function decodePngRgba(bytes: Uint8Array): RgbaImage {
  const png = readChunks(bytes);
  const passes = png.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  const sizes = passes.map(([x0, y0, dx, dy]) => ({
    w: Math.ceil(Math.max(0, png.width - x0) / dx),
    h: Math.ceil(Math.max(0, png.height - y0) / dy),
  }));
  const rowBytes = (w: number) => Math.ceil((w * png.channels * png.depth) / 8);
  const expected = sizes.reduce((n, { w, h }) => n + (w && h ? h * (1 + rowBytes(w)) : 0), 0);
  // Inflated into a buffer of exactly the size the header implies: a small file cannot grow
  // into more memory than its image.
  const raw = unzlibSync(png.idat.length === 1 ? png.idat[0] : concatBytes(png.idat), {
    out: new Uint8Array(expected),
  });
  if (raw.length < expected) throw new Error(`image data too short for ${png.width}x${png.height}`);
  const samples = png.depth === 16
    ? new Uint16Array(png.width * png.height * png.channels)
    : new Uint8Array(png.width * png.height * png.channels);
  let at = 0;
  passes.forEach(([x0, y0, dx, dy], p) => {
    const { w, h } = sizes[p];
    if (w === 0 || h === 0) return;
    const rows = unfilter(raw.subarray(at, at + h * (1 + rowBytes(w))), rowBytes(w), h, png);
    at += h * (1 + rowBytes(w));
    scatter(rows, w, h, png, samples, (x, y) => (y0 + y * dy) * png.width + x0 + x * dx);
  });
  return { width: png.width, height: png.height, rgba: toRgba(png, samples) };
}

/** Reads the chunks up to IEND, checking each CRC and the header's fields. */
function readChunks(bytes: Uint8Array): PngFile {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("no PNG signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let png: PngFile | undefined;
  let at = 8;
  while (true) {
    if (at + 12 > bytes.length) throw new Error("file ends before its IEND chunk");
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (length > bytes.length - at - 12) throw new Error(`file ends inside its ${type} chunk`);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      throw new Error(`${type} chunk fails its CRC`);
    }
    at += 12 + length;
    if (type === "IHDR") png = readHeader(data);
    else if (!png) throw new Error("the first chunk is not IHDR");
    else if (type === "PLTE") png.palette = data;
    else if (type === "tRNS") png.trns = data;
    else if (type === "IDAT") png.idat.push(data);
    else if (type === "IEND") break;
    else if (!(type.charCodeAt(0) & 0x20)) throw new Error(`unknown critical chunk ${type}`);
  }
  if (!png) throw new Error("no IHDR chunk");
  if (png.idat.length === 0) throw new Error("no image data (IDAT)");
  if (png.colorType === 3 && !png.palette?.length) throw new Error("palette image without PLTE");
  return png;
}

function readHeader(data: Uint8Array): PngFile {
  if (data.length !== 13) throw new Error("IHDR is not 13 bytes");
  const view = new DataView(data.buffer, data.byteOffset, 13);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13);
  if (width === 0 || height === 0) throw new Error(`image size ${width}x${height}`);
  if (!DEPTHS[colorType]?.includes(depth)) {
    throw new Error(`bit depth ${depth} with colour type ${colorType}`);
  }
  if (compression !== 0 || filter !== 0 || interlace > 1) {
    throw new Error(`compression ${compression}, filter ${filter}, interlace ${interlace}`);
  }
  const channels = CHANNELS[colorType];
  return { width, height, depth, colorType, interlaced: interlace === 1, channels, idat: [] };
}

/** Undoes the row filters (None, Sub, Up, Average, Paeth) of one pass, in place. */
function unfilter(data: Uint8Array, rowBytes: number, h: number, png: PngFile): Uint8Array {
  const bpp = Math.max(1, (png.channels * png.depth) >> 3);
  const out = new Uint8Array(rowBytes * h);
  for (let y = 0; y < h; y++) {
    const type = data[y * (rowBytes + 1)];
    const src = data.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = out.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? out.subarray((y - 1) * rowBytes, y * rowBytes) : undefined;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= bpp ? up[i - bpp] : 0;
      let predicted: number;
      switch (type) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`unknown row filter ${type}`);
      }
      row[i] = (src[i] + predicted) & 0xff;
    }
  }
  return out;
}

/** Copies a pass's samples (unpacked below 8 bits, joined at 16) to their places in the image. */
function scatter(
  rows: Uint8Array,
  w: number,
  h: number,
  png: PngFile,
  samples: Uint8Array | Uint16Array,
  place: (x: number, y: number) => number,
): void {
  const { channels, depth } = png;
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < h; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < w; x++) {
      const to = place(x, y) * channels;
      for (let c = 0; c < channels; c++) {
        const s = x * channels + c;
        if (depth === 16) {
          samples[to + c] = (rows[row + 2 * s] << 8) | rows[row + 2 * s + 1];
        } else if (depth === 8) {
          samples[to + c] = rows[row + s];
        } else {
          const bit = s * depth;
          samples[to + c] = (rows[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
        }
      }
    }
  }
}

/** Samples at the file's depth to 8-bit RGBA, as pngjs converts them. */
function toRgba(png: PngFile, samples: Uint8Array | Uint16Array): Uint8Array {
  const { channels, depth } = png;
  const pixels = png.width * png.height;
  const rgba = new Uint8Array(pixels * 4);
  if (png.colorType === 3) {
    const palette = png.palette!;
    const entries = Math.floor(palette.length / 3);
    for (let p = 0; p < pixels; p++) {
      const index = samples[p];
      if (index >= entries) throw new Error(`palette index ${index} past the palette's ${entries}`);
      rgba.set(palette.subarray(3 * index, 3 * index + 3), 4 * p);
      rgba[4 * p + 3] = png.trns && index < png.trns.length ? png.trns[index] : 255;
    }
    return rgba;
  }
  const max = 2 ** depth - 1;
  const key = colourKey(png);
  const scale = (v: number) => depth === 8 ? v : Math.floor((v * 255) / max + 0.5);
  for (let p = 0; p < pixels; p++) {
    const at = p * channels;
    const grey = channels <= 2;
    const r = samples[at];
    const g = grey ? r : samples[at + 1];
    const b = grey ? r : samples[at + 2];
    const a = channels === 2 ? samples[at + 1] : channels === 4 ? samples[at + 3] : max;
    if (key && key[0] === r && (grey || (key[1] === g && key[2] === b))) continue; // 0, 0, 0, 0
    const o = 4 * p;
    rgba[o] = scale(r);
    rgba[o + 1] = scale(g);
    rgba[o + 2] = scale(b);
    rgba[o + 3] = scale(a);
  }
  return rgba;
}

/** tRNS of a grey or RGB image: the colour (16-bit fields) that stands for transparent. */
function colourKey(png: PngFile): number[] | undefined {
  const fields = png.colorType === 0 ? 1 : png.colorType === 2 ? 3 : 0;
  if (!png.trns || fields === 0 || png.trns.length < 2 * fields) return undefined;
  return Array.from({ length: fields }, (_, i) => (png.trns![2 * i] << 8) | png.trns![2 * i + 1]);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, PNG's), unsigned. */
function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
