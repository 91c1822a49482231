/**
 * The native backend's frame channel (a Unix socket, else the pipe) and frame-buffer reuse.
 * These tests need `ffmpeg` and `ffprobe` on PATH.
 */
import assert from "node:assert/strict";
import { CodecError, decodeFrames, openEncoder, probe } from "../../src/codec/mod.ts";
import { preferredChannel, spawnReading } from "../../src/codec/native/channel.ts";
import { makeSampleVideo } from "../helpers/video.ts";

function checksum(data: Uint8Array): number {
  let h = 2166136261;
  for (let i = 0; i < data.length; i += 7) h = Math.imul(h ^ data[i], 16777619);
  return h >>> 0;
}

Deno.test("[native] ffmpeg writes frames to vframe over a Unix socket", async () => {
  const path = await makeSampleVideo({ width: 64, height: 48, seconds: 1 });
  const process = await spawnReading({
    args: (url) => [
      ...["-nostdin", "-hide_banner", "-loglevel", "error", "-i", path],
      ...["-f", "yuv4mpegpipe", "-pix_fmt", "yuv420p", url],
    ],
  });
  try {
    assert.equal(process.kind, "socket");
    const buffer = new Uint8Array(1 << 16);
    let total = 0;
    while (true) {
      const n = await process.reader.read(buffer);
      if (n === null) break;
      total += n;
    }
    const headerBytes = "YUV4MPEG2 W64 H48".length;
    assert.ok(total > 30 * (64 * 48 * 1.5) + headerBytes, `read ${total} bytes`);
    assert.equal((await process.child.status).success, true);
    assert.equal(preferredChannel(true), "socket");
  } finally {
    await process.reader.cancel();
    await process.stderr;
  }
});

Deno.test("[native] recycled frame buffers are refilled: the same frames, fewer buffers", async () => {
  const path = await makeSampleVideo({ width: 96, height: 64, seconds: 2 });
  const plain: number[] = [];
  for await (const frame of decodeFrames(path, { backend: "native" })) {
    plain.push(checksum(frame.data));
  }
  const recycled: number[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const frames = decodeFrames(path, { backend: "native", maxBuffered: 2 });
  for await (const frame of frames) {
    recycled.push(checksum(frame.data));
    buffers.add(frame.data.buffer);
    assert.equal(frames.recycle(frame.data), true);
  }
  assert.equal(plain.length, 60);
  assert.deepEqual(recycled, plain);
  assert.ok(buffers.size <= 4, `${buffers.size} buffers for 60 frames`);
  // Buffers that do not fit are ignored.
  assert.equal(frames.recycle(new Uint8Array(5)), false);
});

Deno.test("[native] once decoding ended, frames given back are freed, not kept for it", async () => {
  const path = await makeSampleVideo({ width: 96, height: 64, seconds: 1 });
  const frames = decodeFrames(path, { backend: "native", maxBuffered: 2 });
  const held = [];
  for await (const frame of frames) held.push(frame.data); // still "in flight" at the end
  assert.ok(held.length >= 25, `${held.length} frames`);
  assert.equal(frames.recycle(held[0]), false, "not kept");
  assert.equal(held[0].length, 0, "freed (detached) at once");
  assert.equal(held[1].length, 96 * 64 * 1.5, "a frame not given back is the caller's");
});

Deno.test("[native] an ffmpeg without the unix protocol: decoding and encoding fall back to the pipe", async () => {
  // In a child process: PATH is process-wide, and other test modules run beside this one.
  const which = (program: string) =>
    new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "piped" }).output()
      .then((o) => new TextDecoder().decode(o.stdout).trim());
  const [ffmpeg, ffprobe] = await Promise.all([which("ffmpeg"), which("ffprobe")]);
  const bin = await Deno.makeTempDir();
  const input = await makeSampleVideo({ width: 80, height: 60, seconds: 1, audio: true });
  const output = `${bin}/out.mp4`;
  try {
    await Deno.writeTextFile(
      `${bin}/ffmpeg`,
      `#!/bin/sh\nfor a in "$@"; do case "$a" in unix:*) echo "$a: Protocol not found" >&2; ` +
        `exit 1;; esac; done\nexec ${ffmpeg} "$@"\n`,
      { mode: 0o755 },
    );
    await Deno.symlink(ffprobe, `${bin}/ffprobe`);
    const mod = new URL("../../src/codec/mod.ts", import.meta.url).href;
    const channel = new URL("../../src/codec/native/channel.ts", import.meta.url).href;
    const script = `
      import { decodeFrames, openEncoder } from "${mod}";
      import { preferredChannel } from "${channel}";
      const encoder = await openEncoder({ output: ${JSON.stringify(output)}, width: 80,
        height: 60, fps: { num: 30, den: 1 }, audioFrom: ${JSON.stringify(input)},
        backend: "native", preset: "ultrafast" });
      let frames = 0;
      for await (const frame of decodeFrames(${JSON.stringify(input)}, { backend: "native" })) {
        await encoder.write(frame);
        frames++;
      }
      await encoder.close();
      console.log(JSON.stringify({ frames, channel: preferredChannel(true) }));
    `;
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
      env: { PATH: bin },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    const seen = JSON.parse(new TextDecoder().decode(stdout));
    assert.deepEqual(seen, { frames: 30, channel: "pipe" });
    const info = await probe(output, { backend: "native" });
    assert.equal(info.frameCount, 30);
    assert.equal(info.audio.length, 1);
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("[native] an encoder whose ffmpeg fails after connecting reports ffmpeg's error", async () => {
  const dir = await Deno.makeTempDir();
  const encoder = await openEncoder({
    output: `${dir}/out.mp4`,
    width: 64,
    height: 48,
    fps: { num: 30, den: 1 },
    backend: "native",
  });
  // ffmpeg connects to read frames, then cannot create its output file.
  await Deno.remove(dir, { recursive: true });
  const frame = { index: 0, pts: 0, width: 64, height: 48, data: new Uint8Array(64 * 48 * 1.5) };
  await assert.rejects(async () => {
    for (let i = 0; i < 1000; i++) await encoder.write({ ...frame, index: i });
    await encoder.close();
  }, (e: unknown) => {
    assert.ok(e instanceof CodecError, String(e));
    assert.match(e.message, /No such file or directory|failed to encode/);
    return true;
  });
  await encoder.abort();
});
