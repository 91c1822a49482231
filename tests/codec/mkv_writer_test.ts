import assert from "node:assert/strict";
import {
  MKV_FRAME_HEADER_BYTES,
  MKV_TIMESTAMP_SCALE_NS,
  mkvFrameHeader,
  mkvHeader,
  mkvTicks,
} from "../../src/codec/mkv_writer.ts";
import { frameSize } from "../../src/codec/frame.ts";

/** One EBML element read back: its ID (as written), data offset and size. */
interface Element {
  id: number;
  start: number;
  size: number;
}

/** Reads an EBML variable-size integer at `at`: its value (marker removed) and length. */
function vint(
  bytes: Uint8Array,
  at: number,
  keepMarker: boolean,
): { value: number; length: number } {
  const first = bytes[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + bytes[at + i];
  return { value, length };
}

/** The elements directly inside bytes[start, end). */
function children(bytes: Uint8Array, start: number, end: number): Element[] {
  const out: Element[] = [];
  for (let at = start; at < end;) {
    const id = vint(bytes, at, true);
    const size = vint(bytes, at + id.length, false);
    const dataStart = at + id.length + size.length;
    const unknown = size.length === 8 && size.value === 2 ** 56 - 1;
    const dataSize = unknown ? end - dataStart : size.value;
    out.push({ id: id.value, start: dataStart, size: dataSize });
    at = dataStart + dataSize;
  }
  return out;
}

function uint(bytes: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = 0; i < e.size; i++) v = v * 256 + bytes[e.start + i];
  return v;
}

function text(bytes: Uint8Array, e: Element): string {
  return new TextDecoder().decode(bytes.subarray(e.start, e.start + e.size));
}

function find(list: Element[], id: number): Element {
  const found = list.find((e) => e.id === id);
  assert.ok(found, `element 0x${id.toString(16)} missing`);
  return found;
}

/** The elements of the header's one TrackEntry. */
function trackFields(bytes: Uint8Array): Element[] {
  const segment = children(bytes, 0, bytes.length)[1];
  const tracks = find(children(bytes, segment.start, bytes.length), 0x1654ae6b);
  const entry = children(bytes, tracks.start, tracks.start + tracks.size)[0];
  return children(bytes, entry.start, entry.start + entry.size);
}

Deno.test("mkvHeader: EBML header, a Segment of unknown size, 1 µs timestamps, one I420 track", () => {
  const bytes = mkvHeader({ width: 162, height: 92, frameDuration: 0.04 });
  const top = children(bytes, 0, bytes.length);
  assert.deepEqual(top.map((e) => e.id), [0x1a45dfa3, 0x18538067]);
  const ebml = children(bytes, top[0].start, top[0].start + top[0].size);
  assert.equal(text(bytes, find(ebml, 0x4282)), "matroska");
  const segment = children(bytes, top[1].start, bytes.length);
  const infoElement = find(segment, 0x1549a966);
  const info = children(bytes, infoElement.start, infoElement.start + infoElement.size);
  assert.equal(uint(bytes, find(info, 0x2ad7b1)), MKV_TIMESTAMP_SCALE_NS);
  const fields = trackFields(bytes);
  assert.equal(text(bytes, find(fields, 0x86)), "V_UNCOMPRESSED");
  assert.equal(uint(bytes, find(fields, 0x83)), 1, "a video track");
  assert.equal(uint(bytes, find(fields, 0x23e383)), 40_000_000, "default duration in ns");
  const video = find(fields, 0xe0);
  const v = children(bytes, video.start, video.start + video.size);
  assert.equal(uint(bytes, find(v, 0xb0)), 162);
  assert.equal(uint(bytes, find(v, 0xba)), 92);
  assert.equal(text(bytes, find(v, 0x2eb524)), "I420");
});

Deno.test("mkvHeader: no default duration unless asked; bad sizes and durations are refused", () => {
  const fields = trackFields(mkvHeader({ width: 2, height: 2 }));
  assert.equal(fields.find((e) => e.id === 0x23e383), undefined, "no DefaultDuration");
  assert.ok(fields.find((e) => e.id === 0x86), "the codec is there");
  assert.throws(() => mkvHeader({ width: 0, height: 2 }), RangeError);
  assert.throws(() => mkvHeader({ width: 2, height: 2.5 }), RangeError);
  assert.throws(() => mkvHeader({ width: 2, height: 2, frameDuration: 0 }), RangeError);
  assert.throws(() => mkvHeader({ width: 2, height: 2, frameDuration: NaN }), RangeError);
});

Deno.test("mkvFrameHeader: a Cluster at the frame's time holding one keyframe SimpleBlock", () => {
  const frameBytes = 1234;
  for (const ticks of [0, 41_667, 2 ** 40 + 5]) {
    const head = mkvFrameHeader(ticks, frameBytes);
    assert.equal(head.length, MKV_FRAME_HEADER_BYTES);
    // Followed by the frame's bytes, the cluster is complete.
    const whole = new Uint8Array(head.length + frameBytes);
    whole.set(head);
    const [cluster] = children(whole, 0, whole.length);
    assert.equal(cluster.id, 0x1f43b675);
    assert.equal(cluster.start + cluster.size, whole.length, "cluster size covers the frame");
    const [timestamp, block] = children(whole, cluster.start, cluster.start + cluster.size);
    assert.equal(timestamp.id, 0xe7);
    assert.equal(uint(whole, timestamp), ticks);
    assert.equal(block.id, 0xa3);
    assert.equal(block.size, 4 + frameBytes);
    assert.deepEqual([...whole.subarray(block.start, block.start + 4)], [0x81, 0, 0, 0x80]);
  }
  assert.throws(() => mkvFrameHeader(-1, 10), RangeError);
  assert.throws(() => mkvFrameHeader(1.5, 10), RangeError);
  assert.throws(() => mkvFrameHeader(0, -1), RangeError);
  assert.equal(mkvTicks(1 / 3), 333_333);
});

Deno.test("mkv writer: ffprobe reads the stream as yuv420p rawvideo with each frame's own time", async () => {
  const width = 4;
  const height = 2;
  const times = [0, 0.05, 0.3, 0.31, 1.5];
  const bytes = frameSize(width, height);
  const parts = [mkvHeader({ width, height, frameDuration: 0.1 })];
  for (const t of times) {
    parts.push(mkvFrameHeader(mkvTicks(t), bytes), new Uint8Array(bytes).fill(16));
  }
  const path = await Deno.makeTempFile({ suffix: ".mkv" });
  try {
    await Deno.writeFile(path, new Uint8Array(parts.flatMap((p) => [...p])));
    const { stdout, success } = await new Deno.Command("ffprobe", {
      args: [
        ...["-v", "error", "-show_entries", "stream=codec_name,pix_fmt,width,height"],
        ...["-show_entries", "packet=pts_time,duration_time", "-of", "json", path],
      ],
    }).output();
    assert.ok(success);
    const json = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(json.streams[0], {
      codec_name: "rawvideo",
      pix_fmt: "yuv420p",
      width,
      height,
    });
    assert.deepEqual(json.packets.map((p: { pts_time: string }) => Number(p.pts_time)), times);
    assert.equal(Number(json.packets[0].duration_time), 0.1, "the default duration");
  } finally {
    await Deno.remove(path);
  }
});
