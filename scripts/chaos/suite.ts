/**
 * The chaos suite's runner: prepares the inputs, runs the chosen faults one after the other, each
 * in its own {@link Scope} with a time limit, stops everything each one started, and gathers the
 * outcomes. `scripts/chaos.ts` is its command line; `tests/chaos/` runs it.
 */
import { checkJob, type Sample, type Samples, Scope, type ServerHandle } from "./harness.ts";
import { hasCommand, makeBlack8k, makeVideo } from "./media.ts";
import { killAllNow, stopAll } from "./proc.ts";
import { type FaultOutcome, Recorder } from "./report.ts";
import { runClient } from "./harness.ts";

/** The suite run in progress: its folder, and whether to keep it. */
let activeRun: { root: string; keep: boolean } | undefined;

/** What a fault gets to work with. */
export interface FaultContext {
  scope: Scope;
  rec: Recorder;
  /** How many times to inject the fault. */
  runs: number;
  /** The CI form: lighter variants where a fault has them. */
  short: boolean;
  samples: Samples;
  /** Aborted when the fault runs out of time (its processes are being stopped). */
  signal: AbortSignal;
  log(line: string): void;
}

/** One fault of the suite. */
export interface Fault {
  /** Number in the issue's list. */
  n: number;
  /** Short name, for `--only` and the table. */
  id: string;
  title: string;
  /** Part of the `--short` form. */
  short: boolean;
  /** Programs it needs besides Deno. */
  needs: ("ffmpeg" | "redis-server")[];
  /** Time limit: `setupS + runs × perRunS` seconds. */
  budget: { setupS: number; perRunS: number };
  run(ctx: FaultContext): Promise<void>;
}

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** The faults to choose from (default: all of `scripts/chaos/faults/`). */
  faults: Fault[];
  /** Runs per fault (default 1 with `short`, else 2). */
  runs?: number;
  /** Only the faults marked short, with their lighter variants. */
  short?: boolean;
  /** Only these faults (ids or numbers). */
  only?: string[];
  /** Keep every fault's folder and logs (failed faults' are always kept). */
  keep?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Called as each fault finishes. */
  onOutcome?: (o: FaultOutcome) => void;
}

/** The machine a report was made on. */
export interface MachineInfo {
  nproc: number;
  cpu: string;
  memTotalMiB: number;
  loadAvg: string;
  deno: string;
  os: string;
}

/** The whole run. */
export interface SuiteReport {
  startedAt: string;
  ms: number;
  options: { runs: number; short: boolean; only: string[] | null };
  machine: MachineInfo;
  outcomes: FaultOutcome[];
  passed: boolean;
  /** Kept folder with the logs, if any. */
  dir?: string;
}

/** nproc, CPU model, memory, load: from /proc. */
export function machineInfo(): MachineInfo {
  const read = (p: string) => {
    try {
      return Deno.readTextFileSync(p);
    } catch {
      return "";
    }
  };
  const cpu = /^model name\s*:\s*(.+)$/m.exec(read("/proc/cpuinfo"))?.[1] ?? "unknown";
  const mem = Number(/^MemTotal:\s+(\d+) kB/m.exec(read("/proc/meminfo"))?.[1] ?? 0);
  return {
    nproc: navigator.hardwareConcurrency,
    cpu,
    memTotalMiB: Math.round(mem / 1024),
    loadAvg: read("/proc/loadavg").split(" ").slice(0, 3).join(" "),
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
  };
}

/** Picks the faults `only` names (ids or numbers) or, with `short`, the short ones. */
export function selectFaults(all: Fault[], o: { only?: string[]; short?: boolean }): Fault[] {
  if (o.only && o.only.length > 0) {
    const unknown = o.only.filter((x) => !all.some((f) => f.id === x || String(f.n) === x));
    if (unknown.length > 0) {
      throw new RangeError(
        `unknown fault ${unknown.map((u) => `'${u}'`).join(", ")}; known: ${
          all.map((f) => `${f.n} ${f.id}`).join(", ")
        }`,
      );
    }
    return all.filter((f) => o.only!.some((x) => f.id === x || String(f.n) === x));
  }
  return o.short ? all.filter((f) => f.short) : all;
}

/** A token of 32 random bytes, base64url (like the one `vframe server` makes). */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/**
 * Checks that a good job succeeds on `server` now (the "listener alive" column): the small
 * sample, a real client, exit 0, no fallback frame, every frame in the output. Also requires
 * the server process to be running.
 */
export async function checkAlive(ctx: FaultContext, server: ServerHandle): Promise<boolean> {
  if (!server.running) {
    ctx.rec.aliveAfter(false, `the server process exited: ${server.proc.text().slice(-400)}`);
    return false;
  }
  const run = await runClient(ctx.scope, server, ctx.samples.small.path, {
    name: "alive-client",
    timeoutMs: 30_000,
  });
  const c = await checkJob(run, ctx.samples.small);
  ctx.rec.aliveAfter(c.ok, c.detail);
  return c.ok;
}

async function makeSamples(dir: string): Promise<Samples> {
  const small = await makeVideo(`${dir}/small.mp4`, { width: 160, height: 120, seconds: 2 });
  const long = await makeVideo(`${dir}/long.mp4`, { width: 160, height: 120, seconds: 4 });
  const text: Sample = { path: `${dir}/notes.mp4`, frames: 0 };
  await Deno.writeTextFile(
    text.path,
    "This is a text file named like a video.\n".repeat(200),
  );
  let bomb: Promise<Sample> | undefined;
  return {
    small,
    long,
    text,
    black8k: () => bomb ??= makeBlack8k(`${dir}/black8k.mp4`),
  };
}

/**
 * Runs the chosen faults and returns their outcomes. Every process it starts is stopped before
 * it returns (or throws).
 * @throws RangeError for an unknown fault; Error when a program the faults need is missing.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const short = options.short ?? false;
  const runs = options.runs ?? (short ? 1 : 2);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new RangeError(`runs must be an integer 1..100, got ${runs}`);
  }
  const faults = selectFaults(options.faults, { only: options.only, short });
  const log = options.log ?? (() => {});
  const needs = new Set(faults.flatMap((f) => f.needs));
  for (const program of ["setsid", ...needs]) {
    const flag = program === "setsid" ? "--version" : program === "ffmpeg" ? "-version" : "-v";
    if (!(await hasCommand(program, flag))) {
      throw new Error(
        `'${program}' is not installed: the chaos suite runs real processes ` +
          "(apt-get install -y ffmpeg redis-server util-linux, or scripts/setup-system.sh)",
      );
    }
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const root = await Deno.makeTempDir({ prefix: "vframe-chaos-" });
  let keepRoot = options.keep ?? false;
  activeRun = { root, keep: keepRoot };
  const outcomes: FaultOutcome[] = [];
  const token = newToken();
  try {
    const samples = await makeSamples(await Deno.makeTempDir({ dir: root, prefix: "samples-" }));
    for (const fault of faults) {
      const o = await runFault(fault, {
        root,
        token,
        runs,
        short,
        samples,
        log,
        keep: options.keep,
      });
      if (o.logs) keepRoot = true;
      outcomes.push(o);
      options.onOutcome?.(o);
    }
  } finally {
    activeRun = undefined;
    await stopAll();
    if (!keepRoot) await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  return {
    startedAt: startedAt.toISOString(),
    ms: performance.now() - t0,
    options: { runs, short, only: options.only?.length ? options.only : null },
    machine: machineInfo(),
    outcomes,
    passed: outcomes.length > 0 && outcomes.every((o) => o.verdict === "PASS"),
    ...(keepRoot ? { dir: root } : {}),
  };
}

async function runFault(
  fault: Fault,
  o: {
    root: string;
    token: string;
    runs: number;
    short: boolean;
    samples: Samples;
    log: (line: string) => void;
    keep?: boolean;
  },
): Promise<FaultOutcome> {
  const dir = `${o.root}/${String(fault.n).padStart(2, "0")}-${fault.id}`;
  await Deno.mkdir(dir, { recursive: true });
  const log = (line: string) => o.log(`[${fault.id}] ${line}`);
  const scope = new Scope(dir, o.token, log);
  const rec = new Recorder();
  const abort = new AbortController();
  const limitS = fault.budget.setupS + o.runs * fault.budget.perRunS;
  const t0 = performance.now();
  log(`start: ${fault.title} (${o.runs} run${o.runs > 1 ? "s" : ""}, limit ${limitS} s)`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = fault.run({
    scope,
    rec,
    runs: o.runs,
    short: o.short,
    samples: o.samples,
    signal: abort.signal,
    log,
  });
  try {
    const outcome = await Promise.race([
      running.then(() => "done" as const),
      new Promise<"late">((r) => timer = setTimeout(() => r("late"), limitS * 1000)),
    ]);
    if (outcome === "late") {
      rec.check("finishes within its time limit", false, `still running after ${limitS} s`);
    }
  } catch (error) {
    rec.check(
      "runs to the end",
      false,
      error instanceof Error ? error.message.split("\n").slice(0, 6).join(" / ") : String(error),
    );
  } finally {
    clearTimeout(timer);
    abort.abort();
    running.catch(() => {}); // a fault that ran out of time may still fail later: already counted
  }
  // Peak RSS of every server the fault started, then stop everything.
  for (const s of scope.servers) rec.rss(s.rss.peak);
  await scope.close();
  const ms = performance.now() - t0;
  const verdict = rec.passed ? "PASS" : "FAIL";
  log(`${verdict} in ${(ms / 1000).toFixed(1)} s`);
  const keep = verdict === "FAIL" || o.keep;
  if (!keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  return {
    n: fault.n,
    id: fault.id,
    title: fault.title,
    runs: rec.runs,
    frames: rec.frames,
    keysLeaked: rec.keysLeaked,
    peakRssBytes: rec.peakRssBytes,
    alive: rec.alive,
    verdict,
    checks: rec.checks,
    notes: rec.notes,
    ms,
    ...(keep ? { logs: `${dir}/logs` } : {}),
  };
}

/**
 * For a process that is exiting (a signal to the suite itself): kills every process the suite
 * started and removes the run's folder (unless kept), synchronously.
 */
export function emergencyStop(): void {
  killAllNow();
  if (activeRun && !activeRun.keep) {
    try {
      Deno.removeSync(activeRun.root, { recursive: true });
    } catch { /* processes still writing: best effort */ }
  }
  activeRun = undefined;
}
