/** Test helper: runs the real CLI (`deno run -A src/cli.ts …`) in a subprocess. */

const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;

/** What one run printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno <args>` in the project folder (or `cwd`) without a terminal on stdin. */
export async function runDeno(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: text(stdout), stderr: text(stderr) };
}

/** Runs `vframe <args>`: `deno run -A src/cli.ts <args>`. */
export function vframe(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return runDeno(["run", "-A", CLI, ...args], options);
}
