/**
 * Encoded chunks read in JS (no ffprobe, no ffmpeg): the frame count from the MP4's sample table
 * and the H.264 header from its `avcC` box. Synthetic SPSs show what the hash keeps and what it
 * leaves out (the level and the limits x264 derives from it); files x264 wrote show the JS reading
 * agrees with ffprobe's packet count and ffmpeg's `trace_headers` on which chunks join.
 */
import assert from "node:assert/strict";
import {
  avcHeader,
  probeEncodedChunk,
  readEncodedChunk,
  spsFields,
  traceEncodedChunk,
} from "../../src/codec/segment/mod.ts";
import { unescapeRbsp } from "../../src/codec/segment/h264_header.ts";
import { moovVideoTrack, readMp4VideoTrack } from "../../src/codec/mp4_timing.ts";

/** Writes bits, most significant first. */
class BitWriter {
  bits: number[] = [];
  u(n: number, v: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2);
    return this;
  }
  ue(v: number): this {
    const code = v + 1;
    const len = Math.floor(Math.log2(code));
    return this.u(len, 0).u(len + 1, code);
  }
  se(v: number): this {
    return this.ue(v <= 0 ? -2 * v : 2 * v - 1);
  }
  /** rbsp_trailing_bits, then the bytes with emulation prevention and a NAL header byte. */
  nal(header: number): Uint8Array {
    this.bits.push(1);
    while (this.bits.length % 8) this.bits.push(0);
    const rbsp: number[] = [];
    for (let i = 0; i < this.bits.length; i += 8) {
      rbsp.push(this.bits.slice(i, i + 8).reduce((a, b) => a * 2 + b, 0));
    }
    const out = [header];
    let zeros = 0;
    for (const byte of rbsp) {
      if (zeros >= 2 && byte <= 3) {
        out.push(3);
        zeros = 0;
      }
      out.push(byte);
      zeros = byte === 0 ? zeros + 1 : 0;
    }
    return Uint8Array.from(out);
  }
}

interface SpsOptions {
  level?: number;
  refs?: number;
  mvLength?: number;
  bytesPerPic?: number;
  width?: number;
}

/** A High-profile SPS as x264 writes it (VUI with timing and bitstream restriction). */
function sps(o: SpsOptions = {}): Uint8Array {
  const w = new BitWriter()
    .u(8, 100).u(8, 0).u(8, o.level ?? 31).ue(0)
    .ue(1).ue(0).ue(0).u(1, 0).u(1, 0) // chroma 4:2:0, 8 bits, no scaling matrix
    .ue(0).ue(0).ue(2) // frame_num, POC type 0
    .ue(o.refs ?? 4).u(1, 0).ue((o.width ?? 80) - 1).ue(44).u(1, 1).u(1, 1).u(1, 0)
    .u(1, 1) // VUI
    .u(1, 0).u(1, 0).u(1, 0).u(1, 0) // aspect, overscan, signal type, chroma location
    .u(1, 1).u(32, 1).u(32, 60).u(1, 0) // timing
    .u(1, 0).u(1, 0).u(1, 0) // no HRD, pic_struct
    .u(1, 1).u(1, 1).ue(o.bytesPerPic ?? 0).ue(0).ue(o.mvLength ?? 11).ue(o.mvLength ?? 11)
    .ue(2).ue(4);
  return w.nal(0x67);
}

/** An avcC payload with the given SPSs and one PPS. */
function avcC(spss: Uint8Array[], pps = Uint8Array.of(0x68, 0xef, 0x8f, 0xcb)): Uint8Array {
  const out = [1, 100, 0, 31, 0xff, 0xe0 | spss.length];
  for (const s of spss) out.push(s.length >> 8, s.length & 255, ...s);
  out.push(1, pps.length >> 8, pps.length & 255, ...pps);
  return Uint8Array.from(out);
}

Deno.test("spsFields reads every field of an x264 SPS; the level and its limits are set apart", () => {
  const { fields, level } = spsFields(sps());
  assert.equal(level, 31);
  const map = new Map(fields);
  assert.equal(map.get("max_num_ref_frames"), 4);
  assert.equal(map.get("pic_width_in_mbs_minus1"), 79);
  assert.equal(map.get("time_scale"), 60);
  assert.equal(map.get("log2_max_mv_length_vertical"), 11);
  assert.equal(map.get("max_dec_frame_buffering"), 4);
  assert.equal(map.has("rbsp_rest"), false, "the stop bit and zeros end it");
  // The level and what follows from it do not change the header's fields…
  const base = avcHeader(avcC([sps()]));
  const other = avcHeader(avcC([sps({ level: 40, mvLength: 12, bytesPerPic: 2 })]));
  assert.deepEqual(other.fields, base.fields);
  assert.equal(other.level, 40);
  assert.equal(base.level, 31);
  // …every other field does, as does the PPS and the NAL length size.
  assert.notDeepEqual(avcHeader(avcC([sps({ refs: 3 })])).fields, base.fields);
  assert.notDeepEqual(avcHeader(avcC([sps({ width: 81 })])).fields, base.fields);
  assert.notDeepEqual(
    avcHeader(avcC([sps()], Uint8Array.of(0x68, 0xee, 0x3c, 0x80))).fields,
    base.fields,
  );
  const twoBytes = avcC([sps()]);
  twoBytes[4] = 0xfd;
  assert.notDeepEqual(avcHeader(twoBytes).fields, base.fields);
  // Bits after the VUI (none in a standard SPS) are kept.
  const extra = sps();
  const longer = Uint8Array.from([...extra.subarray(0, -1), extra.at(-1)! ^ 0x01, 0x80]);
  assert.equal(new Map(spsFields(longer).fields).has("rbsp_rest"), true);
});

Deno.test("spsFields: emulation prevention bytes removed; a cut SPS or avcC refused", () => {
  assert.deepEqual(Array.from(unescapeRbsp(Uint8Array.of(0x67, 0, 0, 3, 1, 0, 0, 3))), [
    0,
    0,
    1,
    0,
    0,
  ]);
  // The timing info's 32-bit fields put 00 00 0x in the bitstream: written with 03 between.
  const small = sps({ width: 1, refs: 0 });
  assert.equal(new Map(spsFields(small).fields).get("pic_width_in_mbs_minus1"), 0);
  assert.throws(() => spsFields(sps().subarray(0, 8)), RangeError);
  assert.throws(() => avcHeader(avcC([sps()]).subarray(0, 12)), RangeError);
  assert.throws(() => avcHeader(Uint8Array.of(0)), RangeError);
});

Deno.test("moovVideoTrack: no video track, or a broken table, is undefined", () => {
  assert.equal(moovVideoTrack(new Uint8Array(0)), undefined);
  assert.equal(moovVideoTrack(Uint8Array.of(0, 0, 0, 9, 0x74, 0x72, 0x61, 0x6b)), undefined);
});

async function ffmpeg(args: string[]): Promise<void> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args],
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/** A clip x264 encodes: `frames` of testsrc2 at `size`, with more x264 arguments. */
async function encode(path: string, size: string, frames: number, x264: string[]): Promise<void> {
  await ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=30`, "-frames:v", String(frames)],
    ...["-c:v", "libx264", "-pix_fmt", "yuv420p", ...x264, path],
  ]);
}

Deno.test("readEncodedChunk agrees with ffprobe and trace_headers on x264's files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-header-test-" });
  try {
    const files = {
      // The same stream at two levels: it joins (the output declares the higher level).
      a: ["-preset", "ultrafast"],
      level: ["-preset", "ultrafast", "-level", "4.1"],
      // B-frames and CABAC: another header.
      medium: ["-preset", "veryfast", "-bf", "2"],
    };
    const info: Record<
      string,
      {
        js: Awaited<ReturnType<typeof readEncodedChunk>>;
        trace: Awaited<ReturnType<typeof traceEncodedChunk>>;
      }
    > = {};
    for (const [name, args] of Object.entries(files)) {
      const path = `${dir}/${name}.mp4`;
      await encode(path, "320x240", 23, args);
      info[name] = {
        js: await readEncodedChunk(path),
        trace: await traceEncodedChunk(path, "native"),
      };
    }
    const small = `${dir}/small.mp4`;
    await encode(small, "160x120", 7, ["-preset", "ultrafast"]);
    info.small = {
      js: await readEncodedChunk(small),
      trace: await traceEncodedChunk(small, "native"),
    };
    for (const [name, { js, trace }] of Object.entries(info)) {
      assert.ok(js, `${name} reads in JS`);
      assert.equal(js.frames, trace.frames, `${name}: frames`);
      assert.equal(js.level, trace.level, `${name}: level`);
      assert.match(js.headerHash, /^sha256:[0-9a-f]{64}$/);
      assert.notEqual(js.headerHash, trace.headerHash, `${name}: hashed another way`);
    }
    assert.equal(info.a.js!.frames, 23);
    assert.equal(info.level.js!.level, 41);
    // Which files join: the same answer both ways.
    const names = Object.keys(info);
    for (const x of names) {
      for (const y of names) {
        assert.equal(
          info[x].js!.headerHash === info[y].js!.headerHash,
          info[x].trace.headerHash === info[y].trace.headerHash,
          `${x} and ${y}`,
        );
      }
    }
    assert.equal(info.a.js!.headerHash, info.level.js!.headerHash);
    assert.notEqual(info.a.js!.headerHash, info.medium.js!.headerHash);
    assert.notEqual(info.a.js!.headerHash, info.small.js!.headerHash);
    // Not H.264, or not an MP4: no JS reading, probeEncodedChunk asks ffprobe and ffmpeg.
    const mpeg4 = `${dir}/mpeg4.mp4`;
    await ffmpeg([
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=160x120:rate=30",
      "-frames:v",
      "5",
      "-c:v",
      "mpeg4",
      mpeg4,
    ]);
    assert.equal(await readEncodedChunk(mpeg4), undefined);
    assert.equal((await readMp4VideoTrack(mpeg4))?.samples, 5);
    assert.equal((await probeEncodedChunk(mpeg4, "native")).frames, 5);
    const mkv = `${dir}/a.mkv`;
    await ffmpeg(["-i", `${dir}/a.mp4`, "-c", "copy", mkv]);
    assert.equal(await readEncodedChunk(mkv), undefined);
    const probed = await probeEncodedChunk(mkv, "native");
    assert.equal(probed.frames, 23);
    assert.equal(probed.headerHash, info.a.trace.headerHash);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
