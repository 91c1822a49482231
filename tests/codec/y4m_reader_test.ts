import assert from "node:assert/strict";
import { Y4mReader } from "../../src/codec/y4m_reader.ts";
// @ts-types="../../src/codec/y4m.d.ts"
import { Y4mFormatError } from "../../src/codec/y4m.js";
import { concatBytes } from "../helpers/bytes.ts";

const enc = new TextEncoder();

function y4m(width: number, height: number, frames: number, marker = "FRAME"): Uint8Array {
  const size = width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  const parts: Uint8Array[] = [enc.encode(`YUV4MPEG2 W${width} H${height} F25:1 Ip C420jpeg\n`)];
  for (let i = 0; i < frames; i++) {
    parts.push(enc.encode(`${marker}\n`));
    const frame = new Uint8Array(size);
    for (let j = 0; j < size; j++) frame[j] = (i * 31 + j) & 0xff;
    parts.push(frame);
  }
  return concatBytes(parts);
}

/** A source giving at most `chunk` bytes per read (and recording each read's request size). */
function source(bytes: Uint8Array, chunk: number, requests: number[] = []) {
  let at = 0;
  return (into: Uint8Array): Promise<number | null> => {
    requests.push(into.length);
    if (at >= bytes.length) return Promise.resolve(null);
    const n = Math.min(chunk, into.length, bytes.length - at);
    into.set(bytes.subarray(at, at + n));
    at += n;
    return Promise.resolve(n);
  };
}

async function readAll(reader: Y4mReader, frameBytes: number): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  while (true) {
    const frame = new Uint8Array(frameBytes);
    if (!await reader.readFrame(frame)) return frames;
    frames.push(frame);
  }
}

Deno.test("Y4mReader reads header and frames into the caller's buffers, any chunking", async () => {
  for (const [w, h] of [[5, 3], [64, 48], [321, 181]]) {
    const bytes = y4m(w, h, 4);
    const frameBytes = w * h + 2 * Math.ceil(w / 2) * Math.ceil(h / 2);
    const expected = Array.from(
      { length: 4 },
      (_, i) => Uint8Array.from({ length: frameBytes }, (_, j) => (i * 31 + j) & 0xff),
    );
    for (const chunk of [1, 7, 4096, 1 << 20]) {
      const reader = new Y4mReader(source(bytes, chunk));
      const header = await reader.header();
      assert.deepEqual(header, {
        width: w,
        height: h,
        fps: { num: 25, den: 1 },
        colorspace: "420jpeg",
      });
      assert.equal(reader.frameBytes, frameBytes);
      const frames = await readAll(reader, frameBytes);
      assert.deepEqual(frames, expected, `${w}x${h} in chunks of ${chunk}`);
      assert.equal(reader.frames, 4);
    }
  }
});

Deno.test("Y4mReader reads most of a large frame straight into it, not through its stage", async () => {
  const bytes = y4m(640, 360, 3);
  const requests: number[] = [];
  const reader = new Y4mReader(source(bytes, 1 << 20, requests));
  await readAll(reader, (await reader.header(), reader.frameBytes));
  // Reads into the frame ask for the rest of the frame: far more than the 64 KiB stage.
  assert.ok(requests.some((n) => n > 256 * 1024), `requests: ${requests.join(",")}`);
});

Deno.test("Y4mReader accepts FRAME parameters and refuses bad streams", async () => {
  const withParams = new Y4mReader(source(y4m(4, 4, 2, "FRAME Ixyz"), 3));
  assert.equal((await readAll(withParams, (await withParams.header(), 24))).length, 2);

  const missing = concatBytes([y4m(4, 4, 1), enc.encode("JUNK\n")]);
  const reader = new Y4mReader(source(missing, 100));
  await reader.header();
  assert.equal(await reader.readFrame(new Uint8Array(24)), true);
  await assert.rejects(reader.readFrame(new Uint8Array(24)), /FRAME marker after frame 1/);

  const cut = y4m(4, 4, 2).subarray(0, -5);
  const cutReader = new Y4mReader(source(cut, 10));
  await cutReader.header();
  await cutReader.readFrame(new Uint8Array(24));
  await assert.rejects(cutReader.readFrame(new Uint8Array(24)), (e: unknown) => {
    assert.ok(e instanceof Y4mFormatError);
    assert.match(String(e), /ended inside frame 1 \(19 of 24 bytes\)/);
    return true;
  });

  await assert.rejects(new Y4mReader(source(new Uint8Array(0), 10)).header(), /before its header/);
  await assert.rejects(
    new Y4mReader(source(enc.encode("RIFF....\n"), 10)).header(),
    /not a YUV4MPEG2 stream/,
  );
  await assert.rejects(
    new Y4mReader(source(new Uint8Array(8192).fill(65), 512)).header(),
    /line longer than 4096 bytes/,
  );
  const sized = new Y4mReader(source(y4m(4, 4, 1), 100));
  await assert.rejects(sized.readFrame(new Uint8Array(10)), RangeError);
});
