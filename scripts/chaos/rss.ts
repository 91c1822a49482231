/**
 * Resident memory of a process tree, read from /proc: the process and all its descendants (a
 * server and the ffmpeg decoders and encoders it runs). Threads share their process's memory, so
 * only processes are summed.
 */

/** VmRSS of one process in bytes; 0 when it is gone. */
export function processRss(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: Deno.DirEntry[];
  try {
    tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/children`).trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // thread gone, or a kernel without the children file
    }
  }
  return out;
}

/** `pid` and every descendant, from /proc/PID/task/TID/children. */
export function processTree(pid: number): number[] {
  const seen = new Set<number>();
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    todo.push(...childrenOf(p));
  }
  return [...seen];
}

/** Resident memory of `pid` and its descendants, bytes. */
export function treeRss(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + processRss(p), 0);
}

/** Samples the tree RSS of a process every `everyMs` and keeps the peak, until stopped. */
export class RssSampler {
  #peak = 0;
  #windowPeak = 0;
  #last = 0;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(readonly pid: number, everyMs = 50) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  /** Reads the tree now; returns the value and updates the peak. */
  sample(): number {
    const rss = treeRss(this.pid);
    if (rss > 0) {
      this.#last = rss;
      this.#peak = Math.max(this.#peak, rss);
      this.#windowPeak = Math.max(this.#windowPeak, rss);
    }
    return rss;
  }

  /** Highest tree RSS seen since the start. */
  get peak(): number {
    return this.#peak;
  }

  /** Highest tree RSS seen since the last {@link startWindow}. */
  get windowPeak(): number {
    return this.#windowPeak;
  }

  /** Last non-zero reading. */
  get last(): number {
    return this.#last;
  }

  /** Starts a new window peak from the current value. */
  startWindow(): void {
    this.#windowPeak = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Bytes as MiB, rounded. */
export function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
