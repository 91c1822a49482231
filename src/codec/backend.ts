/** Choosing between the ffmpeg.wasm backend and a native `ffmpeg` on PATH. */
import { BackendUnavailableError } from "./errors.ts";
import type { CodecBackendName, CodecChoice } from "./types.ts";

const CHOICES: CodecChoice[] = ["auto", "wasm", "native"];
const found = new Map<string, Promise<boolean>>();

/**
 * True when `program` is an executable file in one of PATH's directories. A look-up, not a run:
 * starting ffmpeg and ffprobe just to print their versions cost ~0.1 s of CPU each (dynamic
 * linking of their many libraries) on every command.
 */
async function onPath(program: string, path: string): Promise<boolean> {
  for (const dir of path.split(Deno.build.os === "windows" ? ";" : ":")) {
    if (!dir) continue;
    for (const name of Deno.build.os === "windows" ? [`${program}.exe`] : [program]) {
      try {
        const stat = await Deno.stat(`${dir}/${name}`);
        if (stat.isFile && (stat.mode === null || (stat.mode & 0o111) !== 0)) return true;
      } catch {
        // not there
      }
    }
  }
  return false;
}

/**
 * True when both `ffmpeg` and `ffprobe` are executables on PATH (looked up, not run: a broken
 * install fails later with a CodecError). Cached per PATH value, so changing PATH (e.g. in a
 * test) is noticed.
 */
export function nativeAvailable(): Promise<boolean> {
  const key = Deno.env.get("PATH") ?? "";
  let result = found.get(key);
  if (!result) {
    result = Promise.all([onPath("ffmpeg", key), onPath("ffprobe", key)]).then(([a, b]) => a && b);
    found.set(key, result);
  }
  return result;
}

/**
 * Resolves a user's choice to a backend: `auto` (the default) gives `native` when `ffmpeg` and
 * `ffprobe` are on PATH, else `wasm`.
 * @throws TypeError on an unknown choice; BackendUnavailableError for `native` without ffmpeg.
 */
export async function resolveBackend(choice: CodecChoice = "auto"): Promise<CodecBackendName> {
  if (!CHOICES.includes(choice)) {
    throw new TypeError(`codec backend must be one of ${CHOICES.join(", ")}, got '${choice}'`);
  }
  if (choice === "wasm") return "wasm";
  const native = await nativeAvailable();
  if (choice === "native" && !native) {
    throw new BackendUnavailableError(
      "the native codec backend needs ffmpeg and ffprobe on PATH (apt-get install -y ffmpeg); " +
        "use --codec wasm to run the bundled ffmpeg.wasm instead",
    );
  }
  return native ? "native" : "wasm";
}
