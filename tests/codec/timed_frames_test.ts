import assert from "node:assert/strict";
import { MKV_FRAME_HEADER_BYTES, mkvHeader } from "../../src/codec/mkv_writer.ts";
import type { RawEncoder } from "../../src/codec/raw_codec.ts";
import { timedFrames } from "../../src/codec/timed_frames.ts";

/** A RawEncoder that keeps what it was given. */
function recorder(): RawEncoder & { writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    write: (data) => {
      writes.push(data);
      return Promise.resolve();
    },
    finish: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
}

/** The cluster timestamp of a frame header (its 8-byte value). */
function ticksOf(header: Uint8Array): number {
  let v = 0;
  for (let i = 14; i < 22; i++) v = v * 256 + header[i];
  return v;
}

Deno.test("timedFrames: the stream header first, then a header and the frame's own bytes", async () => {
  const raw = recorder();
  const timed = timedFrames(raw, { width: 4, height: 2, lastFrameDuration: 0.5 });
  const frame = new Uint8Array(12).fill(7);
  await timed.write(frame, 0);
  await timed.write(frame, 0.25);
  assert.equal(raw.writes.length, 5);
  assert.deepEqual(raw.writes[0], mkvHeader({ width: 4, height: 2, frameDuration: 0.5 }));
  assert.equal(raw.writes[1].length, MKV_FRAME_HEADER_BYTES);
  assert.equal(raw.writes[2], frame, "passed on, not copied");
  assert.equal(ticksOf(raw.writes[3]), 250_000);
});

Deno.test("timedFrames: times count from the origin; equal microseconds are put a unit apart", async () => {
  const raw = recorder();
  const timed = timedFrames(raw, { width: 4, height: 2, lastFrameDuration: 0.1, origin: 2 });
  const frame = new Uint8Array(12);
  await timed.write(frame, 2);
  await timed.write(frame, 2.0000001); // the same microsecond
  await timed.write(frame, 2.5);
  const headers = raw.writes.filter((w) => w.length === MKV_FRAME_HEADER_BYTES);
  assert.deepEqual(headers.map(ticksOf), [0, 1, 500_000]);
});

Deno.test("timedFrames: a missing, early or decreasing time is refused", async () => {
  const timed = timedFrames(recorder(), { width: 4, height: 2, lastFrameDuration: 0.1, origin: 1 });
  const frame = new Uint8Array(12);
  await assert.rejects(timed.write(frame), RangeError);
  await assert.rejects(timed.write(frame, 0.5), RangeError);
  await timed.write(frame, 1.5);
  await assert.rejects(timed.write(frame, 1.2), /frame times must increase/);
});
