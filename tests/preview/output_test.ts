/** Downloading a finished job's output with HTTP range requests, over a real socket. */
import assert from "node:assert/strict";
import { startPreview } from "../../src/preview/server.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import { safeDownloadName, serveFile } from "../../src/preview/output.ts";
import { HttpError } from "../../src/preview/errors.ts";
import { makeRegistry } from "./fixtures.ts";

const SIZE = 200_003;

async function withOutput(
  fn: (base: string, bytes: Uint8Array, path: string) => Promise<void>,
  size = SIZE,
) {
  const dir = await Deno.makeTempDir({ prefix: "vframe-preview-test-" });
  const path = `${dir}/out.mp4`;
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 255;
  await Deno.writeFile(path, bytes);
  const registry = makeRegistry();
  const record = registry.get("job-1")!;
  record.result.state = "done";
  record.result.input.fileName = 'my "clip".mov';
  record.outputPath = path;
  const preview = await startPreview({ registry, metrics: new VframeMetrics(), port: 0 });
  try {
    await fn(new URL("/api/jobs/job-1/output.mp4", preview.url).href, bytes, path);
  } finally {
    await preview.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("output.mp4: whole file with Accept-Ranges", async () => {
  await withOutput(async (url, bytes) => {
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.equal(res.headers.get("content-type"), "video/mp4");
    assert.equal(res.headers.get("content-length"), String(SIZE));
    assert.equal(res.headers.get("content-disposition"), 'inline; filename="my _clip_.vframe.mp4"');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
    const dl = await fetch(`${url}?download=1`);
    assert.match(dl.headers.get("content-disposition")!, /^attachment; filename=/);
    await dl.body?.cancel();
  });
});

Deno.test("output.mp4: 206 partial content for single ranges", async () => {
  await withOutput(async (url, bytes) => {
    for (
      const [range, start, end] of [
        ["bytes=0-0", 0, 0],
        ["bytes=100-70000", 100, 70000],
        ["bytes=199000-", 199000, SIZE - 1],
        ["bytes=-1000", SIZE - 1000, SIZE - 1],
        ["bytes=5-999999999", 5, SIZE - 1],
        // An end past the file, however large, is clamped to the last byte.
        [`bytes=0-${SIZE}`, 0, SIZE - 1],
        ["bytes=0-99999999999999999999", 0, SIZE - 1],
        ["bytes=150000-99999999999999999999", 150000, SIZE - 1],
        [`bytes=${SIZE - 1}-99999999999999999999`, SIZE - 1, SIZE - 1],
        // A suffix longer than the file selects all of it.
        [`bytes=-${SIZE + 1}`, 0, SIZE - 1],
        ["bytes=-99999999999999999999", 0, SIZE - 1],
      ] as [string, number, number][]
    ) {
      const res = await fetch(url, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${SIZE}`, range);
      assert.equal(res.headers.get("content-length"), String(end - start + 1), range);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes.subarray(start, end + 1));
    }
  });
});

Deno.test("output.mp4: 416 with Content-Range */size for bad ranges; multi-range gets 200", async () => {
  await withOutput(async (url) => {
    for (
      const range of [
        // Starting at or past the end: the only way a well-formed single range is unsatisfiable.
        `bytes=${SIZE}-`,
        `bytes=${SIZE + 1}-${SIZE + 10}`,
        `bytes=${SIZE}-99999999999999999999`,
        "bytes=99999999999999999999-",
        "bytes=99999999999999999999-99999999999999999999",
        // Malformed.
        "bytes=9-3",
        "bytes=abc",
        "bytes=-0",
        "bytes=--1",
      ]
    ) {
      const res = await fetch(url, { headers: { range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get("content-range"), `bytes */${SIZE}`, range);
      assert.equal(res.headers.get("accept-ranges"), "bytes", range);
      assert.match((await res.json()).error, /range|Range/);
    }
    const multi = await fetch(url, { headers: { range: "bytes=0-1,10-11" } });
    assert.equal(multi.status, 200);
    assert.equal(multi.headers.get("content-length"), String(SIZE));
    await multi.body?.cancel();
  });
});

Deno.test("output.mp4: HEAD has the headers and no body; a vanished file is 404", async () => {
  await withOutput(async (url, _bytes, path) => {
    const head = await fetch(url, { method: "HEAD", headers: { range: "bytes=10-19" } });
    assert.equal(head.status, 206);
    assert.equal(head.headers.get("content-length"), "10");
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    await Deno.remove(path);
    const gone = await fetch(url);
    assert.equal(gone.status, 404);
    assert.match((await gone.json()).error, /the output file is gone/);
  });
});

/** How many of this process's file descriptors point at `path` (Linux /proc). */
function openCount(path: string): number {
  let n = 0;
  for (const fd of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${fd.name}`) === path) n++;
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return n;
}

Deno.test("output.mp4: a client that stops reading makes the server close the file", async () => {
  await withOutput(async (url, _bytes, path) => {
    const res = await fetch(url);
    const reader = res.body!.getReader();
    await reader.read();
    assert.ok(openCount(path) > 0, "the server holds the file while it streams");
    await reader.cancel();
    for (let i = 0; i < 100 && openCount(path) > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(openCount(path), 0, "file closed after the client went away");
  }, 16 * 1024 * 1024); // more than socket buffers hold, so the server is still streaming
});

Deno.test("serveFile: a directory is not served", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      serveFile(new Request("http://x/"), dir),
      (e: unknown) => e instanceof HttpError && e.status === 404,
    );
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("safeDownloadName keeps names printable and quote-free", () => {
  assert.equal(safeDownloadName("a.mp4"), "a.mp4");
  assert.equal(safeDownloadName("../../etc/passwd"), "passwd");
  assert.equal(safeDownloadName('x"; filename=evil.exe'), "x__ filename=evil.exe");
  assert.equal(safeDownloadName("vidéo\r\n.mp4"), "vid_o__.mp4");
  assert.equal(safeDownloadName(".."), "output.mp4");
  assert.equal(safeDownloadName(""), "output.mp4");
});
