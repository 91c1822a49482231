/**
 * The temporary folder of one segment attempt (the chunk, the encoded chunk, the encoder's files):
 * `vframe-segment-<pid>-<random>` in the system's temp folder. The attempt removes it when it ends;
 * a process killed mid-attempt (SIGKILL, OOM, power) cannot, so a worker starting up removes the
 * folders of processes that no longer exist ({@link removeStaleSegmentDirs}).
 */
import process from "node:process";
import { joinPath as join, tempDir } from "../util/temp_dir.ts";

const PREFIX = "vframe-segment-";
const NAME = /^vframe-segment-(\d+)-/;

/** A new temporary folder for one attempt of this process, in `dir` (default: the system's). */
export function makeSegmentDir(dir?: string): Promise<string> {
  return Deno.makeTempDir({ dir, prefix: `${PREFIX}${Deno.pid}-` });
}

/** Whether process `pid` exists (one of another user's counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes the attempt folders in `dir` (default: the system's temp folder) left by processes that
 * no longer exist; resolves to how many were removed. Folders of live processes, of this one and
 * of other names are left alone; a folder that cannot be removed is skipped.
 */
export async function removeStaleSegmentDirs(dir = tempDir()): Promise<number> {
  let removed = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const pid = Number(NAME.exec(entry.name)?.[1]);
    if (!entry.isDirectory || !Number.isSafeInteger(pid) || pid === Deno.pid || alive(pid)) {
      continue;
    }
    try {
      await Deno.remove(join(dir, entry.name), { recursive: true });
      removed++;
    } catch {
      // another user's, or gone meanwhile
    }
  }
  return removed;
}
