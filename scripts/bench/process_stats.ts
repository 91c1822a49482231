/**
 * Measuring a whole command as a user waits for it: wall time, CPU seconds of the whole process
 * tree (user + sys) and the tree's peak resident memory. Linux only (reads `/proc`).
 *
 * CPU: the command runs under `/bin/sh`, which waits for it and then reads its own
 * `/proc/<pid>/stat` with a shell builtin (no extra process): fields 16–17 (`cutime`, `cstime`)
 * are the user and system time of every descendant that was waited for — the command, its
 * threads, and the processes it waited for itself (ffmpeg children) — the same figure as
 * `getrusage(RUSAGE_CHILDREN)` or `/usr/bin/time`, without needing either.
 *
 * Peak RSS: the sum of VmRSS over the tree (the shell, the command, its children), sampled every
 * `sampleMs` (default 20 ms) while it runs; shared pages (the libraries two ffmpeg processes both
 * map, the deno binary of `deno task` and of the command it starts) count once per process, so
 * this errs high. Peak PSS (proportional set size: shared pages split between their users) is
 * sampled beside it, the tree's actual share of memory.
 */

/** What {@link measureCommand} saw. */
export interface ProcessStats {
  /** Wall time from spawn to exit, seconds. */
  wall: number;
  /** CPU seconds of the tree: user, system and their sum. */
  user: number;
  sys: number;
  cpu: number;
  /** Peak sum of RSS over the tree, MiB. */
  peakRssMiB: number;
  /** Peak sum of PSS over the tree, MiB (0 where /proc/PID/smaps_rollup is missing). */
  peakPssMiB: number;
  /** Processes seen in the tree (the shell included). */
  processes: number;
}

/** Options of {@link measureCommand}. */
export interface MeasureOptions {
  /** Working directory of the command. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** RSS sampling period, ms (default 20). */
  sampleMs?: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Deno runs on

/** The pids of `pid`'s children (all threads' children). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
      if (text) { for (const c of text.split(/\s+/)) out.push(Number(c)); }
    }
  } catch {
    // exited meanwhile
  }
  return out;
}

function rssBytes(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function pssBytes(pid: number): number {
  try {
    const rollup = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** RSS and PSS summed over `root` and its descendants; adds every pid seen to `seen`. */
export function treeMemory(
  root: number,
  seen: Set<number> = new Set(),
): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    seen.add(pid);
    rss += rssBytes(pid);
    pss += pssBytes(pid);
    stack.push(...childrenOf(pid));
  }
  return { rss, pss };
}

/** Parses `user sys` ticks from the line the wrapper shell wrote (its own /proc stat). */
export function parseChildTimes(statLine: string): { user: number; sys: number } {
  // Field 2 (comm) is in parentheses and may hold spaces: split after the last ')'.
  const rest = statLine.slice(statLine.lastIndexOf(")") + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state): cutime is field 16, cstime field 17.
  const cutime = Number(rest[16 - 3]);
  const cstime = Number(rest[17 - 3]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) {
    throw new Error(`cannot read child CPU times from '${statLine.slice(0, 120)}'`);
  }
  return { user: cutime / TICKS_PER_SECOND, sys: cstime / TICKS_PER_SECOND };
}

/**
 * Runs `program args…` to its end (stdout and stderr discarded unless it fails) and measures it.
 * @throws Error with the command's stderr tail when it exits non-zero.
 */
export async function measureCommand(
  program: string,
  args: string[],
  options: MeasureOptions = {},
): Promise<ProcessStats> {
  const statFile = await Deno.makeTempFile({ prefix: "vframe-bench-stat-" });
  // `read` is a builtin: reading the shell's own stat forks nothing that would be counted.
  const script =
    `"$@"; rc=$?; read -r line < /proc/$$/stat; printf '%s\\n' "$line" > "$VFRAME_STAT"; ` +
    `exit $rc`;
  try {
    const started = performance.now();
    const child = new Deno.Command("/bin/sh", {
      args: ["-c", script, "sh", program, ...args],
      cwd: options.cwd,
      env: { ...options.env, VFRAME_STAT: statFile },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let peakRss = 0;
    let peakPss = 0;
    const seen = new Set<number>();
    let running = true;
    const sampling = (async () => {
      while (running) {
        const { rss, pss } = treeMemory(child.pid, seen);
        peakRss = Math.max(peakRss, rss);
        peakPss = Math.max(peakPss, pss);
        await new Promise((r) => setTimeout(r, options.sampleMs ?? 20));
      }
    })();
    const stderrText = new Response(child.stderr).text();
    const status = await child.status;
    const wall = (performance.now() - started) / 1000;
    running = false;
    await sampling;
    const stderr = await stderrText;
    if (!status.success) {
      throw new Error(
        `${program} ${args.join(" ")} failed (${status.code}):\n${stderr.slice(-3000)}`,
      );
    }
    const { user, sys } = parseChildTimes(await Deno.readTextFile(statFile));
    return {
      wall,
      user,
      sys,
      cpu: user + sys,
      peakRssMiB: peakRss / 2 ** 20,
      peakPssMiB: peakPss / 2 ** 20,
      processes: seen.size,
    };
  } finally {
    await Deno.remove(statFile).catch(() => {});
  }
}
