import assert from "node:assert/strict";
import { moovSpacing, mp4Spacing } from "../../src/codec/mp4_timing.ts";
import { makeVfrVideo } from "../helpers/vfr_video.ts";
import { makeSampleVideo } from "../helpers/video.ts";

function u32(...values: number[]): number[] {
  return values.flatMap((v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}

function box(type: string, ...payload: number[][]): number[] {
  const body = payload.flat();
  return [...u32(8 + body.length), ...[...type].map((c) => c.charCodeAt(0)), ...body];
}

/** A fullbox's version and flags. */
const full = (version = 0) => [version, 0, 0, 0];

/** stts from [sampleCount, delta] runs. */
const stts = (runs: [number, number][]) =>
  box("stts", full(), u32(runs.length), ...runs.map(([n, d]) => u32(n, d)));

/** elst (version 0) from media times (−1: an empty edit). */
const elst = (mediaTimes: number[]) =>
  box(
    "edts",
    box(
      "elst",
      full(),
      u32(mediaTimes.length),
      ...mediaTimes.map((t) => [...u32(1000, t >>> 0), 0, 1, 0, 0]),
    ),
  );

function trak(handler: string, timing: number[], edits?: number[]): number[] {
  const hdlr = box("hdlr", full(), u32(0), [...handler].map((c) => c.charCodeAt(0)), u32(0, 0, 0), [
    0,
  ]);
  const stbl = box("stbl", timing);
  return box(
    "trak",
    edits ? elst(edits) : [],
    box("mdia", box("mdhd", full(), u32(0, 0, 90000, 0)), hdlr, box("minf", stbl)),
  );
}

/** A moov box's payload (what moovSpacing reads). */
function moov(...traks: number[][]): Uint8Array {
  return new Uint8Array(traks.flat());
}

Deno.test("moovSpacing: one sample duration throughout is even; the last sample may differ", () => {
  assert.equal(moovSpacing(moov(trak("vide", stts([[300, 3003]])))), "even");
  assert.equal(moovSpacing(moov(trak("vide", stts([[299, 3003], [1, 1500]])))), "even");
  // Audio first: the first video track is the one read.
  const audio = trak("soun", stts([[10, 1024], [1, 7]]));
  assert.equal(moovSpacing(moov(audio, trak("vide", stts([[50, 3600]])))), "even");
});

Deno.test("moovSpacing: a run of other durations, or spliced edits, is uneven", () => {
  assert.equal(
    moovSpacing(moov(trak("vide", stts([[24, 3750], [24, 7500], [24, 1875]])))),
    "uneven",
  );
  // One late frame and an early one after it: same total, same average rate.
  assert.equal(
    moovSpacing(moov(trak("vide", stts([[150, 3600], [1, 5400], [1, 1800], [48, 3600]])))),
    "uneven",
  );
  // Two edits playing media (a cut): the times jump.
  assert.equal(moovSpacing(moov(trak("vide", stts([[100, 3600]]), [0, 180000]))), "uneven");
  // An empty edit (a start delay) then one playing edit is still even.
  assert.equal(moovSpacing(moov(trak("vide", stts([[100, 3600]]), [-1, 0]))), "even");
});

Deno.test("moovSpacing: no video track, an empty or broken table is unknown", () => {
  assert.equal(moovSpacing(moov(trak("soun", stts([[10, 1024]])))), "unknown");
  assert.equal(moovSpacing(moov(trak("vide", stts([])))), "unknown", "fragmented: no samples");
  assert.equal(moovSpacing(moov(trak("vide", [])), 0), "unknown", "no stts");
  const cut = moov(trak("vide", stts([[24, 3750], [24, 7500]])));
  assert.equal(moovSpacing(cut.subarray(0, cut.length - 5)), "unknown", "a box past the end");
});

Deno.test("mp4Spacing: made files, a Matroska file and a missing one", async () => {
  const even = await makeSampleVideo({ width: 64, height: 48, seconds: 1, audio: true });
  assert.equal(await mp4Spacing(even), "even");
  const vfr = await makeVfrVideo({ width: 64, height: 48, audio: false });
  assert.equal(await mp4Spacing(vfr.path), "uneven");
  const mkv = await makeVfrVideo({ width: 64, height: 48, audio: false, container: "mkv" });
  assert.equal(await mp4Spacing(mkv.path), "not-mp4");
  assert.equal(await mp4Spacing("/nonexistent/x.mp4"), "unknown");
});
