/**
 * What a fault reports — checks and measurements — and the suite's table. A fault passes when it
 * made at least one check and every check held; a fault that throws or runs out of time fails.
 */

/** One thing a fault verified. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The outcome of one fault, as printed and as `--json` gives it. */
export interface FaultOutcome {
  /** Number in the issue's list (1..13). */
  n: number;
  id: string;
  title: string;
  runs: number;
  /** Frames of the fault's own jobs: in the inputs, in the outputs (decoded), replaced by originals. */
  frames: { expected: number; out: number; fallback: number } | null;
  /** Redis keys left by the fault's jobs (null: no Redis in this fault). */
  keysLeaked: number | null;
  /** Highest resident memory of a server process tree during the fault, bytes. */
  peakRssBytes: number | null;
  /** Whether a good job succeeded after every run of the fault. */
  alive: boolean | null;
  verdict: "PASS" | "FAIL";
  checks: Check[];
  notes: string[];
  ms: number;
  /** Where the processes' logs were kept (failed faults, or with --keep). */
  logs?: string;
}

/** Collects a fault's checks and measurements while it runs. */
export class Recorder {
  runs = 0;
  frames: FaultOutcome["frames"] = null;
  keysLeaked: number | null = null;
  peakRssBytes: number | null = null;
  alive: boolean | null = null;
  readonly checks: Check[] = [];
  readonly notes: string[] = [];

  /** Records a check; returns `ok`. */
  check(name: string, ok: boolean, detail = ""): boolean {
    this.checks.push({ name, ok, detail });
    return ok;
  }

  /** Adds a line to the fault's notes. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** Adds frames of one job. */
  addFrames(expected: number, out: number, fallback: number): void {
    const f = this.frames ?? { expected: 0, out: 0, fallback: 0 };
    this.frames = {
      expected: f.expected + expected,
      out: f.out + out,
      fallback: f.fallback + fallback,
    };
  }

  /** Adds keys left in Redis by one run. */
  addKeys(n: number): void {
    this.keysLeaked = (this.keysLeaked ?? 0) + n;
  }

  /** Takes a server's peak tree RSS into account. */
  rss(bytes: number): void {
    if (bytes > 0) this.peakRssBytes = Math.max(this.peakRssBytes ?? 0, bytes);
  }

  /** Records one liveness check (a good job after the fault). */
  aliveAfter(ok: boolean, detail: string): void {
    this.alive = (this.alive ?? true) && ok;
    this.check("listener alive: a good job succeeds after the fault", ok, detail);
  }

  /** The verdict of what was recorded. */
  get passed(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.ok);
  }
}

function cell(v: string, width: number, right = false): string {
  return right ? v.padStart(width) : v.padEnd(width);
}

/** A plain-text table (Markdown pipe syntax), one row per fault. */
export function formatTable(outcomes: FaultOutcome[]): string {
  const head = [
    "#",
    "fault",
    "runs",
    "frames exp/out/fallback",
    "keys leaked",
    "peak RSS",
    "alive after",
    "verdict",
    "time",
  ];
  const rows = outcomes.map((o) => [
    String(o.n),
    o.id,
    String(o.runs),
    o.frames ? `${o.frames.expected}/${o.frames.out}/${o.frames.fallback}` : "-",
    o.keysLeaked === null ? "-" : String(o.keysLeaked),
    o.peakRssBytes === null ? "-" : `${Math.round(o.peakRssBytes / 1024 ** 2)} MiB`,
    o.alive === null ? "-" : o.alive ? "yes" : "NO",
    o.verdict,
    `${(o.ms / 1000).toFixed(1)} s`,
  ]);
  const right = [true, false, true, true, true, true, false, false, true];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((v, i) => cell(v, widths[i], right[i])).join(" | ")} |`;
  const rule = `|${
    widths.map((w, i) => right[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")
  }|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** The details under the table: each fault's title and notes, and every failed check. */
export function formatDetails(outcomes: FaultOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    out.push(`${o.n}. ${o.id} — ${o.title}: ${o.verdict}`);
    for (const n of o.notes) out.push(`   - ${n}`);
    for (const c of o.checks.filter((c) => !c.ok)) {
      out.push(`   ✗ ${c.name}${c.detail ? `: ${c.detail}` : ""}`);
    }
    if (o.logs) out.push(`   logs: ${o.logs}`);
  }
  return out.join("\n");
}
