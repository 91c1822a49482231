/**
 * Machine-readable progress (`--progress FILE|-` of `vframe filter` and `vframe client`): what a
 * moment of a run is ({@link ProgressSample}, counters) → one report ({@link progressSnapshot},
 * with rates and times worked out) → one block of text ({@link formatProgress}). Pure: the writer
 * that opens the file and emits blocks at a steady interval is `progress_writer.ts`.
 *
 * Two formats. `kv` (the default) is ffmpeg's `-progress`: one `key=value` per line, each block
 * ending with `progress=continue`, the last with `progress=end`:
 *
 * ```text
 * frame=45
 * total_frames=90
 * fps=29.87
 * out_time_us=1500000
 * out_time=00:00:01.500000
 * elapsed_us=1506515
 * speed=0.996x
 * progress=continue
 * ```
 *
 * `ndjson` is one JSON object per line with the same keys, numbers as numbers (`speed` without
 * the `x`), and `null` where kv says `N/A`. Docs: docs/progress.md.
 */

/** The progress formats: `kv` (ffmpeg's `key=value` blocks) and `ndjson` (a JSON object a line). */
export const PROGRESS_FORMATS = ["kv", "ndjson"] as const;

/** One of {@link PROGRESS_FORMATS}. */
export type ProgressFormat = typeof PROGRESS_FORMATS[number];

/** How a run ended, in the last block: `done`, or `failed`/`cancelled` (then the exit is not 0). */
export type ProgressStatus = "done" | "failed" | "cancelled";

/** A frame rate as a fraction, e.g. 30000/1001. */
export interface FrameRate {
  num: number;
  den: number;
}

/** The counters of a run at one moment: what the command knows. */
export interface ProgressSample {
  /** Frames done (filtered and written; the client: encoded by the server), integer ≥ 0. */
  frame: number;
  /** Frames in the input, when known. */
  totalFrames?: number;
  /**
   * Frames per second as measured by the source (the client: the server's figure). Default:
   * `frame` over the elapsed time.
   */
  fps?: number;
  /** The video's frame rate, to time the frames done (`out_time`); unknown: `N/A`. */
  frameRate?: FrameRate;
  /** The stage of the job (the client: `upload`, `decode`, `process`, `encode`, `download`). */
  stage?: string;
  /** Frames replaced by the original (the client). */
  fallbackFrames?: number;
}

/** One report, with rates and times worked out from a {@link ProgressSample}. */
export interface ProgressSnapshot {
  frame: number;
  totalFrames?: number;
  /** Frames per second, ≥ 0, two decimals. */
  fps: number;
  stage?: string;
  fallbackFrames?: number;
  /** Media time of the frames done, µs; null when the frame rate is unknown. */
  outTimeUs: number | null;
  /** Wall time since the run started, µs. */
  elapsedUs: number;
  /** Media time done per wall time (1 = real time), three significant digits; null when unknown. */
  speed: number | null;
  /** `end` in the last block, `continue` in every other. */
  progress: "continue" | "end";
  /** In the last block only: how the run ended. */
  status?: ProgressStatus;
}

/**
 * Works out the report of `sample` at `elapsedMs` after the start. `end` makes it the last block,
 * with `status`.
 * @throws RangeError for a negative or non-finite frame count or elapsed time.
 */
export function progressSnapshot(
  sample: ProgressSample,
  elapsedMs: number,
  end?: { status: ProgressStatus },
): ProgressSnapshot {
  if (!Number.isInteger(sample.frame) || sample.frame < 0) {
    throw new RangeError(`frame must be an integer >= 0, got ${sample.frame}`);
  }
  if (!Number.isFinite(elapsedMs) || elapsedMs < 0) {
    throw new RangeError(`elapsed time must be a finite number >= 0, got ${elapsedMs}`);
  }
  const elapsedUs = Math.round(elapsedMs * 1000);
  const rate = sample.frameRate;
  const outTimeUs = sample.frame === 0
    ? 0 // no frame done is no time, whatever the rate
    : rate && rate.num > 0 && rate.den > 0
    ? Math.round((sample.frame * rate.den * 1e6) / rate.num)
    : null;
  const measured = sample.fps ?? (elapsedMs > 0 ? sample.frame / (elapsedMs / 1000) : 0);
  const fps = Number.isFinite(measured) && measured > 0 ? Math.round(measured * 100) / 100 : 0;
  const speed = outTimeUs !== null && elapsedUs > 0
    ? Number((outTimeUs / elapsedUs).toPrecision(3))
    : null;
  return {
    frame: sample.frame,
    ...(sample.totalFrames !== undefined ? { totalFrames: sample.totalFrames } : {}),
    fps,
    ...(sample.stage !== undefined ? { stage: sample.stage } : {}),
    ...(sample.fallbackFrames !== undefined ? { fallbackFrames: sample.fallbackFrames } : {}),
    outTimeUs,
    elapsedUs,
    speed,
    progress: end ? "end" : "continue",
    ...(end ? { status: end.status } : {}),
  };
}

/** `µs` as ffmpeg writes `out_time`: `HH:MM:SS.micro` (hours grow past 99), e.g. `00:01:02.500000`. */
export function formatOutTime(us: number): string {
  if (!Number.isFinite(us) || us < 0) {
    throw new RangeError(`time must be a finite number >= 0, got ${us}`);
  }
  const total = Math.round(us);
  const micro = total % 1_000_000;
  const seconds = Math.floor(total / 1_000_000);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${
    two(seconds % 60)
  }.${String(micro).padStart(6, "0")}`;
}

/**
 * The fields of a block in order, `snake_case`; absent ones (unknown total, no stage) left out,
 * unknown ones null.
 */
function fields(s: ProgressSnapshot): [string, string | number | null][] {
  const out: [string, string | number | null][] = [["frame", s.frame]];
  if (s.totalFrames !== undefined) out.push(["total_frames", s.totalFrames]);
  out.push(["fps", s.fps]);
  if (s.stage !== undefined) out.push(["stage", s.stage]);
  if (s.fallbackFrames !== undefined) out.push(["fallback_frames", s.fallbackFrames]);
  out.push(
    ["out_time_us", s.outTimeUs],
    ["out_time", s.outTimeUs === null ? null : formatOutTime(s.outTimeUs)],
    ["elapsed_us", s.elapsedUs],
    ["speed", s.speed],
  );
  if (s.status !== undefined) out.push(["status", s.status]);
  out.push(["progress", s.progress]);
  return out;
}

/**
 * One block of text for `snapshot`, ending with a newline: `key=value` lines (`kv`, numbers as
 * ffmpeg writes them: `fps=29.87`, `speed=1.23x`, unknown `N/A`) or one JSON line (`ndjson`).
 */
export function formatProgress(snapshot: ProgressSnapshot, format: ProgressFormat = "kv"): string {
  const list = fields(snapshot);
  if (format === "ndjson") return JSON.stringify(Object.fromEntries(list)) + "\n";
  if (format !== "kv") {
    throw new RangeError(`progress format must be one of ${PROGRESS_FORMATS.join(", ")}`);
  }
  return list.map(([key, value]) => `${key}=${kvValue(key, value)}\n`).join("");
}

function kvValue(key: string, value: string | number | null): string {
  if (value === null) return "N/A";
  if (key === "fps") return (value as number).toFixed(2);
  if (key === "speed") return `${value}x`;
  return String(value);
}

/**
 * Splits text in the `kv` format into its blocks, each a map of its keys (the inverse of
 * {@link formatProgress}, for readers and tests). A block ends at its `progress=` line; an
 * unfinished last block is dropped.
 * @throws SyntaxError for a line that is not `key=value`.
 */
export function parseProgressBlocks(text: string): Record<string, string>[] {
  const blocks: Record<string, string>[] = [];
  let block: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new SyntaxError(`not a key=value line: '${line}'`);
    block[line.slice(0, eq)] = line.slice(eq + 1);
    if (line.startsWith("progress=")) {
      blocks.push(block);
      block = {};
    }
  }
  return blocks;
}
