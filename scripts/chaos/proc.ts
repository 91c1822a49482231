/**
 * Child processes of the chaos suite. Every process is started through `setsid`, so it leads a
 * process group of its own: a signal can go to the whole group (a server and its ffmpeg children,
 * `deno task worker` and the worker it runs), as a terminal's Ctrl-C does. Every process started
 * is remembered until it has exited, so the suite can end all of them — by their ids — on any
 * failure or interruption.
 */
import { DENO, ROOT } from "./paths.ts";

/** How a process ended. */
export interface ExitStatus {
  code: number;
  signal: Deno.Signal | null;
}

/** Options of {@link Proc.spawn}. */
export interface SpawnOptions {
  /** Variables added to the child's environment (see {@link childEnv}). */
  env?: Record<string, string>;
  /** Variables removed from the child's environment. */
  unset?: string[];
  /** Working directory (default: the repository root). */
  cwd?: string;
}

/** Variables of ours that must not leak into a child unless set on purpose. */
const PRIVATE_ENV = ["REDIS_URL", "VFRAME_TOKEN", "VFRAME_FAULT", "XDG_CONFIG_HOME"];

/**
 * The environment of a child: this process's, without vframe's own variables (a `REDIS_URL` of
 * the user would turn every server into a BullMQ one), with `NO_COLOR=1`, then `env`.
 */
export function childEnv(env: Record<string, string> = {}, unset: string[] = []) {
  const out = Deno.env.toObject();
  for (const name of [...PRIVATE_ENV, ...unset]) delete out[name];
  return { ...out, NO_COLOR: "1", ...env };
}

/** Every process started and not yet known to have exited. */
const live = new Set<Proc>();

/** One line of output, with when it arrived. */
export interface Line {
  at: number;
  stream: "out" | "err";
  text: string;
}

/** A child process in its own process group, its output collected line by line. */
export class Proc {
  readonly lines: Line[] = [];
  readonly exited: Promise<ExitStatus>;
  #gone = false;
  /** Members of the group still there when the leader exited (pid and start time). */
  #leftovers: GroupMember[] = [];
  #waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  readonly #t0 = performance.now();

  private constructor(
    readonly name: string,
    readonly child: Deno.ChildProcess,
  ) {
    const pumps = Promise.all([
      this.#pump(child.stdout, "out"),
      this.#pump(child.stderr, "err"),
    ]);
    this.exited = child.status.then(async (s) => {
      this.#gone = true;
      // Taken at once, while the group id cannot belong to anyone else yet.
      this.#leftovers = groupMembers(child.pid);
      live.delete(this);
      await pumps;
      return { code: s.code, signal: s.signal };
    });
  }

  /** Starts `cmd args…` under `setsid`. */
  static spawn(name: string, cmd: string, args: string[], options: SpawnOptions = {}): Proc {
    const child = new Deno.Command("setsid", {
      args: [cmd, ...args],
      cwd: options.cwd ?? ROOT,
      env: childEnv(options.env, options.unset),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const proc = new Proc(name, child);
    live.add(proc);
    return proc;
  }

  /** `deno <args…>` with the project's Deno. */
  static deno(name: string, args: string[], options: SpawnOptions = {}): Proc {
    return Proc.spawn(name, DENO, args, options);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Whether the process has exited (and been reaped). */
  get gone(): boolean {
    return this.#gone;
  }

  /** All output so far, one string. */
  text(): string {
    return this.lines.map((l) => l.text).join("\n");
  }

  /** The output as a log file: seconds since the start, stream, line. */
  log(): string {
    return this.lines.map((l) => `${(l.at / 1000).toFixed(3).padStart(8)} ${l.stream} ${l.text}`)
      .join("\n") + "\n";
  }

  async #pump(stream: ReadableStream<Uint8Array>, tag: "out" | "err"): Promise<void> {
    let rest = "";
    const push = (text: string) => {
      this.lines.push({ at: performance.now() - this.#t0, stream: tag, text });
      for (const w of [...this.#waiters]) {
        const m = w.re.exec(text);
        if (m) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        for (const line of parts) push(line);
      }
    } catch {
      // the pipe broke: the process is gone
    }
    if (rest) push(rest);
  }

  /**
   * The first line (seen already, or to come) matching `re`. Rejects when the process exits
   * first or `timeoutMs` passes, with its output in the message.
   */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    for (const l of this.lines) {
      const m = re.exec(l.text);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      let done = false;
      const w = {
        re,
        resolve: (m: RegExpExecArray) => finish(() => resolve(m)),
      };
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const at = this.#waiters.indexOf(w);
        if (at >= 0) this.#waiters.splice(at, 1);
        f();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`${this.name} printed no ${re} within ${timeoutMs} ms${this.#tail()}`))
          ),
        timeoutMs,
      );
      this.#waiters.push(w);
      this.exited.then((s) =>
        finish(() =>
          reject(
            new Error(
              `${this.name} exited (${
                s.signal ?? `code ${s.code}`
              }) before printing ${re}${this.#tail()}`,
            ),
          )
        )
      );
    });
  }

  #tail(): string {
    const tail = this.lines.slice(-15).map((l) => `  | ${l.text}`).join("\n");
    return tail ? `:\n${tail}` : "";
  }

  /**
   * Sends `signal` to the process, or with `group` to its whole process group. Does nothing once
   * the process is gone.
   */
  signal(signal: Deno.Signal, options: { group?: boolean } = {}): void {
    if (this.#gone) return;
    try {
      if (options.group) Deno.kill(-this.pid, signal);
      else this.child.kill(signal);
    } catch {
      // exited in the meantime
    }
  }

  /** The exit status, or undefined if the process still runs after `ms`. */
  async exitWithin(ms: number): Promise<ExitStatus | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        this.exited,
        new Promise<undefined>((r) => timer = setTimeout(() => r(undefined), ms)),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Ends the process group: `signal` (default SIGTERM), then SIGKILL after `graceMs`; also ends
   * members of the group that outlived their leader. Never rejects.
   */
  async stop(signal: Deno.Signal = "SIGTERM", graceMs = 5_000): Promise<ExitStatus> {
    this.signal(signal, { group: true });
    let status = await this.exitWithin(graceMs);
    if (!status) {
      this.signal("SIGKILL", { group: true });
      status = await this.exited;
    }
    this.killLeftovers();
    return status;
  }

  /**
   * SIGKILLs the members of the group that outlived its leader (an ffmpeg whose server was
   * killed), each by its pid, if it is still the same process (same start time).
   */
  killLeftovers(): void {
    for (const m of this.#leftovers) {
      if (startTime(m.pid) !== m.start) continue;
      try {
        Deno.kill(m.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    this.#leftovers = [];
  }
}

/** A process of a group: its pid and start time (clock ticks after boot; pid + start is unique). */
export interface GroupMember {
  pid: number;
  start: number;
}

function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // pid (comm) state ppid pgrp session … starttime(22) — comm may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function startTime(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined;
}

/** The processes in process group `pgid`, from /proc. */
export function groupMembers(pgid: number): GroupMember[] {
  const out: GroupMember[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const f = statFields(entry.name);
    if (f && Number(f[2]) === pgid) out.push({ pid: Number(entry.name), start: Number(f[19]) });
  }
  return out;
}

/** Stops every process this suite started that is still running (SIGTERM, then SIGKILL). */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop("SIGTERM", graceMs)));
}

/** SIGKILLs every process this suite started, synchronously (for an exiting process). */
export function killAllNow(): void {
  for (const p of live) p.signal("SIGKILL", { group: true });
}

/** How many processes of the suite still run. */
export function liveCount(): number {
  return live.size;
}
