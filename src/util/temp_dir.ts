/**
 * The system's temporary folder and joining a name onto a folder, without `node:os` and
 * `node:path`: modules that filter threads load stay free of Deno's Node compatibility layer,
 * whose start-up costs each thread ~60 ms of CPU and ~7 MiB (measured in docs/benchmarks.md).
 */

const WINDOWS = Deno.build.os === "windows";

/**
 * The temporary folder, as Node's `os.tmpdir()` finds it: `TMPDIR`, `TMP` or `TEMP` (on Windows
 * `TEMP`, `TMP`, then `%SystemRoot%\temp`), else `/tmp`; one trailing separator dropped, as Node
 * drops it.
 */
export function tempDir(): string {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const dir = WINDOWS
    ? env("TEMP") ?? env("TMP") ?? `${env("SystemRoot") ?? env("windir") ?? "C:\\Windows"}\\temp`
    : env("TMPDIR") ?? env("TMP") ?? env("TEMP") ?? "/tmp";
  if (dir.length > 1 && dir.endsWith(WINDOWS ? "\\" : "/") && !(WINDOWS && dir.endsWith(":\\"))) {
    return dir.slice(0, -1);
  }
  return dir;
}

/** `dir` and `name` (one path component) joined with the platform's separator. */
export function joinPath(dir: string, name: string): string {
  const separator = WINDOWS ? "\\" : "/";
  return /[\\/]$/.test(dir) ? `${dir}${name}` : `${dir}${separator}${name}`;
}
