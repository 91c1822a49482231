/**
 * The PNG image of `overlay`: read and decoded once (png_rgba.ts), converted once to yuv420p planes
 * with alpha, and kept under a small integer handle, the value of overlay's `file` parameter
 * (parameter values are numbers; the canonical chain text prints the path, so a chain still
 * crosses processes, pool threads included, as text and each process loads the image once).
 *
 * The conversion is what ffmpeg's overlay gets for a yuv420p main input: BT.601 limited range
 * (RGB_TO_Y_CCIR…), chroma from the 2×2 block's average, luma alpha as it is and chroma alpha
 * the 2×2 average as ffmpeg's blend_plane takes it (at an odd edge, the average of the
 * horizontal and vertical pairs).
 */
import { rgbToYuvCcir } from "./defs/drawbox.ts";
import { assetHash, assetRef, readAsset, sha256Hex } from "./overlay_assets.ts";
import { decodePngRgba, type RgbaImage } from "./png_rgba.ts";

/** A decoded overlay image: yuv420p planes and their alpha, rows packed. */
export interface OverlayImage {
  /** The path as given in the chain. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
  /** ceil(width / 2) × ceil(height / 2). */
  readonly chromaWidth: number;
  readonly chromaHeight: number;
  readonly y: Uint8Array;
  /** Alpha of each luma sample (0 transparent, 255 opaque). */
  readonly a: Uint8Array;
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  /** Alpha of each chroma sample (ffmpeg's 2×2 average). */
  readonly ca: Uint8Array;
  /** The PNG file's bytes, when the image came from one (what a client sends a server). */
  readonly source?: Uint8Array;
}

/** Largest overlay image side accepted, in pixels. */
export const OVERLAY_MAX_SIDE = 16384;

/**
 * Largest side of an image sent with a job (by reference): 4096 px, a 4K frame's. A 4 MiB PNG
 * may decode to gigabytes; a server decodes no more than 4096 × 4096 per image a client sends.
 */
export const OVERLAY_MAX_ASSET_SIDE = 4096;

interface Loaded {
  stamp: string;
  handle: number;
}

/** Decoded images by handle − 1; an image sent with a job may be dropped (`undefined`). */
const images: (OverlayImage | undefined)[] = [];
/** The path of each handle (an asset reference for images sent with jobs), by handle − 1. */
const paths: string[] = [];
const byPath = new Map<string, Loaded>();

/**
 * Images sent with jobs kept decoded at once: 8. A server that sees many different images keeps
 * only the last ones used; the others are decoded again from this machine's asset folder when a
 * chain needs them (they never change: they are named by their content).
 */
export const OVERLAY_ASSETS_KEPT = 8;
/** Handles of decoded asset images, least recently used first. */
const keptAssets: number[] = [];

/** Marks asset image `handle` as used, dropping the least recently used beyond the limit. */
function keepAsset(handle: number): void {
  const at = keptAssets.indexOf(handle);
  if (at >= 0) keptAssets.splice(at, 1);
  keptAssets.push(handle);
  while (keptAssets.length > OVERLAY_ASSETS_KEPT) images[keptAssets.shift()! - 1] = undefined;
}

/**
 * Converts straight RGBA (8 bits, rows packed) to the image's planes.
 */
export function rgbaToOverlay(
  path: string,
  width: number,
  height: number,
  rgba: Uint8Array,
): OverlayImage {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const y = new Uint8Array(width * height);
  const a = new Uint8Array(width * height);
  const us = new Uint8Array(width * height);
  const vs = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const [yy, u, v] = rgbToYuvCcir(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
    y[i] = yy;
    us[i] = u;
    vs[i] = v;
    a[i] = rgba[4 * i + 3];
  }
  const u = new Uint8Array(cw * ch);
  const v = new Uint8Array(cw * ch);
  const ca = new Uint8Array(cw * ch);
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      const p = 2 * j * width + 2 * i;
      const right = 2 * i + 1 < width;
      const down = 2 * j + 1 < height;
      const at = [p];
      if (right) at.push(p + 1);
      if (down) at.push(p + width);
      if (right && down) at.push(p + width + 1);
      const mean = (plane: Uint8Array) =>
        Math.trunc((at.reduce((s, k) => s + plane[k], 0) + (at.length >> 1)) / at.length);
      u[j * cw + i] = mean(us);
      v[j * cw + i] = mean(vs);
      if (right && down) {
        ca[j * cw + i] = (a[p] + a[p + 1] + a[p + width] + a[p + width + 1]) >> 2;
      } else {
        const h = right ? (a[p] + a[p + 1]) >> 1 : a[p];
        const w = down ? (a[p] + a[p + width]) >> 1 : a[p];
        ca[j * cw + i] = (h + w) >> 1;
      }
    }
  }
  return { path, width, height, chromaWidth: cw, chromaHeight: ch, y, a, u, v, ca };
}

/** Width and height from a PNG's IHDR chunk (bytes 16..23), or undefined when it has none. */
function pngSize(bytes: Uint8Array): [number, number] | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return [view.getUint32(16), view.getUint32(20)];
}

/**
 * Decodes PNG bytes (any bit depth, palette, grey or colour, with or without alpha), refusing an
 * image with a side over `maxSide`.
 */
function decodePng(
  path: string,
  bytes: Uint8Array,
  maxSide = OVERLAY_MAX_SIDE,
): OverlayImage | string {
  // The size first, from the header: a small file may hold a huge image (never decoded then).
  const size = pngSize(bytes);
  if (size && (size[0] > maxSide || size[1] > maxSide)) {
    return `overlay file '${path}' is ${size[0]}x${size[1]}, past the limit of ` +
      `${maxSide} px per side${maxSide < OVERLAY_MAX_SIDE ? " for an image sent with a job" : ""}`;
  }
  let decoded: RgbaImage;
  try {
    decoded = decodePngRgba(bytes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return `overlay file '${path}' is not a PNG image vframe can read (${why})`;
  }
  const { width, height, rgba } = decoded;
  if (width > maxSide || height > maxSide) {
    return `overlay file '${path}' is ${width}x${height}, past the limit of ` +
      `${maxSide} px per side`;
  }
  return { ...rgbaToOverlay(path, width, height, rgba), source: bytes };
}

/**
 * The handle of the image at `path` (a PNG file), reading and decoding it the first time and
 * again only when the file changed (size or modification time); or a sentence saying why it
 * cannot be used (missing, unreadable, not a PNG).
 */
export function loadOverlayImage(path: string): number | string {
  if (path === "") return "overlay needs file=PATH, a PNG image";
  const hash = assetHash(path);
  if (hash !== undefined) return loadAsset(path, hash);
  let stamp: string;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) return `overlay file '${path}' is not a file`;
    stamp = `${info.size}:${info.mtime?.getTime()}`;
  } catch (error) {
    return `cannot read overlay file '${path}': ${reason(error)}`;
  }
  const known = byPath.get(path);
  if (known && known.stamp === stamp) return known.handle;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    return `cannot read overlay file '${path}': ${reason(error)}`;
  }
  const image = decodePng(path, bytes);
  if (typeof image === "string") return image;
  return remember(path, image, stamp);
}

/** The handle of an image sent with a job (see overlay_assets.ts), loaded once per process. */
function loadAsset(ref: string, hash: string): number | string {
  const known = byPath.get(ref);
  if (known) return known.handle; // named by its content: it never changes
  const bytes = readAsset(hash);
  if (!bytes) {
    return `overlay image ${ref} is not on this machine (a server keeps the images a client ` +
      `sends with its job; a chain naming one cannot be run elsewhere)`;
  }
  const image = decodePng(ref, bytes, OVERLAY_MAX_ASSET_SIDE);
  if (typeof image === "string") return image;
  return remember(ref, image, "asset");
}

function remember(path: string, image: OverlayImage, stamp: string): number {
  images.push(image);
  paths.push(path);
  const handle = images.length;
  byPath.set(path, { stamp, handle });
  if (assetHash(path) !== undefined) keepAsset(handle);
  return handle;
}

/**
 * The asset reference (`vframe-asset-<sha256>`) of a loaded image and the PNG bytes it names,
 * the image then known under that name too in this process: how a client sends the image of
 * its chain to a server instead of its path. Undefined for a handle with no image.
 */
export function overlayAsset(handle: number): { ref: string; bytes: Uint8Array } | undefined {
  const image = overlayImage(handle);
  if (!image?.source) return undefined;
  const ref = assetRef(sha256Hex(image.source));
  if (!byPath.has(ref)) remember(ref, { ...image, path: ref }, "asset");
  return { ref, bytes: image.source };
}

function reason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/** The image of a handle from {@link loadOverlayImage}, or undefined (0, or not loaded here). */
export function overlayImage(handle: number): OverlayImage | undefined {
  if (!Number.isInteger(handle) || handle < 1 || handle > images.length) return undefined;
  const known = images[handle - 1];
  if (known) {
    if (keptAssets.includes(handle)) keepAsset(handle);
    return known;
  }
  // An image sent with a job, dropped to bound memory: decoded again from the asset folder.
  const ref = paths[handle - 1];
  const bytes = readAsset(assetHash(ref)!);
  const image = bytes && decodePng(ref, bytes, OVERLAY_MAX_ASSET_SIDE);
  if (!image || typeof image === "string") return undefined;
  images[handle - 1] = image;
  keepAsset(handle);
  return image;
}

/** The path of a handle, as the canonical text writes it ("" for none). */
export function overlayPath(handle: number): string {
  return Number.isInteger(handle) && handle >= 1 ? paths[handle - 1] ?? "" : "";
}
