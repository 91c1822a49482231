import assert from "node:assert/strict";
import { decodeFrames, type Frame, InvalidInputError } from "../../src/codec/mod.ts";
import { startDecoder } from "../../src/codec/decode.ts";
import { frameSize } from "../../src/codec/frame.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { BACKENDS } from "./backends.ts";
import { badInputs, EXPECTED_REASON } from "./bad_inputs.ts";

async function collect(input: string | ReadableStream<Uint8Array>, options = {}): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of decodeFrames(input, options)) frames.push(frame);
  return frames;
}

async function fileStream(path: string): Promise<ReadableStream<Uint8Array>> {
  return (await Deno.open(path)).readable;
}

function sum(data: Uint8Array): number {
  let s = 0;
  for (const b of data) s += b;
  return s;
}

for (const backend of BACKENDS) {
  Deno.test(`[${backend}] decodeFrames yields every frame with index, pts and its own data`, async () => {
    const path = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
    const frames = await collect(path, { backend });
    assert.equal(frames.length, 60);
    frames.forEach((f, i) => {
      assert.equal(f.index, i);
      assert.ok(Math.abs(f.pts - i / 30) < 1e-9);
      assert.equal(f.width, 160);
      assert.equal(f.height, 120);
      assert.equal(f.data.length, frameSize(160, 120));
    });
    assert.notEqual(frames[0].data.buffer, frames[1].data.buffer, "each frame owns its buffer");
    assert.notEqual(sum(frames[0].data), sum(frames[30].data), "testsrc2 moves between frames");
  });

  Deno.test(`[${backend}] odd size at 29.97 fps`, async () => {
    const frames = await collect(
      await makeSampleVideo({ width: 161, height: 91, fps: "30000/1001" }),
      { backend },
    );
    assert.equal(frames.length, 30);
    assert.equal(frames[0].data.length, frameSize(161, 91));
    assert.ok(Math.abs(frames[29].pts - 29 * 1001 / 30000) < 1e-9);
  });

  Deno.test(`[${backend}] rotated input comes out upright (rotated 90° clockwise)`, async () => {
    const plain =
      (await collect(await makeSampleVideo({ width: 160, height: 120 }), { backend }))[5];
    const turned =
      (await collect(await makeSampleVideo({ width: 160, height: 120, rotate: 90 }), { backend }))[
        5
      ];
    assert.deepEqual([turned.width, turned.height], [120, 160]);
    // clockwise: turned(x, y) = plain(y, H-1-x) with W=160, H=120
    let mismatches = 0;
    for (let y = 0; y < 160; y++) {
      for (let x = 0; x < 120; x++) {
        if (turned.data[y * 120 + x] !== plain.data[(119 - x) * 160 + y]) mismatches++;
      }
    }
    assert.equal(mismatches, 0);
  });

  Deno.test(`[${backend}] decodes a byte stream, faststart or with the index at the end`, async () => {
    const fast = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
    const late = await makeSampleVideo({ width: 160, height: 120, seconds: 1, faststart: false });
    const fromFile = await collect(fast, { backend });
    const fromStream = await collect(await fileStream(fast), { backend });
    assert.equal(fromStream.length, 30);
    assert.deepEqual(fromStream[7].data, fromFile[7].data);
    assert.equal((await collect(await fileStream(late), { backend })).length, 30);
    const mkv = await makeSampleVideo({ width: 160, height: 120, container: "mkv" });
    assert.equal((await collect(await fileStream(mkv), { backend })).length, 30);
  });

  Deno.test(`[${backend}] bad inputs fail with InvalidInputError, files and streams`, async () => {
    const bad = await badInputs();
    for (const [name, path] of Object.entries(bad)) {
      await assert.rejects(collect(path, { backend }), (e: unknown) => {
        assert.ok(e instanceof InvalidInputError, `${name}: ${e}`);
        assert.equal(e.reason, EXPECTED_REASON[name as keyof typeof bad], `${name}: ${e.message}`);
        return true;
      });
    }
    for (const name of ["empty", "text", "png", "garbage", "truncatedMoovAtEnd"] as const) {
      await assert.rejects(collect(await fileStream(bad[name]), { backend }), (e: unknown) => {
        assert.ok(e instanceof InvalidInputError, `${name} stream: ${e}`);
        return true;
      });
    }
  });

  Deno.test(`[${backend}] the decoder never holds more than maxBuffered frames`, async () => {
    const path = await makeSampleVideo({ width: 160, height: 120, seconds: 2 });
    const decoder = startDecoder(backend, { kind: "file", path }, {
      maxBuffered: 3,
      inputName: path,
    });
    try {
      await decoder.header();
      const deadline = Date.now() + 10_000;
      while (decoder.buffered < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(decoder.buffered, 3, "fills up to maxBuffered");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(decoder.buffered, 3, "then waits for the consumer");
      let count = 0;
      while (await decoder.next()) {
        count++;
        assert.ok(decoder.buffered <= 3);
      }
      assert.equal(count, 60);
    } finally {
      await decoder.cancel();
    }
  });

  Deno.test(`[${backend}] breaking out of the loop stops the decoder and frees it`, async () => {
    const path = await makeSampleVideo({ width: 320, height: 240, seconds: 3 });
    let seen = 0;
    for await (const frame of decodeFrames(path, { backend, maxBuffered: 2 })) {
      seen = frame.index;
      if (frame.index === 2) break;
    }
    assert.equal(seen, 2);
    for await (const frame of decodeFrames(await fileStream(path), { backend, maxBuffered: 2 })) {
      seen = frame.index;
      if (frame.index === 4) break;
    }
    assert.equal(seen, 4);
    // the test sanitizers fail this test if a process, worker, file or stream was left behind
  });

  Deno.test(`[${backend}] an AbortSignal stops decoding with its reason`, async () => {
    const path = await makeSampleVideo({ width: 320, height: 240, seconds: 3 });
    const controller = new AbortController();
    const reason = new Error("stop now");
    await assert.rejects(async () => {
      for await (const frame of decodeFrames(path, { backend, signal: controller.signal })) {
        if (frame.index === 3) controller.abort(reason);
      }
    }, (e: unknown) => e === reason);
  });

  Deno.test(`[${backend}] frame limit applies to streams while decoding`, async () => {
    const path = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
    await assert.rejects(
      collect(await fileStream(path), { backend, limits: { maxFrames: 10 } }),
      (e: unknown) => {
        return e instanceof InvalidInputError && e.reason === "too-large";
      },
    );
    await assert.rejects(
      collect(await fileStream(path), { backend, limits: { maxDimension: 100 } }),
      /160x120/,
    );
  });
}

Deno.test("both backends decode the same pixels (yuv420p source: no conversion)", async () => {
  const path = await makeSampleVideo({ width: 160, height: 120, fps: "30000/1001" });
  const [wasm, native] = await Promise.all([
    collect(path, { backend: "wasm" }),
    collect(path, { backend: "native" }),
  ]);
  assert.equal(wasm.length, native.length);
  for (let i = 0; i < wasm.length; i++) {
    assert.deepEqual(wasm[i].data, native[i].data, `frame ${i}`);
  }
});

Deno.test("[wasm] the caller's event loop keeps running while ffmpeg.wasm decodes", async () => {
  const path = await makeSampleVideo({ width: 640, height: 480, seconds: 4 });
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  let frames = 0;
  try {
    for await (const _ of decodeFrames(path, { backend: "wasm" })) frames++;
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - started;
  assert.equal(frames, 120);
  assert.ok(ticks >= 10, `timer fired ${ticks} times in ${elapsed.toFixed(0)} ms`);
  assert.ok(
    maxGap < Math.max(250, elapsed / 4),
    `longest pause ${maxGap.toFixed(0)} ms of ${elapsed.toFixed(0)} ms`,
  );
});

Deno.test("decodeFrames checks its options at once", () => {
  assert.throws(
    () => decodeFrames("x.mp4", { maxBuffered: 0 }),
    /maxBuffered must be an integer >= 1, got 0/,
  );
  assert.throws(() => decodeFrames("", {}), TypeError);
  assert.throws(() => decodeFrames("x.mp4", { limits: { maxDimension: -1 } }), RangeError);
});
