/**
 * png_rgba.ts gives, value for value, what pngjs's `PNG.sync.read` gave before it — for every
 * colour type and bit depth native ffmpeg writes (grey 1/8/16 bits, grey + alpha, RGB, RGBA 8/16
 * bits, palette), each of the five row filters and pngjs's adaptive mix, interlaced (Adam7), and
 * hand-built files ffmpeg does not write: tRNS colour keys on grey and RGB, a 2-bit palette with
 * tRNS alpha, a 4-bit grey row ending inside a byte, image data split over several IDAT chunks.
 * Broken files are refused with an error, not decoded into garbage.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";
import pngjs from "pngjs";
import { zlibSync } from "fflate";
import { decodePngRgba } from "../../src/filters/png_rgba.ts";
import { concatBytes } from "../helpers/bytes.ts";

/** The part of pngjs used here (the package ships no types). */
interface PngSync {
  PNG: { sync: { read(bytes: Buffer): { width: number; height: number; data: Uint8Array } } };
}
const reference = pngjs as unknown as PngSync;

/** What pngjs reads from `bytes`: the conversion png_rgba.ts must match. */
function pngjsRgba(bytes: Uint8Array) {
  const out = reference.PNG.sync.read(Buffer.from(bytes));
  return { width: out.width, height: out.height, rgba: new Uint8Array(out.data) };
}

function assertSameAsPngjs(bytes: Uint8Array, what: string): void {
  const ours = decodePngRgba(bytes);
  const theirs = pngjsRgba(bytes);
  assert.equal(ours.width, theirs.width, `${what}: width`);
  assert.equal(ours.height, theirs.height, `${what}: height`);
  assert.equal(ours.rgba.length, theirs.rgba.length, `${what}: bytes`);
  const at = ours.rgba.findIndex((v, i) => v !== theirs.rgba[i]);
  assert.equal(
    at,
    -1,
    `${what}: pixel ${at >> 2} channel ${at & 3}: ${ours.rgba[at]} vs pngjs ${theirs.rgba[at]}`,
  );
}

const SOURCE = new URL("./fixtures/overlay_big.png", import.meta.url).pathname;

/** overlay_big.png (70×41 RGBA, every alpha) converted by native ffmpeg to `pixFmt`. */
async function ffmpegPng(pixFmt: string, extra: string[] = []): Promise<Uint8Array> {
  const out = await Deno.makeTempFile({ suffix: ".png" });
  try {
    const result = await new Deno.Command("ffmpeg", {
      args: ["-v", "error", "-y", "-i", SOURCE, "-pix_fmt", pixFmt, ...extra, out],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(result.success, `ffmpeg ${pixFmt}: ${new TextDecoder().decode(result.stderr)}`);
    return await Deno.readFile(out);
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

for (
  const pixFmt of ["rgba", "rgb24", "rgba64be", "rgb48be", "gray", "gray16be", "ya8", "ya16be"]
) {
  Deno.test(`png_rgba: ffmpeg's ${pixFmt} PNG decodes as pngjs decodes it`, async () => {
    assertSameAsPngjs(await ffmpegPng(pixFmt), pixFmt);
  });
}

Deno.test("png_rgba: palette (pal8) and 1-bit (monob) PNGs decode as pngjs decodes them", async () => {
  assertSameAsPngjs(await ffmpegPng("pal8"), "pal8");
  assertSameAsPngjs(await ffmpegPng("monob"), "monob");
});

Deno.test("png_rgba: every row filter (ffmpeg's -pred) and pngjs's adaptive choice", async () => {
  for (const pred of ["sub", "up", "avg", "paeth", "mixed"]) {
    for (const pixFmt of ["rgba", "gray16be", "monob", "pal8"]) {
      assertSameAsPngjs(await ffmpegPng(pixFmt, ["-pred", pred]), `${pixFmt} -pred ${pred}`);
    }
  }
  // The fixtures were written by pngjs, which picks a filter per row.
  for (const name of ["overlay_big.png", "overlay_logo.png"]) {
    assertSameAsPngjs(await Deno.readFile(new URL(`./fixtures/${name}`, import.meta.url)), name);
  }
});

Deno.test("png_rgba: interlaced (Adam7) PNGs decode as pngjs decodes them", async () => {
  // ffmpeg's PNG encoder writes Adam7 with the interlaced-DCT flag.
  const rgba = await ffmpegPng("rgba", ["-flags", "+ildct"]);
  assert.equal(rgba[28], 1, "IHDR says interlaced");
  assertSameAsPngjs(rgba, "rgba Adam7");
  assertSameAsPngjs(await ffmpegPng("gray16be", ["-flags", "+ildct"]), "gray16be Adam7");
  assertSameAsPngjs(
    await ffmpegPng("monob", ["-flags", "+ildct", "-pred", "paeth"]),
    "monob Adam7 paeth",
  );
});

/** One PNG chunk: length, type, data, CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typed = new TextEncoder().encode(type);
  out.set(typed, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/** The zlib stream in one IDAT chunk, or split after every 3 bytes. */
function idatChunks(stream: Uint8Array, split: boolean): Uint8Array[] {
  if (!split) return [chunk("IDAT", stream)];
  const parts: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += 3) {
    parts.push(chunk("IDAT", stream.subarray(at, at + 3)));
  }
  return parts;
}

/** A PNG from raw (unfiltered) rows, with optional PLTE and tRNS chunks. */
function buildPng(
  width: number,
  height: number,
  depth: number,
  colorType: number,
  rows: number[][],
  extra: { plte?: number[]; trns?: number[]; splitIdat?: boolean } = {},
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const raw = rows.flatMap((row) => [0, ...row]); // filter type 0 on every row
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(extra.plte ? [chunk("PLTE", new Uint8Array(extra.plte))] : []),
    ...(extra.trns ? [chunk("tRNS", new Uint8Array(extra.trns))] : []),
    ...idatChunks(zlibSync(new Uint8Array(raw)), extra.splitIdat ?? false),
    chunk("IEND", new Uint8Array(0)),
  ];
  return concatBytes(parts);
}

Deno.test("png_rgba: tRNS colour keys (grey, RGB 16-bit) and a 2-bit palette with alpha", () => {
  // 8-bit grey, key 0x40: those pixels become 0, 0, 0, 0.
  const grey = buildPng(5, 2, 8, 0, [[0x40, 0x41, 0x00, 0xff, 0x40], [1, 2, 0x40, 4, 5]], {
    trns: [0x00, 0x40],
  });
  assertSameAsPngjs(grey, "grey + tRNS");
  assert.deepEqual([...decodePngRgba(grey).rgba.subarray(0, 8)], [0, 0, 0, 0, 65, 65, 65, 255]);
  // 16-bit RGB, key (0x1234, 0x0000, 0xffff).
  const px = (
    r: number,
    g: number,
    b: number,
  ) => [r >> 8, r & 255, g >> 8, g & 255, b >> 8, b & 255];
  const rgb = buildPng(3, 1, 16, 2, [[
    ...px(0x1234, 0, 0xffff),
    ...px(0x1234, 1, 0xffff),
    ...px(0x8000, 0x7fff, 0x0080),
  ]], { trns: [0x12, 0x34, 0, 0, 0xff, 0xff] });
  assertSameAsPngjs(rgb, "rgb48 + tRNS");
  // 2-bit palette of 4 colours, alpha for the first two; 7 pixels a row (a partial last byte).
  const pal = buildPng(7, 2, 2, 3, [[0b00011011, 0b11100100], [0b10101010, 0b01010100]], {
    plte: [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7],
    trns: [0, 128],
  });
  assertSameAsPngjs(pal, "2-bit palette + tRNS");
  // 4-bit grey, no key.
  const grey4 = buildPng(3, 1, 4, 0, [[0x0f, 0x80]]);
  assertSameAsPngjs(grey4, "4-bit grey");
  assert.deepEqual([...decodePngRgba(grey4).rgba.subarray(0, 4)], [0, 0, 0, 255]);
  // The image data split over many IDAT chunks.
  const split = buildPng(5, 2, 8, 0, [[9, 8, 7, 6, 5], [4, 3, 2, 1, 0]], { splitIdat: true });
  assertSameAsPngjs(split, "split IDAT");
  assert.equal(decodePngRgba(split).rgba[4 * 9], 0);
});

Deno.test("png_rgba: broken files are refused with an error", () => {
  const good = buildPng(2, 1, 8, 0, [[1, 2]]);
  const crc = good.slice();
  crc[good.length - 20] ^= 0xff; // a byte inside IDAT: its CRC no longer matches
  assert.throws(() => decodePngRgba(crc));
  assert.throws(() => decodePngRgba(new TextEncoder().encode("not a png at all")));
  assert.throws(() => decodePngRgba(good.subarray(0, 30)));
  // A palette index past the palette.
  const pastPalette = buildPng(2, 1, 8, 3, [[0, 5]], { plte: [1, 2, 3] });
  assert.throws(() => decodePngRgba(pastPalette), /palette/);
  // Image data shorter than the header's size says.
  const short = buildPng(4, 3, 8, 0, [[1, 2, 3, 4], [5, 6, 7, 8]]);
  assert.throws(() => decodePngRgba(short), /too short/);
});
