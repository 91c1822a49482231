/**
 * Helpers of the cancel tests: the real client CLI as a child process (so its exit code and a
 * Ctrl-C can be checked), the preview's cancel API as a program calls it, and how long something
 * takes to become true.
 */
const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** A running `vframe client …`. */
export interface ClientProcess {
  child: Deno.ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit status, once it exited (and its output was read to the end). */
  status: Promise<Deno.CommandStatus>;
}

/** Starts `deno run -A src/cli.ts client <args>` with `VFRAME_TOKEN` = `token`. */
export function spawnClient(args: string[], token: string): ClientProcess {
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", CLI, "client", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", VFRAME_TOKEN: token },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status.then(async (s) => {
    await pumps;
    return s;
  });
  return { child, output: () => text, status };
}

/** `POST <preview>/api/jobs/<id>/cancel` as a program sends it (no Origin), with the token. */
export async function postCancel(
  previewUrl: string,
  jobId: string,
  token: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL(`/api/jobs/${encodeURIComponent(jobId)}/cancel`, previewUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Milliseconds from `since` (performance.now()) until `check` is true, polling every 10 ms;
 * throws after `limitMs` naming `what`.
 */
export async function msUntil(
  check: () => boolean | Promise<boolean>,
  since: number,
  limitMs: number,
  what: string,
): Promise<number> {
  while (!(await check())) {
    if (performance.now() - since > limitMs) {
      throw new Error(`${what}: not true ${limitMs} ms after the cancel`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - since;
}

/** Files left in `dir` (names), e.g. to check that no output or `.part` file was left. */
export function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}
