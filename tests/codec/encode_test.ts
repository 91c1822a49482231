import assert from "node:assert/strict";
import { CodecError, decodeFrames, type Frame, openEncoder, probe } from "../../src/codec/mod.ts";
import { walkTopLevelBoxes } from "../../src/codec/sniff.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { BACKENDS } from "./backends.ts";

/** Independent check with the native ffprobe (tests may use it; .ci/run installs it). */
async function ffprobe(path: string): Promise<{ streams: Record<string, string | number>[] }> {
  const { stdout, success } = await new Deno.Command("ffprobe", {
    args: ["-v", "error", "-count_packets", "-show_streams", "-of", "json", path],
  }).output();
  assert.ok(success, `ffprobe failed on ${path}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

async function collect(input: string, backend: "wasm" | "native"): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(input, { backend })) frames.push(frame);
  return frames;
}

async function isFaststart(path: string): Promise<boolean> {
  using file = await Deno.open(path);
  const size = (await file.stat()).size;
  const walk = await walkTopLevelBoxes(async (at, length) => {
    await file.seek(at, Deno.SeekMode.Start);
    const buf = new Uint8Array(length);
    const n = await file.read(buf);
    return buf.subarray(0, n ?? 0);
  }, size);
  return walk.moov !== -1 && walk.moov < walk.mdat;
}

function invert(frame: Frame): Frame {
  return { ...frame, data: frame.data.map((v) => 255 - v) };
}

async function outDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "vframe-enc-" });
}

for (const backend of BACKENDS) {
  Deno.test(`[${backend}] transcode keeps frame count, duration and copies the audio`, async () => {
    const input = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
    const dir = await outDir();
    try {
      const info = await probe(input, { backend });
      const output = `${dir}/out.mp4`;
      const encoder = await openEncoder({
        output,
        width: 160,
        height: 120,
        fps: info.fps,
        audioFrom: input,
        backend,
      });
      for await (const frame of decodeFrames(input, { backend })) await encoder.write(frame);
      assert.equal(await encoder.close(), output);
      const out = await probe(output, { backend });
      assert.equal(out.frameCount, 60);
      assert.deepEqual(out.fps, { num: 30, den: 1 });
      assert.ok(
        Math.abs(out.duration - info.duration) < 0.001,
        `${out.duration} vs ${info.duration}`,
      );
      assert.equal(out.audio.length, 1);
      const [src, dst] = [await ffprobe(input), await ffprobe(output)];
      const srcAudio = src.streams.find((s) => s.codec_type === "audio")!;
      const dstAudio = dst.streams.find((s) => s.codec_type === "audio")!;
      const dstVideo = dst.streams.find((s) => s.codec_type === "video")!;
      assert.equal(dstAudio.codec_name, "aac");
      assert.equal(dstAudio.nb_read_packets, srcAudio.nb_read_packets, "audio packets copied 1:1");
      assert.equal(dstAudio.duration, srcAudio.duration);
      assert.equal(dstVideo.pix_fmt, "yuv420p");
      assert.equal(dstVideo.start_time, srcAudio.start_time, "video and audio start together");
      assert.ok(await isFaststart(output), "moov before mdat");
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((e) => e.name),
        ["out.mp4"],
        "no temp files left",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`[${backend}] a video that starts after its audio keeps its frame count and offset`, async () => {
    // Matroska from the sample maker: the video starts at pts ≈ 0.023 s, after the audio.
    const input = await makeSampleVideo({
      width: 160,
      height: 120,
      seconds: 2,
      audio: true,
      container: "mkv",
    });
    const dir = await outDir();
    try {
      const info = await probe(input, { backend });
      const output = `${dir}/out.mp4`;
      const encoder = await openEncoder({
        output,
        width: 160,
        height: 120,
        fps: info.fps,
        audioFrom: input,
        backend,
      });
      let written = 0;
      for await (const frame of decodeFrames(input, { backend })) {
        await encoder.write(frame);
        written++;
      }
      await encoder.close();
      assert.equal(written, info.frameCount);
      assert.equal((await probe(output, { backend })).frameCount, written, "no duplicated frame");
      const video = (await ffprobe(output)).streams.find((s) => s.codec_type === "video")!;
      assert.ok(
        Number(video.start_time) > 0.01,
        `video start ${video.start_time} keeps the offset`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`[${backend}] frames survive the round trip: invert, encode, decode, invert ≈ original`, async () => {
    const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
    const dir = await outDir();
    try {
      const original = await collect(input, backend);
      const output = `${dir}/inv.mp4`;
      const encoder = await openEncoder({
        output,
        width: 160,
        height: 120,
        fps: { num: 30, den: 1 },
        crf: 10,
        backend,
      });
      for (const frame of original) await encoder.write(invert(frame));
      await encoder.close();
      const back = (await collect(output, backend)).map(invert);
      assert.equal(back.length, original.length);
      for (const i of [0, 15, 29]) {
        let diff = 0;
        for (let p = 0; p < 160 * 120; p++) diff += Math.abs(back[i].data[p] - original[i].data[p]);
        const mean = diff / (160 * 120);
        assert.ok(mean < 2.5, `frame ${i}: mean luma difference ${mean.toFixed(2)}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`[${backend}] odd sizes are padded to even; 29.97 fps timing is exact`, async () => {
    const input = await makeSampleVideo({ width: 161, height: 91, fps: "30000/1001" });
    const dir = await outDir();
    try {
      const output = `${dir}/odd.mp4`;
      const encoder = await openEncoder({
        output,
        width: 161,
        height: 91,
        fps: { num: 30000, den: 1001 },
        backend,
      });
      for await (const frame of decodeFrames(input, { backend })) await encoder.write(frame);
      await encoder.close();
      const info = await probe(output, { backend });
      assert.deepEqual([info.width, info.height, info.frameCount], [162, 92, 30]);
      assert.deepEqual(info.fps, { num: 30000, den: 1001 });
      assert.ok(Math.abs(info.duration - 1.001) < 0.0005, `duration ${info.duration}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`[${backend}] audio MP4 cannot hold is re-encoded to AAC; opus is copied`, async () => {
    const dir = await outDir();
    try {
      for (const [codec, expected] of [["pcm_s16le", "aac"], ["libopus", "opus"]]) {
        const input = await makeSampleVideo({
          width: 160,
          height: 120,
          audio: true,
          audioCodec: codec,
          container: "mkv",
        });
        const output = `${dir}/${codec}.mp4`;
        const encoder = await openEncoder({
          output,
          width: 160,
          height: 120,
          fps: { num: 30, den: 1 },
          audioFrom: input,
          backend,
        });
        for await (const frame of decodeFrames(input, { backend })) await encoder.write(frame);
        await encoder.close();
        const info = await probe(output, { backend });
        assert.equal(info.audio[0]?.codec, expected, codec);
        assert.equal(info.frameCount, 30);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`[${backend}] abort and failures leave no output and no temp file`, async () => {
    const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
    const dir = await outDir();
    try {
      const frames = await collect(input, backend);
      const output = `${dir}/x.mp4`;
      const options = { output, width: 160, height: 120, fps: { num: 30, den: 1 }, backend };

      const aborted = await openEncoder(options);
      for (const frame of frames.slice(0, 10)) await aborted.write(frame);
      await aborted.abort();
      await aborted.abort();
      await assert.rejects(aborted.write(frames[10]), CodecError);

      const wrong = await openEncoder(options);
      await wrong.write(frames[0]);
      await assert.rejects(
        wrong.write({ ...frames[1], data: frames[1].data.subarray(1) }),
        /bytes/,
      );
      await wrong.abort();

      const outOfOrder = await openEncoder(options);
      await assert.rejects(outOfOrder.write(frames[3]), /expected index 0, got 3/);
      await outOfOrder.abort();

      const empty = await openEncoder(options);
      await assert.rejects(empty.close(), /no frames were written/);

      const signal = new AbortController();
      const viaSignal = await openEncoder({ ...options, signal: signal.signal });
      await viaSignal.write(frames[0]);
      signal.abort();
      await new Promise((r) => setTimeout(r, 50));
      await assert.rejects(viaSignal.close(), CodecError);

      assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("openEncoder checks its options", async () => {
  const base = { output: "/tmp/x.mp4", width: 16, height: 16, fps: { num: 25, den: 1 } };
  await assert.rejects(openEncoder({ ...base, crf: 60 }), /crf must be a number in 0..51, got 60/);
  await assert.rejects(
    openEncoder({ ...base, preset: "warp" }),
    /preset must be one of .* got 'warp'/,
  );
  await assert.rejects(openEncoder({ ...base, width: 0 }), /width must be an integer >= 1, got 0/);
  await assert.rejects(openEncoder({ ...base, fps: { num: 0, den: 1 } }), /fps/);
  await assert.rejects(openEncoder({ ...base, output: "/nonexistent-dir/x.mp4" }), /directory/);
});

Deno.test("[wasm] one encoder or many short segments: same frames, exact timing", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const dir = await outDir();
  const tmp = `${dir}/tmp`;
  await Deno.mkdir(tmp);
  try {
    const original = await collect(input, "wasm");
    for (const [workers, segmentFrames] of [[1, undefined], [3, 7]] as const) {
      const output = `${dir}/w${workers}.mp4`;
      const encoder = await openEncoder({
        output,
        width: 160,
        height: 120,
        fps: { num: 30, den: 1 },
        crf: 10,
        audioFrom: input,
        backend: "wasm",
        workers,
        segmentFrames,
        tempDir: tmp, // segment files go to a directory only this test uses
      });
      for (const frame of original) await encoder.write(frame);
      await encoder.close();
      const info = await probe(output, { backend: "native" });
      assert.equal(info.frameCount, 30, `workers ${workers}`);
      assert.equal(info.duration, 1, `workers ${workers}`);
      assert.equal(info.audio.length, 1);
      const back = await collect(output, "native");
      for (let i = 0; i < 30; i++) {
        let diff = 0;
        for (let p = 0; p < 160 * 120; p++) diff += Math.abs(back[i].data[p] - original[i].data[p]);
        assert.ok(diff / (160 * 120) < 2.5, `workers ${workers}, frame ${i} misplaced or lost`);
      }
    }
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "segment directories removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openEncoder: aborted while opening, it starts nothing and leaves no work files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-enc-abort-" });
  try {
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const opening = openEncoder({
        output: `${dir}/out${i}.mp4`,
        width: 64,
        height: 48,
        fps: { num: 25, den: 1 },
        backend: "wasm",
        workers: 2, // the segmented encoder: makes a segment folder in tempDir when it starts
        tempDir: dir,
        signal: controller.signal,
      });
      controller.abort(new Error("cancelled while opening"));
      await assert.rejects(opening, /cancelled while opening/);
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [], "nothing was started");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
