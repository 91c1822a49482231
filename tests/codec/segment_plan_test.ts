/**
 * Segment planning without ffmpeg: packet listings parsed, frames ordered, boundaries snapped to
 * keyframes, chunks covering B-frame reordering and open-GOP leading frames, cut times, segment
 * lengths spread over workers, the last round balanced, ffconcat durations that do not drift,
 * chunk specs checked, every stream's packets listed at once.
 */
import assert from "node:assert/strict";
import {
  audioPlanOf,
  balanceBoundaries,
  checkChunkSpec,
  concatList,
  cutTime,
  DISCARD,
  finishTime,
  KEY,
  orderFrames,
  type PacketIndex,
  parsePacketIndex,
  parseStreamListing,
  planBoundaries,
  planSegments,
  SegmentUnsupportedError,
  targetSegmentFrames,
} from "../../src/codec/segment/mod.ts";
import { traceHeaderFields } from "../../src/codec/segment/verify.ts";

/** A packet index from `[pts, dts, key]` triples in decode order, time base 1/30. */
function index(packets: [number, number, boolean][], startTime = 0): PacketIndex {
  return {
    timeBase: { num: 1, den: 30 },
    startTime,
    pts: Float64Array.from(packets.map((p) => p[0])),
    dts: Float64Array.from(packets.map((p) => p[1])),
    flags: Uint8Array.from(packets.map((p) => (p[2] ? KEY : 0))),
  };
}

/** `n` frames without B-frames, a keyframe every `gop` frames (0 = only the first). */
function simple(n: number, gop: number): PacketIndex {
  return index(
    Array.from({ length: n }, (_, i) => [i, i, gop === 0 ? i === 0 : i % gop === 0]),
  );
}

Deno.test("parsePacketIndex reads ffprobe's compact listing, stream and format lines last", () => {
  const out = [
    "packet|pts=0|dts=-1024|flags=K_",
    "packet|pts=2048|dts=-512|flags=__",
    "packet|pts=N/A|dts=N/A|flags=_D",
    "stream|avg_frame_rate=30/1|time_base=1/15360",
    "format|start_time=0.100000",
    "",
  ].join("\n");
  const p = parsePacketIndex(out);
  assert.deepEqual(p.timeBase, { num: 1, den: 15360 });
  assert.deepEqual(p.avgFrameRate, { num: 30, den: 1 });
  assert.equal(p.startTime, 0.1);
  assert.deepEqual(Array.from(p.pts), [0, 2048, NaN]);
  assert.deepEqual(Array.from(p.dts), [-1024, -512, NaN]);
  assert.deepEqual(Array.from(p.flags), [KEY, 0, DISCARD]);
  assert.throws(() => parsePacketIndex("packet|pts=0|dts=0|flags=K_\n"), SegmentUnsupportedError);
  assert.throws(() => parsePacketIndex("stream|time_base=1/30\n"), SegmentUnsupportedError);
});

Deno.test("orderFrames puts B-frames in presentation order and refuses what it cannot split", () => {
  // I0 P3 B1 B2 P6 B4 B5 (decode order)
  const b = index([[0, -1, true], [3, 0, false], [1, 1, false], [2, 2, false], [6, 3, false], [
    4,
    4,
    false,
  ], [5, 5, false]]);
  const order = orderFrames(b);
  assert.equal(order.frames, 7);
  assert.deepEqual(Array.from(order.decodeOf), [0, 2, 3, 1, 5, 6, 4]);
  assert.deepEqual(Array.from(order.frameOf), [0, 3, 1, 2, 6, 4, 5]);
  assert.deepEqual(Array.from(order.keyframes), [0]);

  const discarded = simple(4, 2);
  discarded.flags[1] |= DISCARD;
  assert.throws(() => orderFrames(discarded), /edit list/);
  const noPts = simple(4, 2);
  noPts.pts[2] = NaN;
  assert.throws(() => orderFrames(noPts), /no presentation timestamp/);
  const noKey = simple(4, 2);
  noKey.flags[0] = 0;
  assert.throws(() => orderFrames(noKey), /does not start with a keyframe/);
  const twice = simple(4, 2);
  twice.pts[3] = 2;
  assert.throws(() => orderFrames(twice), /share the timestamp/);
});

Deno.test("planBoundaries snaps to keyframes within half a segment, else cuts between them", () => {
  assert.deepEqual(planBoundaries(orderFrames(simple(120, 30)), 25), [0, 30, 60, 90, 120]);
  assert.deepEqual(planBoundaries(orderFrames(simple(120, 30)), 50), [0, 60, 120]);
  // One keyframe: every boundary falls between keyframes, the last segment ≤ 1.5 targets.
  assert.deepEqual(planBoundaries(orderFrames(simple(100, 0)), 30), [0, 30, 60, 100]);
  // A video shorter than 1.5 targets is one segment.
  assert.deepEqual(planBoundaries(orderFrames(simple(40, 10)), 30), [0, 40]);
  assert.throws(() => planBoundaries(orderFrames(simple(10, 0)), 0), RangeError);
});

Deno.test("planBoundaries with a reach (one worker): a segment grows to the next keyframe", () => {
  // x264's default GOP (250) in a 300-frame clip, 60-frame segments.
  const gop250 = orderFrames(simple(300, 250));
  assert.deepEqual(planBoundaries(gop250, 60), [0, 60, 120, 180, 250, 300]);
  assert.deepEqual(planBoundaries(gop250, 60, 360), [0, 250, 300]);
  // The next keyframe past the reach of the first segment: it ends between keyframes, as without
  // a reach; the second reaches the keyframe.
  assert.deepEqual(planBoundaries(gop250, 60, 249), [0, 60, 250, 300]);
  assert.deepEqual(planBoundaries(gop250, 60, 100), [0, 60, 120, 180, 250, 300]);
  // No keyframe after: the rest is one segment when within the reach.
  assert.deepEqual(planBoundaries(orderFrames(simple(100, 0)), 30, 100), [0, 100]);
  assert.deepEqual(planBoundaries(orderFrames(simple(100, 0)), 30, 99), [0, 30, 100]);
  assert.deepEqual(planBoundaries(orderFrames(simple(100, 0)), 30, 69), [0, 30, 60, 100]);
  // Keyframes near the ideal places still win.
  assert.deepEqual(planBoundaries(orderFrames(simple(120, 30)), 25, 1000), [0, 30, 60, 90, 120]);
});

Deno.test("planSegments: keyframeReach applies to one worker only; then no chunk skips", () => {
  const gop250 = orderFrames(simple(300, 250));
  const one = planSegments(gop250, 60, "clip", { workers: 1, keyframeReach: 360 });
  assert.deepEqual(one.map((p) => [p.start, p.end, p.skip]), [[0, 250, 0], [250, 300, 0]]);
  const two = planSegments(gop250, 60, "clip", { workers: 2, keyframeReach: 360 });
  assert.ok(two.length > 2 && two.some((p) => p.skip > 0), JSON.stringify(two));
});

Deno.test("planSegments: a chunk between keyframes decodes from the one before and skips", () => {
  const plans = planSegments(orderFrames(simple(100, 0)), 30);
  assert.deepEqual(
    plans.map((p) => [p.start, p.end, p.from, p.to, p.skip, p.decoded]),
    [[0, 30, 0, 30, 0, 30], [30, 60, 0, 60, 30, 60], [60, 100, 0, 100, 60, 100]],
  );
});

Deno.test("planSegments: B-frames shown before a later packet are in the chunk", () => {
  // GOP of 6: I0 P3 B1 B2 P5 B4 | I6 P9 B7 B8 P11 B10 (closed GOPs), decode order.
  const gop = (k: number): [number, number, boolean][] => [
    [k, k - 1, true],
    [k + 3, k, false],
    [k + 1, k + 1, false],
    [k + 2, k + 2, false],
    [k + 5, k + 3, false],
    [k + 4, k + 4, false],
  ];
  const order = orderFrames(index([...gop(0), ...gop(6), ...gop(12)]));
  // Segments of 3: boundaries between keyframes, so chunks start at the keyframe before.
  const plans = planSegments(order, 3);
  assert.ok(plans.length >= 4);
  assert.ok(plans.some((p) => p.skip > 0), "some chunk starts before its range");
  for (const p of plans) {
    for (let f = p.start; f < p.end; f++) {
      const d = order.decodeOf[f];
      assert.ok(d >= p.from && d < p.to, `frame ${f} (packet ${d}) in chunk ${p.from}..${p.to}`);
    }
    // Closed GOPs: every packet of the chunk shows a frame.
    assert.equal(p.decoded, p.to - p.from);
    assert.equal(p.skip, p.start - order.frameOf[p.from]);
  }
  // Frames 0..2 need B2, decoded after P3: the chunk holds P3 (shown after the range), and goes
  // on to two reordering groups past its keyframe (P3, then P5 and its B4).
  assert.deepEqual([plans[0].start, plans[0].end, plans[0].from, plans[0].to], [0, 3, 0, 6]);
  assert.deepEqual([plans[1].start, plans[1].end, plans[1].from, plans[1].to], [3, 6, 0, 6]);
  assert.equal(plans[1].skip, 3);
  // A keyframe near the end with fewer than two groups after it: the chunk starts a keyframe
  // earlier (frames 12..13 decode from I6).
  const short = orderFrames(index([...gop(0), ...gop(6), [12, 11, true], [13, 12, false]]));
  const last = planSegments(short, 3).at(-1)!;
  assert.deepEqual([last.start, last.end, last.from, last.to, last.skip], [12, 14, 6, 14, 6]);
});

Deno.test("planSegments: open GOP — the next keyframe's leading frames end the chunk", () => {
  // I0 P2 B1 P4 B3 | I6 B5 P8 B7 ... : B5 is I6's leading frame (decoded after it, shown before).
  const packets: [number, number, boolean][] = [
    [0, -1, true],
    [2, 0, false],
    [1, 1, false],
    [4, 2, false],
    [3, 3, false],
    [6, 4, true],
    [5, 5, false],
    [8, 6, false],
    [7, 7, false],
    [10, 8, false],
    [9, 9, false],
    [11, 10, false],
  ];
  const plans = planSegments(orderFrames(index(packets)), 6);
  assert.deepEqual(plans.map((p) => [p.start, p.end]), [[0, 6], [6, 12]]);
  // Frames 0..5 need B5, decoded after I6: the chunk holds I6 too, and decodes 7 frames.
  assert.deepEqual([plans[0].from, plans[0].to, plans[0].skip, plans[0].decoded], [0, 7, 0, 7]);
  assert.deepEqual(plans[0].drop, []);
  // The second chunk starts at I6; its leading B5 (packet 6) is left out: it decodes 6 frames.
  assert.deepEqual([plans[1].from, plans[1].to, plans[1].skip, plans[1].decoded], [5, 12, 0, 6]);
  assert.deepEqual(plans[1].drop, [1]);
});

Deno.test("targetSegmentFrames spreads segments over workers, not below half a second", () => {
  const fps = { num: 30, den: 1 };
  const base = { frames: 600, fps, segmentSeconds: 2 };
  assert.equal(targetSegmentFrames({ ...base, workers: 1 }), 60);
  assert.equal(targetSegmentFrames({ ...base, workers: 4 }), 50); // 12 segments for 4 workers
  assert.equal(targetSegmentFrames({ ...base, workers: 100 }), 15); // floor: 0.5 s
  assert.equal(targetSegmentFrames({ ...base, segmentSeconds: 0.2, workers: 100 }), 6);
  assert.equal(targetSegmentFrames({ ...base, workers: 0 }), 60);
  assert.throws(() => targetSegmentFrames({ ...base, segmentSeconds: 0, workers: 1 }), RangeError);
  assert.throws(() => targetSegmentFrames({ ...base, frames: 0, workers: 1 }), RangeError);
});

Deno.test("cutTime lies halfway to the previous keyframe's decoding time, minus the start", () => {
  const p = simple(90, 30);
  assert.equal(cutTime(p, 0), undefined);
  assert.equal(cutTime(p, 30), (30 - 15) / 30);
  assert.equal(cutTime({ ...p, startTime: 0.25 }, 60), (60 - 15) / 30 - 0.25);
  assert.throws(() => cutTime(p, 31), RangeError);
  const noDts = simple(90, 30);
  noDts.dts[30] = NaN;
  assert.throws(() => cutTime(noDts, 30), SegmentUnsupportedError);
});

Deno.test("concatList: durations from rounded start times never drift", () => {
  const chunk = (59 * 1001) / 30000; // 59 frames at 30000/1001 fps: 1.968633… s
  const list = concatList(
    Array.from({ length: 1000 }, (_, i) => `/c/${i}.mp4`),
    Array(1000).fill(chunk),
  );
  const durations = [...list.matchAll(/duration (\d+\.\d+)/g)].map((m) => Number(m[1]));
  assert.equal(durations.length, 1000);
  const total = durations.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - (59_000 * 1001) / 30000) < 1e-6, `total ${total}`);
  assert.match(concatList(["/a'b.mp4"], [1]), /file '\/a'\\''b\.mp4'/);
});

Deno.test("checkChunkSpec names the bad field", () => {
  const good = {
    skip: 2,
    frames: 5,
    decoded: 8,
    width: 10,
    height: 10,
    fps: { num: 30, den: 1 },
  };
  assert.deepEqual(checkChunkSpec(good), good);
  assert.throws(() => checkChunkSpec({ ...good, decoded: 6 }), /decoded must be an integer >= 7/);
  assert.throws(() => checkChunkSpec({ ...good, fps: "30" }), /fps must be/);
  assert.throws(() => checkChunkSpec({ ...good, crf: 60 }), /crf/);
  assert.throws(() => checkChunkSpec(null), /must be an object/);
  assert.deepEqual(checkChunkSpec({ ...good, output: { width: 8, height: 4 } }).output, {
    width: 8,
    height: 4,
  });
  assert.throws(
    () => checkChunkSpec({ ...good, output: { width: 0, height: 4 } }),
    /output\.width must be an integer >= 1/,
  );
});

Deno.test("traceHeaderFields: SPS/PPS fields of the extradata, level-derived ones left out", () => {
  const trace = (level: number, mv: number) =>
    [
      "[trace_headers @ 0x1] Extradata",
      "[trace_headers @ 0x1] Sequence Parameter Set",
      "[trace_headers @ 0x1] 8           profile_idc                     01000010 = 66",
      `[trace_headers @ 0x1] 24          level_idc                       00001011 = ${level}`,
      "[trace_headers @ 0x1] 41          pic_width_in_mbs_minus1         0001010 = 9",
      `[trace_headers @ 0x1] 152         log2_max_mv_length_horizontal   0001010 = ${mv}`,
      "[trace_headers @ 0x1] 170         rbsp_stop_one_bit               1 = 1",
      "[trace_headers @ 0x1] Picture Parameter Set",
      "[trace_headers @ 0x1] 18          pic_init_qp_minus26             00111 = -3",
      "[trace_headers @ 0x1] Packet: 4626 bytes, key frame, pts 0, dts 0, duration 3750.",
      "[trace_headers @ 0x1] 8           level_idc                       00001011 = 99",
    ].join("\n");
  const a = traceHeaderFields(trace(11, 9))!;
  const b = traceHeaderFields(trace(12, 8))!;
  assert.deepEqual(a.fields, [
    "Sequence Parameter Set.profile_idc=66",
    "Sequence Parameter Set.pic_width_in_mbs_minus1=9",
    "Picture Parameter Set.pic_init_qp_minus26=-3",
  ]);
  assert.deepEqual(b.fields, a.fields);
  assert.equal(a.level, 11);
  assert.equal(b.level, 12);
  assert.equal(traceHeaderFields("no extradata here"), undefined);
});

/** The segments' lengths of boundaries. */
function lengths(bounds: number[]): number[] {
  return bounds.slice(1).map((end, i) => end - bounds[i]);
}

Deno.test("finishTime: workers take the next segment in order when free", () => {
  assert.equal(finishTime([60, 60, 60, 60, 60], 4, 0), 120);
  assert.equal(finishTime([60, 60, 30, 30, 30, 30, 30], 4, 0), 90);
  assert.equal(finishTime([60, 60, 60], 1, 6), 198);
  assert.equal(finishTime([10], 0, 0), 10); // at least one worker
});

Deno.test("balanceBoundaries: the last segments split at keyframes so workers finish together", () => {
  // 20 s, a keyframe every second, 4 workers: 2 s segments give 10 (three rounds, the last one
  // leaves two workers idle); the last two split give 8 of 2 s and 4 of 1 s, shortest last.
  const order = orderFrames(simple(600, 30));
  const target = targetSegmentFrames({
    frames: 600,
    fps: { num: 30, den: 1 },
    segmentSeconds: 2,
    workers: 4,
  });
  const bounds = planBoundaries(order, target);
  assert.deepEqual(lengths(bounds), Array(10).fill(60));
  const balanced = balanceBoundaries(order, bounds, { workers: 4, targetFrames: target });
  assert.deepEqual(lengths(balanced), [...Array(8).fill(60), 30, 30, 30, 30]);
  assert.ok(balanced.slice(0, -1).every((b) => b % 30 === 0), "every boundary on a keyframe");
  assert.deepEqual(
    lengths(planSegments(order, target, "x", { workers: 4 }).map((p) => p.start).concat(600)),
    lengths(balanced),
  );
  // 3 workers: 9 of 2 s then 2 of 1 s (three full rounds and a short one, not four).
  assert.deepEqual(
    lengths(balanceBoundaries(order, bounds, { workers: 3, targetFrames: 60 })),
    [...Array(9).fill(60), 30, 30],
  );
  // One or two workers: 10 segments already balance; nothing is split.
  assert.deepEqual(balanceBoundaries(order, bounds, { workers: 1, targetFrames: 60 }), bounds);
  assert.deepEqual(balanceBoundaries(order, bounds, { workers: 2, targetFrames: 60 }), bounds);
  assert.deepEqual(planSegments(order, 60).length, 10);
  // Keyframes permitting: with one keyframe nothing splits; nor below minFrames.
  const one = orderFrames(simple(600, 0));
  const oneBounds = planBoundaries(one, 50);
  assert.deepEqual(balanceBoundaries(one, oneBounds, { workers: 4, targetFrames: 50 }), oneBounds);
  assert.deepEqual(
    balanceBoundaries(order, bounds, { workers: 4, targetFrames: 50, minFrames: 31 }),
    bounds,
  );
});

Deno.test("parseStreamListing: the first video stream's index, the first audio's duration", () => {
  const listing = parseStreamListing([
    "packet|stream_index=1|pts=0|dts=0|duration=1024|flags=K__",
    "packet|stream_index=0|pts=1024|dts=-512|duration=512|flags=K__",
    "packet|stream_index=1|pts=1024|dts=1024|duration=1024|flags=K__",
    "packet|stream_index=0|pts=2048|dts=0|duration=512|flags=___",
    "packet|stream_index=2|pts=0|dts=0|duration=9999|flags=K__",
    "packet|stream_index=1|pts=2048|dts=2048|duration=N/A|flags=K__",
    "stream|index=0|codec_name=h264|codec_type=video|time_base=1/15360|avg_frame_rate=30/1|start_time=0.066667",
    "stream|index=1|codec_name=aac|codec_type=audio|time_base=1/48000|avg_frame_rate=0/0|start_time=0.000000",
    "stream|index=2|codec_name=mp3|codec_type=audio|time_base=1/44100|avg_frame_rate=0/0|start_time=N/A",
    "format|start_time=0.000000|format_name=mov,mp4,m4a,3gp,3g2,mj2",
  ].join("\n"));
  assert.deepEqual(Array.from(listing.video.pts), [1024, 2048]);
  assert.deepEqual(Array.from(listing.video.dts), [-512, 0]);
  assert.deepEqual(Array.from(listing.video.flags), [KEY, 0]);
  assert.deepEqual(listing.video.timeBase, { num: 1, den: 15360 });
  assert.deepEqual(listing.video.avgFrameRate, { num: 30, den: 1 });
  assert.equal(listing.video.formatName, "mov,mp4,m4a,3gp,3g2,mj2");
  assert.equal(listing.audioDuration, 2048 / 48000); // the packet without a duration is left out
  assert.equal(listing.streams.length, 3);
  assert.equal(listing.streams[2].startTime, undefined);
  assert.deepEqual(audioPlanOf("in.mp4", listing), {
    input: "in.mp4",
    actions: ["copy", "copy"],
    videoOffset: 0.066667,
  });
  const silent = parseStreamListing(
    "packet|stream_index=0|pts=0|dts=0|duration=1|flags=K__\n" +
      "stream|index=0|codec_name=h264|codec_type=video|time_base=1/30|avg_frame_rate=30/1\n",
  );
  assert.equal(silent.audioDuration, undefined);
  assert.equal(audioPlanOf("in.mp4", silent), undefined);
  assert.throws(
    () => parseStreamListing("stream|index=0|codec_type=audio|time_base=1/48000"),
    SegmentUnsupportedError,
  );
});

Deno.test("balanceBoundaries: a 10-hour video and 64 workers plan at once", () => {
  const order = orderFrames(simple(1_080_000, 30));
  const bounds = planBoundaries(order, 60);
  const t0 = performance.now();
  const balanced = balanceBoundaries(order, bounds, { workers: 64, targetFrames: 60 });
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
  assert.equal(balanced.at(-1), 1_080_000);
  assert.ok(balanced.length >= bounds.length);
  // 18,000 segments fill 64 workers' rounds to within one segment: a split cannot help much.
  const before = finishTime(lengths(bounds), 64, 6);
  assert.ok(finishTime(lengths(balanced), 64, 6) <= before);
});
