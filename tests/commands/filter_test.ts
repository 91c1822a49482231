import assert from "node:assert/strict";
import { decodeFrames, type Frame, InvalidInputError, probe } from "../../src/codec/mod.ts";
import {
  OutputNotWritableError,
  parseSize,
  runFilter,
  runRawFilter,
  UsageError,
} from "../../src/commands/filter.ts";
import { filterInOrder, type FramePool, type PoolFactory } from "../../src/commands/filter_pool.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { makeSampleVideo } from "../helpers/video.ts";
import { BACKENDS } from "../codec/backends.ts";
import { badInputs } from "../codec/bad_inputs.ts";
import { concatBytes } from "../helpers/bytes.ts";

const FILTER_MODULE = new URL("../../src/commands/filter.ts", import.meta.url).href;
const DENO = Deno.execPath();

async function frames(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of decodeFrames(path, { backend: "native" })) out.push(f);
  return out;
}

function meanLumaDiff(a: Uint8Array, b: Uint8Array, pixels: number, invertB = false): number {
  let d = 0;
  for (let i = 0; i < pixels; i++) d += Math.abs(a[i] - (invertB ? 255 - b[i] : b[i]));
  return d / pixels;
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "vframe-filter-" });
}

/** Runs `vframe filter` in a subprocess (only this command's module is loaded). */
async function cli(args: string[], options: { stdin?: Uint8Array } = {}) {
  const code = `import { filterCommand } from "${FILTER_MODULE}";
    await filterCommand().parseAsync(Deno.args, { from: "user" });`;
  const child = new Deno.Command(DENO, {
    args: [
      "eval",
      "--config",
      new URL("../../deno.json", import.meta.url).pathname,
      code,
      "--",
      ...args,
    ],
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const { code: exitCode, stdout, stderr } = await child.output();
  return {
    exitCode,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

for (const backend of BACKENDS) {
  Deno.test(`[${backend}] runFilter: invert on the wasm filter pool, audio kept, summary`, async () => {
    const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
    const dir = await tempDir();
    try {
      const output = `${dir}/out.mp4`;
      const summary = await runFilter({
        input,
        output,
        filter: "invert",
        codec: backend,
        threads: 2,
        crf: 12,
      });
      assert.equal(summary.frames, 30);
      assert.equal(summary.codec, backend);
      assert.equal(summary.filter, "invert");
      assert.equal(summary.audioStreams, 1);
      assert.ok(summary.outputBytes > 0 && summary.throughputFps > 0);
      const info = await probe(output);
      assert.equal(info.frameCount, 30);
      assert.equal(info.audio[0]?.codec, "aac");
      const [src, dst] = [await frames(input), await frames(output)];
      for (const i of [0, 14, 29]) {
        const diff = meanLumaDiff(dst[i].data, src[i].data, 160 * 120, true);
        assert.ok(
          diff < 2.5,
          `frame ${i} not the inverse of the input (mean diff ${diff.toFixed(2)})`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("filterInOrder keeps order and at most inFlight frames in the pool", async () => {
  let active = 0;
  let peak = 0;
  const pool: FramePool = {
    async run(_chain, _w, _h, data) {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, Math.random() * 8));
      active--;
      return { data: data.map((v) => 255 - v) };
    },
    close: () => Promise.resolve(),
  };
  async function* source(): AsyncGenerator<Frame> {
    for (let index = 0; index < 40; index++) {
      yield { index, pts: index / 30, width: 2, height: 2, data: new Uint8Array(6).fill(index) };
    }
  }
  const seen: number[] = [];
  const count = await filterInOrder(source(), pool, parseChain("invert"), {
    inFlight: 4,
    timeoutMs: 1000,
  }, (f) => {
    seen.push(f.index);
    assert.equal(f.data[0], 255 - f.index);
    return Promise.resolve();
  });
  assert.equal(count, 40);
  assert.deepEqual(seen, [...Array(40).keys()]);
  assert.ok(peak <= 4 && peak >= 2, `peak in flight ${peak}`);
});

Deno.test("runFilter: bad chain, output = input, bad inputs, pool failure — never an output file", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const dir = await tempDir();
  try {
    const output = `${dir}/out.mp4`;
    await assert.rejects(runFilter({ input, output, filter: "blurr=sigma=3" }), UsageError);
    await assert.rejects(runFilter({ input, output, filter: "" }), /missing --filter/);
    await assert.rejects(runFilter({ input, output: input, filter: "invert" }), /is the input/);
    const bad = await badInputs();
    for (const path of [bad.text, bad.truncated, bad.png, bad.audioOnly, bad.empty]) {
      await assert.rejects(runFilter({ input: path, output, filter: "invert" }), InvalidInputError);
    }
    await assert.rejects(
      runFilter({ input, output, filter: "invert", limits: { maxDimension: 100 } }),
      (e: unknown) => e instanceof InvalidInputError && e.reason === "too-large",
    );
    const failing: FramePool = {
      run: (_c, _w, _h, data) =>
        data[0] === data[0] && Math.random() < 0.2
          ? Promise.reject(new Error("worker died"))
          : Promise.resolve({ data }),
      close: () => Promise.resolve(),
    };
    await assert.rejects(
      runFilter({ input, output, filter: "invert" }, () => Promise.resolve(failing)),
      /worker died/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no output and no temp file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runRawFilter through named FIFOs", async () => {
  const dir = await tempDir();
  try {
    const [inFifo, outFifo] = [`${dir}/in.fifo`, `${dir}/out.fifo`];
    for (const fifo of [inFifo, outFifo]) {
      assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    }
    const width = 33;
    const height = 17;
    const size = width * height + 2 * 17 * 9;
    const count = 12;
    const writing = (async () => {
      using file = await Deno.open(inFifo, { write: true });
      for (let i = 0; i < count; i++) {
        const data = new Uint8Array(size).map((_, p) => (p * 7 + i * 13) & 255);
        await file.write(data);
      }
    })();
    const reading = (async () => {
      using file = await Deno.open(outFifo, { read: true });
      const chunks: Uint8Array[] = [];
      for await (const chunk of file.readable) chunks.push(chunk);
      return chunks;
    })();
    const summary = await runRawFilter({
      input: inFifo,
      output: outFifo,
      width,
      height,
      filter: "invert",
      threads: 2,
    });
    await writing;
    const chunks = await reading;
    const all = concatBytes(chunks);
    assert.equal(summary.frames, count);
    assert.equal(all.length, count * size);
    for (const i of [0, 5, 11]) {
      for (const p of [0, 100, size - 1]) {
        assert.equal(all[i * size + p], 255 - ((p * 7 + i * 13) & 255));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseSize reads WIDTHxHEIGHT", () => {
  assert.deepEqual(parseSize("1280x720"), { width: 1280, height: 720 });
  assert.throws(() => parseSize("1280"), /expected WIDTHxHEIGHT/);
  assert.throws(() => parseSize("0x10"), /got '0x10'/);
});

Deno.test("CLI: --json summary and exit 0; bad input exit 1; bad chain exit 2; no output on failure", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const dir = await tempDir();
  try {
    const ok = await cli([
      input,
      `${dir}/ok.mp4`,
      "--filter",
      "invert",
      "--codec",
      "wasm",
      "--json",
    ]);
    assert.equal(ok.exitCode, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout);
    assert.equal(summary.frames, 30);
    assert.equal(summary.codec, "wasm");
    assert.match(
      ok.stderr,
      /vframe filter: 30\/30 \(100%\) frames/,
      "plain progress lines off a terminal",
    );

    const bad = await cli([(await badInputs()).text, `${dir}/bad.mp4`, "--filter", "invert"]);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /error: .*text file, not a video/);

    const chain = await cli([input, `${dir}/chain.mp4`, "--filter", "blur=sigmaa=3"]);
    assert.equal(chain.exitCode, 2);
    assert.match(chain.stderr, /bad --filter "blur=sigmaa=3"/);

    const flag = await cli([input, `${dir}/flag.mp4`, "--filter", "invert", "--crf", "99"]);
    assert.equal(flag.exitCode, 2);
    assert.match(flag.stderr, /expected an integer in 0..51, got '99'/);

    const missing = await cli([input]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /missing required argument 'output'/);

    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ok.mp4"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI raw mode in a shell pipeline: ffmpeg | vframe filter --raw | ffmpeg", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await tempDir();
  try {
    const output = `${dir}/piped.mp4`;
    const code = `import { filterCommand } from "${FILTER_MODULE}";
      await filterCommand().parseAsync(Deno.args, { from: "user" });`;
    const script = [
      `ffmpeg -v error -i '${input}' -f rawvideo -pix_fmt yuv420p -`,
      `'${DENO}' eval --config '${
        new URL("../../deno.json", import.meta.url).pathname
      }' '${code}' -- --raw 160x120 --filter invert --no-progress - -`,
      `ffmpeg -v error -f rawvideo -pix_fmt yuv420p -s 160x120 -r 30 -i - -c:v libx264 -crf 12 '${output}'`,
    ].join(" | ");
    const result = await new Deno.Command("bash", { args: ["-c", `set -o pipefail; ${script}`] })
      .output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
    const [src, dst] = [await frames(input), await frames(output)];
    assert.equal(dst.length, 30);
    const diff = meanLumaDiff(dst[10].data, src[10].data, 160 * 120, true);
    assert.ok(diff < 3, `mean diff ${diff}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A pool factory that records whether any work started. */
function watchedPool(): { factory: PoolFactory; made: () => number } {
  let made = 0;
  return {
    factory: () => {
      made++;
      return Promise.resolve({
        run: (_c, _w, _h, data) => Promise.resolve({ data }),
        close: () => Promise.resolve(),
      });
    },
    made: () => made,
  };
}

/** A directory this process cannot create files in (root ignores permission bits: use /sys). */
async function readOnlyDir(parent: string): Promise<string> {
  if (Deno.uid() === 0) return "/sys";
  const dir = `${parent}/read-only`;
  await Deno.mkdir(dir);
  await Deno.chmod(dir, 0o555);
  return dir;
}

Deno.test("runFilter: an output that is a directory fails at once, before any work", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await tempDir();
  try {
    const pool = watchedPool();
    for (const output of [dir, `${dir}/`, `${dir}/not-yet/`]) {
      await assert.rejects(
        runFilter({ input, output, filter: "invert" }, pool.factory),
        (e: unknown) =>
          e instanceof UsageError && /is a directory; give a file path, e\.g\. /.test(e.message),
        output,
      );
    }
    assert.equal(pool.made(), 0, "no pool was started");
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFilter/runRawFilter: an unwritable output says 'cannot write' and what to do", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await tempDir();
  try {
    const pool = watchedPool();
    const missing = `${dir}/no-such-dir/out.mp4`;
    await assert.rejects(
      runFilter({ input, output: missing, filter: "invert" }, pool.factory),
      (e: unknown) =>
        e instanceof OutputNotWritableError &&
        e.message.startsWith(`cannot write ${missing}: the directory ${dir}/no-such-dir `) &&
        /does not exist; create it first or choose another output path/.test(e.message),
    );
    const readOnly = `${await readOnlyDir(dir)}/out.mp4`;
    await assert.rejects(
      runFilter({ input, output: readOnly, filter: "invert" }, pool.factory),
      (e: unknown) =>
        e instanceof OutputNotWritableError &&
        e.message.startsWith(`cannot write ${readOnly}: the directory`) &&
        /not writable .*choose an output path in a writable directory/.test(e.message),
    );
    await assert.rejects(
      runRawFilter({ input: "-", output: missing, width: 2, height: 2, filter: "invert" }),
      (e: unknown) => e instanceof OutputNotWritableError && /does not exist/.test(e.message),
    );
    assert.equal(pool.made(), 0, "no pool was started");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: a directory as the output exits 2 at once; an unwritable one exits 1 with 'cannot write'", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await tempDir();
  try {
    const directory = await cli([input, `${dir}/`, "--filter", "invert", "--no-progress"]);
    assert.equal(directory.exitCode, 2, directory.stderr);
    assert.match(directory.stderr, /vframe filter: the output .* is a directory; give a file path/);
    const readOnly = `${await readOnlyDir(dir)}/out.mp4`;
    const denied = await cli([input, readOnly, "--filter", "invert", "--no-progress"]);
    assert.equal(denied.exitCode, 1, denied.stderr);
    assert.match(denied.stderr, /error: cannot write .*out\.mp4: the directory .* is not writable/);
    assert.doesNotMatch(denied.stderr, /cannot be read/);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].filter((e) => e.name !== "read-only"),
      [],
      "nothing written",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFilter: cancelling mid-run rejects with the reason and leaves no file", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: true });
  const dir = await tempDir();
  try {
    const controller = new AbortController();
    const reason = new Error("interrupted");
    const pool: FramePool = {
      run: (_c, _w, _h, data) => {
        if (!controller.signal.aborted) setTimeout(() => controller.abort(reason), 0);
        return Promise.resolve({ data });
      },
      close: () => Promise.resolve(),
    };
    await assert.rejects(
      runFilter({
        input,
        output: `${dir}/out.mp4`,
        filter: "invert",
        signal: controller.signal,
      }, () => Promise.resolve(pool)),
      (e: unknown) => e === reason,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no output and no temp file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("filterInOrder: frames go to the pool with transfer, and back to recycle after the write", async () => {
  const transfer: (boolean | undefined)[] = [];
  const pool: FramePool = {
    run: (_c, _w, _h, data, options) => {
      transfer.push(options?.transfer);
      return Promise.resolve({ data: data.map((v) => 255 - v) });
    },
    close: () => Promise.resolve(),
  };
  async function* source(): AsyncGenerator<Frame> {
    for (let index = 0; index < 10; index++) {
      yield { index, pts: index / 30, width: 2, height: 2, data: new Uint8Array(6).fill(index) };
    }
  }
  const events: string[] = [];
  const written = new Set<Uint8Array>();
  const count = await filterInOrder(source(), pool, parseChain("invert"), {
    inFlight: 3,
    timeoutMs: 1000,
    recycle: (data) => {
      assert.ok(written.has(data), "only buffers the sink wrote come back");
      events.push(`recycle ${255 - data[0]}`);
    },
  }, async (f) => {
    await new Promise((r) => setTimeout(r, 1));
    written.add(f.data);
    events.push(`write ${f.index}`);
  });
  assert.equal(count, 10);
  assert.deepEqual(transfer, Array(10).fill(true));
  assert.deepEqual(events, [...Array(10).keys()].flatMap((i) => [`write ${i}`, `recycle ${i}`]));
});

Deno.test("runFilter: frame buffers are transferred to the pool and recycled into the decoder", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1 });
  const dir = await tempDir();
  try {
    const transfer: (boolean | undefined)[] = [];
    const buffers = new Set<ArrayBufferLike>();
    // Gives each frame back in its own memory, as FilterPool.run(…, { transfer: true }) does.
    const pool: FramePool = {
      run: (_c, _w, _h, data, options) => {
        transfer.push(options?.transfer);
        buffers.add(data.buffer);
        return Promise.resolve({ data });
      },
      close: () => Promise.resolve(),
    };
    const summary = await runFilter({
      input,
      output: `${dir}/out.mp4`,
      filter: "invert",
      codec: "native",
      threads: 1,
    }, () => Promise.resolve(pool));
    assert.equal(summary.frames, 30);
    assert.deepEqual(transfer, Array(30).fill(true), "every frame is run with transfer: true");
    // Without recycle every frame is a fresh buffer (30); with it the native decoder reads later
    // frames into buffers the encoder is done with.
    assert.ok(buffers.size <= 12, `${buffers.size} distinct frame buffers for 30 frames`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
