import assert from "node:assert/strict";
import { makeSegmentDir, removeStaleSegmentDirs } from "../../src/queue/segment_temp.ts";

/** The PID of a process that has just ended. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("segment attempt folders: those of ended processes are removed, the others kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vframe-segtemp-test-" });
  try {
    const own = await makeSegmentDir(dir);
    assert.match(own, new RegExp(`/vframe-segment-${Deno.pid}-[^/]+$`));
    const dead = `${dir}/vframe-segment-${await deadPid()}-abc`;
    await Deno.mkdir(`${dead}/inner`, { recursive: true });
    await Deno.writeFile(`${dead}/inner/chunk.mp4`, new Uint8Array(10));
    const live = `${dir}/vframe-segment-1-abc`; // PID 1 always exists
    await Deno.mkdir(live);
    const other = `${dir}/vframe-segments-12345-abc`; // the wasm encoder's, not ours
    await Deno.mkdir(other);
    assert.equal(await removeStaleSegmentDirs(dir), 1);
    await assert.rejects(Deno.stat(dead), Deno.errors.NotFound);
    for (const kept of [own, live, other]) assert.ok((await Deno.stat(kept)).isDirectory, kept);
    assert.equal(await removeStaleSegmentDirs(`${dir}/missing`), 0, "no folder: nothing to do");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
