/** Choosing between the ffmpeg.wasm backend and a native `ffmpeg` on PATH. */
import { BackendUnavailableError } from "./errors.ts";
import type { CodecBackendName, CodecChoice } from "./types.ts";

const CHOICES: CodecChoice[] = ["auto", "wasm", "native"];
const found = new Map<string, Promise<boolean>>();

async function runs(program: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(program, {
      args: ["-version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * True when both `ffmpeg` and `ffprobe` run from PATH. Cached per PATH value, so changing PATH
 * (e.g. in a test) is noticed.
 */
export function nativeAvailable(): Promise<boolean> {
  const key = Deno.env.get("PATH") ?? "";
  let result = found.get(key);
  if (!result) {
    result = Promise.all([runs("ffmpeg"), runs("ffprobe")]).then(([a, b]) => a && b);
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
