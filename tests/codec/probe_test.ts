import assert from "node:assert/strict";
import { InvalidInputError, probe } from "../../src/codec/mod.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { BACKENDS } from "./backends.ts";
import { badInputs, EXPECTED_REASON } from "./bad_inputs.ts";

for (const backend of BACKENDS) {
  Deno.test(`[${backend}] probe reads size, rate, frames, duration, audio`, async () => {
    const path = await makeSampleVideo({ width: 160, height: 120, seconds: 2, audio: true });
    const info = await probe(path, { backend });
    assert.equal(info.width, 160);
    assert.equal(info.height, 120);
    assert.deepEqual(info.fps, { num: 30, den: 1 });
    assert.equal(info.frameCount, 60);
    assert.ok(Math.abs(info.duration - 2) < 0.01, `duration ${info.duration}`);
    assert.equal(info.rotation, 0);
    assert.equal(info.pixelFormat, "yuv420p");
    assert.equal(info.videoCodec, "h264");
    assert.equal(info.audio.length, 1);
    assert.equal(info.audio[0].codec, "aac");
    assert.equal(info.audio[0].channels, 1);
  });

  Deno.test(`[${backend}] probe: 29.97 fps odd size, rotation, mkv without frame count`, async () => {
    const odd = await probe(await makeSampleVideo({ width: 161, height: 91, fps: "30000/1001" }), {
      backend,
    });
    assert.deepEqual([odd.width, odd.height, odd.fps.num, odd.fps.den, odd.frameCount], [
      161,
      91,
      30000,
      1001,
      30,
    ]);
    const rotated = await probe(await makeSampleVideo({ width: 160, height: 120, rotate: 90 }), {
      backend,
    });
    assert.deepEqual([rotated.rotation, rotated.width, rotated.height], [90, 120, 160]);
    const mkv = await probe(await makeSampleVideo({ width: 160, height: 120, container: "mkv" }), {
      backend,
    });
    assert.equal(mkv.frameCount, 30);
  });

  Deno.test(`[${backend}] probe refuses bad inputs with a named reason`, async () => {
    const bad = await badInputs();
    for (const [name, path] of Object.entries(bad)) {
      await assert.rejects(probe(path, { backend }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, `${name}: ${error}`);
        assert.equal(
          error.reason,
          EXPECTED_REASON[name as keyof typeof bad],
          `${name}: ${error.message}`,
        );
        assert.ok(error.message.startsWith(path), error.message);
        return true;
      });
    }
  });

  Deno.test(`[${backend}] probe enforces the input limits`, async () => {
    const path = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
    await assert.rejects(
      probe(path, { backend, limits: { maxDimension: 128 } }),
      /160x120.*128 px/,
    );
    await assert.rejects(probe(path, { backend, limits: { maxFrames: 10 } }), /limit of 10/);
    const info = await probe(path, { backend, limits: { maxDimension: 160, maxFrames: 30 } });
    assert.equal(info.frameCount, 30);
  });
}
