import assert from "node:assert/strict";
import { parseProgressBlocks } from "../../src/util/progress_format.ts";
import { ProgressOutputError, ProgressWriter } from "../../src/util/progress_writer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-progress-writer-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ProgressWriter: a file is truncated, blocks come at the period, the last is end", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/progress.txt`;
    await Deno.writeTextFile(path, "old content that must go\n".repeat(100));
    let frame = 0;
    const writer = await ProgressWriter.open({
      target: path,
      periodMs: 20,
      sample: () => ({ frame: frame++, totalFrames: 100, frameRate: { num: 25, den: 1 } }),
    });
    await sleep(250);
    await writer.end("done");
    const text = await Deno.readTextFile(path);
    assert.ok(!text.includes("old content"), "truncated");
    const blocks = parseProgressBlocks(text);
    assert.ok(blocks.length >= 4, `blocks every 20 ms for 250 ms, got ${blocks.length}`);
    assert.ok(text.endsWith("progress=end\n"), "the text ends with the last block");
    for (const [i, b] of blocks.entries()) {
      assert.equal(Number(b.frame), i, "one sample per block, in order");
      assert.equal(b.progress, i === blocks.length - 1 ? "end" : "continue");
      assert.equal(b.total_frames, "100");
    }
    assert.equal(blocks.at(-1)!.status, "done");
    const elapsed = blocks.map((b) => Number(b.elapsed_us));
    assert.deepEqual(elapsed, [...elapsed].sort((a, b) => a - b), "elapsed_us never goes back");

    // After the end: no more blocks, and a second end writes nothing.
    await sleep(60);
    await writer.end("failed");
    assert.equal(await Deno.readTextFile(path), text);
  });
});

Deno.test("ProgressWriter: ndjson lines, status of a failed run", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/progress.ndjson`;
    const writer = await ProgressWriter.open({
      target: path,
      format: "ndjson",
      periodMs: 10,
      sample: () => ({ frame: 7 }),
    });
    await sleep(50);
    await writer.end("failed");
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.length >= 2, `got ${lines.length} lines`);
    assert.ok(lines.slice(0, -1).every((l) => l.progress === "continue" && !("status" in l)));
    assert.deepEqual(
      { frame: lines.at(-1).frame, progress: lines.at(-1).progress, status: lines.at(-1).status },
      { frame: 7, progress: "end", status: "failed" },
    );
  });
});

Deno.test("ProgressWriter: a FIFO is opened for writing and read to the end by its reader", async () => {
  await withDir(async (dir) => {
    const fifo = `${dir}/progress.fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success, "mkfifo");
    // The writer's open waits for the reader, and the reader's for the writer: both at once.
    const reading = (async () => {
      const file = await Deno.open(fifo, { read: true });
      return await new Response(file.readable).text();
    })();
    let frame = 0;
    const writer = await ProgressWriter.open({
      target: fifo,
      periodMs: 10,
      sample: () => ({ frame: frame += 3 }),
    });
    await sleep(60);
    await writer.end("cancelled");
    const blocks = parseProgressBlocks(await reading);
    assert.ok(blocks.length >= 2);
    assert.equal(blocks.at(-1)!.progress, "end");
    assert.equal(blocks.at(-1)!.status, "cancelled");
    const frames = blocks.map((b) => Number(b.frame));
    assert.ok(frames.every((f, i) => i === 0 || f > frames[i - 1]), `increasing: ${frames}`);
  });
});

Deno.test("ProgressWriter: a reader that goes away is said once; the run is not failed", async () => {
  await withDir(async (dir) => {
    const fifo = `${dir}/gone.fifo`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    const opened = Deno.open(fifo, { read: true });
    const warnings: string[] = [];
    const writer = await ProgressWriter.open({
      target: fifo,
      periodMs: 5,
      sample: () => ({ frame: 1 }),
      warn: (m) => warnings.push(m),
    });
    (await opened).close(); // the reader leaves
    await sleep(100);
    await writer.end("done"); // resolves: nothing thrown
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], new RegExp(`progress can no longer be written to ${fifo} \\(.+\\)`));
  });
});

Deno.test("ProgressWriter: a path that cannot be opened fails at open, saying what to do", async () => {
  await withDir(async (dir) => {
    const sample = () => ({ frame: 0 });
    await assert.rejects(
      ProgressWriter.open({ target: `${dir}/missing/progress.txt`, sample }),
      (error: unknown) => {
        assert.ok(error instanceof ProgressOutputError);
        assert.equal(error.code, "output-not-writable");
        assert.match(error.message, /cannot write the progress to .*missing\/progress\.txt: /);
        assert.match(error.message, /check the path and its permissions/);
        return true;
      },
    );
    await assert.rejects(ProgressWriter.open({ target: dir, sample }), ProgressOutputError);
    await assert.rejects(
      ProgressWriter.open({ target: `${dir}/p`, periodMs: 0, sample }),
      /period must be a number of ms >= 1, got 0/,
    );
  });
});
