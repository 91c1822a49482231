/**
 * Test helper: `deno run -A src/worker.ts …` (or `deno task worker …`) as a real child process,
 * waited for until ready.
 */

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const ENTRY = new URL("../../src/worker.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

/** A running worker process. */
export interface WorkerProcess {
  /** `HOST:PID` from the ready line. */
  id: string;
  child: Deno.ChildProcess;
  /** Every stdout and stderr line so far. */
  lines: string[];
  /** Resolves with the first line matching `re` (waits at most `timeoutMs`, default 20 s). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Sends `signal` (to the whole process group when started with `viaTask`) and waits for the
   * exit; returns the exit code.
   */
  stop(signal?: Deno.Signal): Promise<number>;
  /**
   * Sends `signal` without waiting: to the process, or with `group` to its whole process group
   * (as a terminal does on Ctrl-C; needs `viaTask`, which makes the process a group leader).
   */
  kill(signal: Deno.Signal, options?: { group?: boolean }): void;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number>;
}

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  redisUrl: string;
  concurrency?: number;
  queueName?: string;
  /** `VFRAME_FAULT` for this worker. */
  fault?: string;
  /** Extra environment variables, e.g. `REDIS_PASSWORD`. */
  env?: Record<string, string>;
  /** Extra flags, e.g. `["--lock-duration", "2000"]`. */
  args?: string[];
  /**
   * Start it as a person does, `deno task worker …`, in a process group of its own (`setsid`),
   * so a signal can be sent to the group like a terminal's Ctrl-C (default false).
   */
  viaTask?: boolean;
}

/** Spawns a worker and waits for its `vframe worker ready:` line (at most 30 s). */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerProcess> {
  const flags = [
    "--redis",
    options.redisUrl,
    "--concurrency",
    String(options.concurrency ?? 1),
    ...(options.queueName ? ["--queue", options.queueName] : []),
    ...(options.args ?? []),
  ];
  const env: Record<string, string> = { NO_COLOR: "1", ...options.env };
  if (options.fault !== undefined) env.VFRAME_FAULT = options.fault;
  const [cmd, args] = options.viaTask
    ? ["setsid", [DENO, "task", "worker", ...flags]]
    : [DENO, ["run", "-A", ENTRY, ...flags]];
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.re.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    }
    if (rest) lines.push(rest);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let gone = false;
  const status = child.status.then(async (s) => {
    gone = true;
    await pumps;
    return s;
  });
  const waitFor = (re: RegExp, timeoutMs = 20_000) => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const w = {
        re,
        resolve: (l: string) => finish(() => resolve(l)),
      };
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const at = waiters.indexOf(w);
        if (at >= 0) waiters.splice(at, 1);
        f();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`worker never printed ${re} in ${timeoutMs} ms:\n${lines.join("\n")}`))
          ),
        timeoutMs,
      );
      waiters.push(w);
      status.then((s) =>
        finish(() =>
          reject(new Error(`worker exited (code ${s.code}) before ${re}:\n${lines.join("\n")}`))
        )
      );
    });
  };
  const kill = (signal: Deno.Signal, opts: { group?: boolean } = {}) => {
    if (gone) return;
    try {
      if (opts.group) Deno.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    kill(signal, { group: options.viaTask });
    return (await status).code;
  };
  const exited = status.then((s) => s.code);
  let ready: string;
  try {
    ready = await waitFor(/^vframe worker ready:/, 30_000);
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
  const id = /id=(\S+)/.exec(ready)![1];
  return { id, child, lines, waitFor, stop, kill, exited };
}
