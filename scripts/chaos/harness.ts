/**
 * What every fault is built from: a {@link Scope} (its temp folder, its processes, its clean-up),
 * real `vframe server` and `vframe worker` processes, real `vframe client` runs, and the
 * "listener alive" check (a good job after the fault).
 */
import { CLI, DENO, ROOT } from "./paths.ts";
import { childEnv, type ExitStatus, Proc } from "./proc.ts";
import { ChaosRedis } from "./redis.ts";
import { RssSampler } from "./rss.ts";
import { frameHashes } from "./media.ts";

/** A test video and its frame count. */
export interface Sample {
  path: string;
  frames: number;
}

/** The inputs shared by all faults (made once per suite run). */
export interface Samples {
  /** 160×120, 2 s, 60 frames: the "good job" of the liveness checks. */
  small: Sample;
  /** 160×120, 4 s, 120 frames: jobs that a fault hits in the middle. */
  long: Sample;
  /** A text file named like a video. */
  text: Sample;
  /** Ten black 8K frames (made on first use: it takes a few seconds). */
  black8k(): Promise<Sample>;
}

/** The filter chain of the suite's jobs: a real blur plus a cheap point filter. */
export const FILTER = "blur=sigma=2,invert";

/** Sleeps `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a truthy value or `ms` pass (then undefined). */
export async function poll<T>(
  check: () => T | Promise<T>,
  ms: number,
  everyMs = 50,
): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (true) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) return undefined;
    await sleep(everyMs);
  }
}

/**
 * One fault's world: a temp folder (work dirs, outputs, config), the processes it started and
 * what to undo. {@link close} stops every process (SIGTERM to its group, SIGKILL after a grace
 * period) and writes their output to `logs/`.
 */
export class Scope {
  readonly procs: Proc[] = [];
  /** Servers started in this scope (their peak RSS goes into the report). */
  readonly servers: ServerHandle[] = [];
  readonly #cleanups: (() => void | Promise<void>)[] = [];
  #n = 0;
  #closed = false;

  constructor(
    /** The fault's temp folder. */
    readonly dir: string,
    /** The token every server requires and every good client proves. */
    readonly token: string,
    /** Progress lines (stderr with --verbose). */
    readonly log: (line: string) => void,
  ) {}

  /** A new empty folder inside the scope's. */
  mkdir(name: string): string {
    const path = `${this.dir}/${name}-${++this.#n}`;
    Deno.mkdirSync(path, { recursive: true });
    return path;
  }

  /** A path inside the scope's folder (not created). */
  path(name: string): string {
    return `${this.dir}/${++this.#n}-${name}`;
  }

  /** Remembers `proc` for the clean-up and the logs. */
  track(proc: Proc): Proc {
    if (this.#closed) {
      proc.signal("SIGKILL", { group: true });
      throw new Error("scope closed");
    }
    this.procs.push(proc);
    return proc;
  }

  /** Runs `fn` at {@link close}, in reverse order of registration. */
  defer(fn: () => void | Promise<void>): void {
    this.#cleanups.push(fn);
  }

  /** Stops everything the fault started; never rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        this.log(`clean-up failed: ${e instanceof Error ? e.message : e}`);
      }
    }
    await Promise.all(this.procs.map((p) => p.stop("SIGTERM", 3_000)));
    const logs = `${this.dir}/logs`;
    Deno.mkdirSync(logs, { recursive: true });
    this.procs.forEach((p, i) => {
      try {
        Deno.writeTextFileSync(`${logs}/${String(i).padStart(2, "0")}-${p.name}.log`, p.log());
      } catch { /* the folder went away */ }
    });
  }

  /** A Redis for this fault (stopped at close). */
  async redis(): Promise<ChaosRedis> {
    const r = await ChaosRedis.start(this.mkdir("redis"), (p) => this.track(p));
    this.defer(() => r.stop());
    return r;
  }
}

let serverHelpText: Promise<string> | undefined;

/** `vframe server --help`, read once: which flags this version of the server has. */
export function serverHelp(): Promise<string> {
  serverHelpText ??= new Deno.Command(DENO, {
    args: ["run", "-A", CLI, "server", "--help"],
    cwd: ROOT,
    env: childEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output().then((o) => new TextDecoder().decode(o.stdout));
  return serverHelpText;
}

/** A running `vframe server` process. */
export class ServerHandle {
  constructor(
    readonly proc: Proc,
    readonly port: number,
    readonly previewUrl: string,
    readonly workDir: string,
    readonly rss: RssSampler,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Whether the process still runs. */
  get running(): boolean {
    return !this.proc.gone;
  }

  /** The preview's Prometheus metrics, by series (`name{labels}`). */
  async metrics(): Promise<Map<string, number>> {
    const res = await fetch(`${this.previewUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#")) continue;
      const at = line.lastIndexOf(" ");
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  }

  /** Jobs the server holds a slot for right now (`vframe_jobs` queued + running). */
  async activeJobs(): Promise<number> {
    const m = await this.metrics();
    return (m.get('vframe_jobs{state="queued"}') ?? 0) +
      (m.get('vframe_jobs{state="running"}') ?? 0);
  }

  /** The preview's job list (`/api/jobs`). */
  async jobs(): Promise<{ jobId: string; state: string; error?: string }[]> {
    const res = await fetch(`${this.previewUrl}/api/jobs`, { signal: AbortSignal.timeout(5_000) });
    const body = await res.json();
    const list = Array.isArray(body) ? body : body.jobs ?? [];
    return list.map((j: Record<string, unknown>) => {
      const r = (j.result ?? j) as Record<string, unknown>;
      return { jobId: String(r.jobId ?? j.id), state: String(r.state), error: r.error as string };
    });
  }

  /** Folders in the work dir (one per job with files). */
  workEntries(): string[] {
    try {
      return [...Deno.readDirSync(this.workDir)].map((e) => e.name).sort();
    } catch {
      return [];
    }
  }
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** BullMQ on this Redis (default: the embedded pool). */
  redisUrl?: string;
  /** More flags, e.g. `["--max-jobs", "2"]`. */
  args?: string[];
  name?: string;
}

/**
 * Starts `deno run -A src/cli.ts server` (what `deno task server` runs) on 127.0.0.1, any free
 * port, preview on 127.0.0.1 too, token from `VFRAME_TOKEN`, config in the scope's folder, and
 * waits for its ready line. Its tree RSS is sampled from then on. A job whose client is gone is
 * cancelled after 1 s (`--detach-grace 1`, not the default 60 s), so the faults that kill or drop
 * clients see the clean-up within their time limits; the grace itself is tested in
 * tests/server/resume_grace_test.ts.
 */
export async function startServer(scope: Scope, o: ServerOptions = {}): Promise<ServerHandle> {
  const workDir = scope.mkdir("work");
  const args = [
    "run",
    "-A",
    CLI,
    "server",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--preview-host",
    "127.0.0.1",
    "--preview-port",
    "0",
    "--work-dir",
    workDir,
    ...["--detach-grace", "1"],
    // The faults watch frames held by workers: frame mode, not segment mode (`--unit auto`
    // would pick segments with --redis); segment mode has its own tests.
    ...["--unit", "frame"],
    ...(o.redisUrl ? ["--redis", o.redisUrl] : []),
    ...(o.args ?? []),
  ];
  const proc = scope.track(Proc.deno(o.name ?? "server", args, {
    env: { VFRAME_TOKEN: scope.token, XDG_CONFIG_HOME: scope.mkdir("server-config") },
  }));
  const m = await proc.waitFor(/^vframe server ready: port=(\d+)\b.*\bpreview=(\S+)/, 60_000);
  const rss = new RssSampler(proc.pid);
  scope.defer(() => rss.stop());
  scope.log(`server ${m[1]} up (pid ${proc.pid}): ${args.slice(4).join(" ")}`);
  const server = new ServerHandle(proc, Number(m[1]), m[2].replace(/\/$/, ""), workDir, rss);
  scope.servers.push(server);
  return server;
}

/** A running `vframe worker` process. */
export interface WorkerHandle {
  proc: Proc;
  /** `HOST:PID` of the worker (the id in results and in BullMQ). */
  id: string;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  redisUrl: string;
  /** `VFRAME_FAULT` for this worker (the test-only fault switch, docs/queue.md). */
  fault?: string;
  /** Start it as a person does, `deno task worker …` (default: `deno run -A src/cli.ts worker`). */
  viaTask?: boolean;
  concurrency?: number;
  args?: string[];
  name?: string;
}

/** Starts a worker and waits for its ready line. */
export async function startWorker(scope: Scope, o: WorkerOptions): Promise<WorkerHandle> {
  const flags = [
    "--redis",
    o.redisUrl,
    "--concurrency",
    String(o.concurrency ?? 1),
    ...(o.args ?? []),
  ];
  const args = o.viaTask ? ["task", "worker", ...flags] : ["run", "-A", CLI, "worker", ...flags];
  const proc = scope.track(Proc.deno(o.name ?? "worker", args, {
    env: o.fault ? { VFRAME_FAULT: o.fault } : {},
  }));
  const m = await proc.waitFor(/^vframe worker ready: id=(\S+)/, 60_000);
  scope.log(`worker ${m[1]} up${o.fault ? ` (VFRAME_FAULT=${o.fault})` : ""}`);
  return { proc, id: m[1] };
}

/** A finished client run. */
export interface ClientRun {
  /** Exit code; -1 when it had to be killed after its time limit. */
  code: number;
  signal: Deno.Signal | null;
  ms: number;
  stderr: string;
  /** The result JSON (`--json`), when the client wrote it (it does on success only). */
  result?: {
    state: string;
    error?: string;
    frames: { total: number; processed: number; fallback: number };
    fallbackFrames: { index: number; reason: string }[];
    framesPerWorker: Record<string, number>;
  };
  /** The output path (exists on success only). */
  out: string;
  timedOut: boolean;
}

/** Options of {@link startClient}. */
export interface ClientOptions {
  /** Token to prove: default the scope's; `null` for none at all (no variable, no file). */
  token?: string | null;
  filter?: string;
  name?: string;
  /** Kill it after this long (default 120 s). */
  timeoutMs?: number;
}

/** Starts `deno run -A src/cli.ts client INPUT …` (what `deno task client` runs). */
export function startClient(
  scope: Scope,
  server: { address: string },
  input: string,
  o: ClientOptions = {},
): { proc: Proc; done: Promise<ClientRun> } {
  const out = scope.path("out.mp4");
  const json = scope.path("result.json");
  const token = o.token === undefined ? scope.token : o.token;
  const env: Record<string, string> = {
    // A folder without a token file: the client finds only what it is given.
    XDG_CONFIG_HOME: scope.mkdir("client-config"),
  };
  if (token !== null) env.VFRAME_TOKEN = token;
  const t0 = performance.now();
  const proc = scope.track(Proc.deno(o.name ?? "client", [
    "run",
    "-A",
    CLI,
    "client",
    input,
    "--filter",
    o.filter ?? FILTER,
    "--server",
    server.address,
    "--out",
    out,
    "--json",
    json,
    "--quiet",
    "-y", // a fault may run its good job again into the same folder
  ], { env }));
  const done = (async (): Promise<ClientRun> => {
    let status: ExitStatus | undefined = await proc.exitWithin(o.timeoutMs ?? 120_000);
    const timedOut = status === undefined;
    if (!status) status = await proc.stop("SIGKILL", 0);
    let result: ClientRun["result"];
    try {
      result = JSON.parse(await Deno.readTextFile(json));
    } catch { /* no result JSON: the job did not succeed */ }
    return {
      code: timedOut ? -1 : status.code,
      signal: status.signal,
      ms: performance.now() - t0,
      stderr: proc.lines.filter((l) => l.stream === "err").map((l) => l.text).join("\n"),
      result,
      out,
      timedOut,
    };
  })();
  return { proc, done };
}

/** Runs a client to its end. */
export function runClient(
  scope: Scope,
  server: { address: string },
  input: string,
  o: ClientOptions = {},
): Promise<ClientRun> {
  return startClient(scope, server, input, o).done;
}

/** What a good job's output looked like. */
export interface JobCheck {
  ok: boolean;
  detail: string;
  expected: number;
  /** Frames in the output file (framemd5), 0 without one. */
  out: number;
  fallback: number;
  hashes: string[];
  run: ClientRun;
}

/**
 * Checks a finished client run of `sample`: exit 0, state done, no fallback frame, and an output
 * file with every frame (counted by decoding it, not from the server's word).
 */
export async function checkJob(run: ClientRun, sample: Sample): Promise<JobCheck> {
  let hashes: string[] = [];
  try {
    hashes = await frameHashes(run.out);
  } catch { /* no output */ }
  const fallback = run.result?.frames.fallback ?? 0;
  const problems: string[] = [];
  if (run.timedOut) problems.push(`client still running after ${Math.round(run.ms)} ms`);
  else if (run.code !== 0) problems.push(`client exit ${run.code}: ${lastLine(run.stderr)}`);
  if (run.result && run.result.state !== "done") problems.push(`state ${run.result.state}`);
  if (fallback > 0) {
    const r = run.result!.fallbackFrames[0];
    problems.push(`${fallback} fallback frames (first: #${r?.index} ${r?.reason})`);
  }
  if (run.code === 0 && hashes.length !== sample.frames) {
    problems.push(`output has ${hashes.length} frames, input ${sample.frames}`);
  }
  return {
    ok: problems.length === 0,
    detail: problems.length ? problems.join("; ") : `done in ${Math.round(run.ms)} ms`,
    expected: sample.frames,
    out: hashes.length,
    fallback,
    hashes,
    run,
  };
}

/** The last non-empty line of a text. */
export function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}
