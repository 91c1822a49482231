/**
 * `deno task bench filters [options]`: every filter's time per frame at 720p and 1080p, the
 * SIMD WebAssembly kernels beside the plain TypeScript references (each filter module's, via
 * tests/reference/chain.ts), as a Markdown table, with a header line naming the date, Deno
 * version and CPU.
 *
 * Options:
 *   --sizes 720p,1080p     frame sizes (also WxH)
 *   --filters 'a;b;...'    filter chains to time, separated by ';' (default: every filter, blur
 *                          at sigma 1/5/30 and boxblur at radius 2/20/100)
 *   --min-ms 300           minimum time spent measuring each wasm case
 *   --ref-runs 3           runs of each reference case (the median is shown)
 *   --no-ref               skip the reference kernels
 *   --no-ffmpeg            skip ffmpeg's own filters
 *   --ffmpeg-frames 30     frames per ffmpeg run
 *   --ffmpeg-runs 3        ffmpeg runs per case (the median is shown)
 *
 * Beside each chain with an ffmpeg equivalent ({@link ffmpegEquivalent}) the native ffmpeg runs
 * the same frames, on one thread: `ffmpeg -threads 1 -filter_threads 1 -f rawvideo -pix_fmt
 * yuv420p -s WxH -i frames.yuv -vf VF -f null -` with `-benchmark`; the same run with `-vf null`
 * is subtracted from its real time, so only the filter counts, and divided by the frames.
 *
 * The wasm time is the chain run on a frame already in wasm memory (FilterEngine
 * prepareInPlace); "apply()" adds copying the frame in and out. Mpx/s counts luma pixels
 * (w × h) per second; each frame also carries w × h / 2 chroma samples.
 */
import {
  type BenchOptions,
  BenchUsageError,
  parseBenchArgs,
  positiveInt,
  runDirectly,
  stringValue,
} from "./args.ts";
import { frameSize } from "../../src/codec/frame.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { chainOutputSize, compileChain } from "../../src/filters/compile.ts";
import { referenceApply } from "../../tests/reference/chain.ts";

/** `deno task bench filters --help`. */
export const USAGE = `usage: deno task bench filters [options]

Every filter's time per frame, the SIMD WebAssembly kernels beside the plain TypeScript
references, as a Markdown table (one thread).

Options:
  --sizes LIST       frame sizes, comma-separated: 360p, 720p, 1080p, 2160p or WxH
                     (default 720p,1080p)
  --filters 'A;B'    filter chains to time, separated by ';' (default: every filter, blur at
                     sigma 1/5/30 and boxblur at radius 2/20/100)
  --min-ms MS        minimum time spent measuring each wasm case (default 300)
  --ref-runs N       runs of each reference case, the median is shown (default 3)
  --no-ref           skip the reference kernels
  --no-ffmpeg        skip ffmpeg's own filter on the same frames (one thread, its
                     -vf null run subtracted)
  --ffmpeg-frames N  frames per ffmpeg run (default 30)
  --ffmpeg-runs N    ffmpeg runs per case, the median is shown (default 3)
  -h, --help         this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  sizes: "string",
  filters: "string",
  "min-ms": "string",
  "ref-runs": "string",
  "no-ref": "boolean",
  "no-ffmpeg": "boolean",
  "ffmpeg-frames": "string",
  "ffmpeg-runs": "string",
};

/** The chains timed by default. */
export const DEFAULT_CHAINS = [
  "blur=sigma=1",
  "blur=sigma=5",
  "blur=sigma=30",
  "boxblur=radius=2",
  "boxblur=radius=20",
  "boxblur=radius=100",
  "grayscale",
  "invert",
  "eq=brightness=0.1:contrast=1.2",
  "eq=gamma=1.5",
  "saturation",
  "sepia",
  "sharpen",
  "edges",
  "emboss",
  "pixelate",
  "threshold",
  "hflip",
  "vflip",
  "hue=h=60:s=1.3",
  "unsharp",
  "unsharp=13:11:1.5:5:5:1",
  "vignette",
  "drawbox=x=iw/4:y=ih/4:w=iw/2:h=ih/2:c=red@0.5:t=fill",
  "drawbox=10:10:iw-20:ih-20:yellow:8",
  "colorbalance=rs=0.3:gm=-0.2:bh=0.5",
  "curves=vintage",
  "rotate=PI",
  "rotate=PI/2",
  "scale=-2:720:flags=bicubic",
  "scale=-2:720:flags=bilinear",
  "crop=iw-100:ih-100",
  "pad=iw+64:ih+64:32:32",
  "transpose=clock",
  "fade=t=in:st=0:d=1",
  // The test fixture's watermark, found from this file wherever the bench runs from.
  `overlay=file=${
    new URL("../../tests/filters/fixtures/overlay_logo.png", import.meta.url).pathname
  }:x=W-w-10:y=10`,
];

const NAMED_SIZES: Record<string, [number, number]> = {
  "360p": [640, 360],
  "720p": [1280, 720],
  "1080p": [1920, 1080],
  "2160p": [3840, 2160],
};

/** One measured case. */
export interface BenchRow {
  chain: string;
  size: string;
  width: number;
  height: number;
  wasmMs: number;
  applyMs: number;
  refMs?: number;
  /** ffmpeg's own filter on the same frames, ms per frame (its `-vf null` run subtracted). */
  ffmpegMs?: number;
}

/**
 * ffmpeg's `-vf` for the default chains whose vframe syntax is not ffmpeg's (vframe's own
 * filter names, or a different parameter syntax).
 */
const FFMPEG_FOR: Readonly<Record<string, string>> = {
  "blur=sigma=1": "gblur=sigma=1",
  "blur=sigma=5": "gblur=sigma=5",
  "blur=sigma=30": "gblur=sigma=30",
  "boxblur=radius=2": "boxblur=2:2",
  "boxblur=radius=20": "boxblur=20:2",
  "grayscale": "hue=s=0",
  "invert": "negate",
  "rotate=PI": "hflip,vflip",
  "rotate=PI/2": "transpose=clock",
};

/** Filters whose vframe syntax is ffmpeg's, so a chain of only these runs as it is in ffmpeg. */
const SAME_SYNTAX = new Set([
  "scale",
  "crop",
  "pad",
  "transpose",
  "fade",
  "hflip",
  "vflip",
  "hue",
  "unsharp",
  "vignette",
  "drawbox",
  "colorbalance",
  "curves",
  "eq",
]);

/**
 * The ffmpeg `-vf` that does what `chain` does: from {@link FFMPEG_FOR}, else the chain itself
 * when every filter in it has ffmpeg's syntax; undefined when ffmpeg has no equivalent.
 */
export function ffmpegEquivalent(chain: string): string | undefined {
  const known = FFMPEG_FOR[chain];
  if (known) return known;
  const names = compileChain(chain).map((s) => s.name);
  return names.length > 0 && names.every((n) => SAME_SYNTAX.has(n)) ? chain : undefined;
}

/**
 * The arguments of one ffmpeg run of `vf` on the `frames`-frame raw yuv420p file `file` of
 * w×h frames: one thread (`-threads 1 -filter_threads 1`), no output (`-f null -`),
 * `-benchmark` for its times on stderr.
 */
export function ffmpegArgs(vf: string, w: number, h: number, file: string): string[] {
  return [
    // ffmpeg prints its `bench:` line at the info level: `-v error` would hide it.
    ...["-hide_banner", "-nostdin", "-nostats", "-v", "info", "-benchmark"],
    ...["-threads", "1", "-filter_threads", "1"],
    ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${w}x${h}`, "-framerate", "25"],
    ...["-i", file, "-vf", vf, "-f", "null", "-"],
  ];
}

/** The real time in seconds ffmpeg's `-benchmark` reports (`bench: utime=… rtime=0.123s`). */
export function benchRealTime(stderr: string): number {
  const m = /bench:.*\brtime=([\d.]+)s/.exec(stderr);
  if (!m) throw new Error(`ffmpeg -benchmark printed no 'rtime=': ${stderr.slice(-300)}`);
  return Number(m[1]);
}

/**
 * ffmpeg's filter time per frame, ms: the median real time of the filter's runs minus the median
 * of the `-vf null` runs, over `frames` frames (never below 0).
 */
export function filterMsPerFrame(filterS: number[], nullS: number[], frames: number): number {
  return Math.max(0, ((median(filterS) - median(nullS)) * 1000) / frames);
}

/** Runs ffmpeg once; its real time in seconds. */
async function ffmpegRun(vf: string, w: number, h: number, file: string): Promise<number> {
  const out = await new Deno.Command("ffmpeg", {
    args: ffmpegArgs(vf, w, h, file),
    stdout: "null",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`ffmpeg -vf ${vf} failed: ${stderr.slice(-500)}`);
  return benchRealTime(stderr);
}

/** True when `ffmpeg` runs. */
async function haveFfmpeg(): Promise<boolean> {
  try {
    return (await new Deno.Command("ffmpeg", { args: ["-version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

function parseSize(text: string): [string, number, number] {
  const named = NAMED_SIZES[text];
  if (named) return [text, ...named];
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) {
    throw new BenchUsageError(
      `size must be one of ${Object.keys(NAMED_SIZES).join(", ")} or WxH, got '${text}'`,
    );
  }
  return [text, Number(m[1]), Number(m[2])];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median time of `f` over at least `minRuns` runs and `minMs` milliseconds, after warm-up. */
function time(f: () => void, minMs: number, minRuns: number, warmup = 3): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minMs) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** A frame with some structure (gradients and noise), so nothing is trivially flat. */
function testFrame(w: number, h: number): Uint8Array {
  const data = new Uint8Array(frameSize(w, h));
  let seed = 1;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = ((i % w) + (seed >>> 28)) & 255;
  }
  return data;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown CPU";
  } catch {
    return "unknown CPU";
  }
}

function loadAverage(): string {
  try {
    return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch {
    return "n/a";
  }
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const mpx = (w: number, h: number, ms: number) => ((w * h) / ms / 1000).toFixed(0);

/** The Markdown table of a set of rows. */
export function table(rows: BenchRow[]): string {
  const lines = [
    "| filter | size | wasm ms/frame | wasm Mpx/s | apply() ms | TS ms/frame | TS Mpx/s | wasm ÷ TS " +
    "| ffmpeg ms/frame | ffmpeg ÷ wasm |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const ref = r.refMs === undefined
      ? ["–", "–", "–"]
      : [fmt(r.refMs), mpx(r.width, r.height, r.refMs), `${(r.refMs / r.wasmMs).toFixed(1)}×`];
    lines.push(
      `| \`${r.chain}\` | ${r.size} | ${fmt(r.wasmMs)} | ${mpx(r.width, r.height, r.wasmMs)} | ` +
        `${fmt(r.applyMs)} | ${ref.join(" | ")} | ${
          r.ffmpegMs === undefined
            ? "– | –"
            : `${fmt(r.ffmpegMs)} | ${(r.ffmpegMs / r.wasmMs).toFixed(1)}×`
        } |`,
    );
  }
  return lines.join("\n");
}

/** Which targets the rows meet: blur/boxblur at 1080p within 3 ms, every kernel ≥ 4× TS. */
export function targets(rows: BenchRow[]): string[] {
  const out: string[] = [];
  const blurs = rows.filter((r) => r.height === 1080 && /^(blur|boxblur)=/.test(r.chain));
  if (blurs.length) {
    const slow = blurs.filter((r) => r.wasmMs > 3);
    out.push(
      slow.length === 0
        ? `- blur and boxblur on 1080p within 3 ms: met (slowest ${
          fmt(Math.max(...blurs.map((r) => r.wasmMs)))
        } ms)`
        : `- blur and boxblur on 1080p within 3 ms: NOT met for ${
          slow.map((r) => `${r.chain} (${fmt(r.wasmMs)} ms)`).join(", ")
        }`,
    );
  }
  const scale = rows.filter((r) =>
    r.width === 1920 && r.height === 1080 && /^scale=.*bicubic/.test(r.chain)
  );
  for (const r of scale) {
    const within = r.wasmMs <= 2 ? "met" : "NOT met";
    const vs = r.ffmpegMs === undefined
      ? "ffmpeg not measured"
      : r.wasmMs < r.ffmpegMs
      ? `faster than swscale (${fmt(r.ffmpegMs)} ms): met`
      : `faster than swscale (${fmt(r.ffmpegMs)} ms): NOT met`;
    out.push(`- \`${r.chain}\` 1080p within 2 ms: ${within} (${fmt(r.wasmMs)} ms); ${vs}`);
  }
  const withRef = rows.filter((r) => r.refMs !== undefined);
  if (withRef.length) {
    const weak = withRef.filter((r) => r.refMs! / r.wasmMs < 4);
    out.push(
      weak.length === 0
        ? `- every kernel at least 4× its TypeScript reference: met (lowest ${
          Math.min(...withRef.map((r) => r.refMs! / r.wasmMs)).toFixed(1)
        }×)`
        : `- every kernel at least 4× its TypeScript reference: NOT met for ${
          weak.map((r) => `${r.chain} ${r.size} (${(r.refMs! / r.wasmMs).toFixed(1)}×)`).join(", ")
        }`,
    );
  }
  return out;
}

/**
 * Runs the benchmark and prints the report (with `--help`, the usage only, and no rows).
 * @throws BenchUsageError for a bad option; a filter chain error for a bad `--filters` chain.
 */
export async function main(args: string[]): Promise<BenchRow[]> {
  const parsedArgs = parseBenchArgs("filters", args, OPTIONS);
  if (parsedArgs.help) {
    console.log(USAGE);
    return [];
  }
  const sizes = stringValue(parsedArgs, "sizes", "720p,1080p").split(",").map((s) =>
    parseSize(s.trim())
  );
  const filters = stringValue(parsedArgs, "filters", "");
  const chains = filters ? filters.split(";").map((s) => s.trim()) : DEFAULT_CHAINS;
  const minMsText = stringValue(parsedArgs, "min-ms", "300");
  const minMs = Number(minMsText);
  if (minMsText.trim() === "" || !(minMs >= 0)) {
    throw new BenchUsageError(`--min-ms must be a number >= 0, got ${minMsText}`);
  }
  const refRunsText = stringValue(parsedArgs, "ref-runs", "3");
  const refRuns = Number(refRunsText);
  if (!/^\d+$/.test(refRunsText) || refRuns < 1) {
    throw new BenchUsageError(`--ref-runs must be an integer >= 1, got ${refRunsText}`);
  }
  const noRef = parsedArgs.values["no-ref"] === true;
  const parsed = chains.map((c) => [c, compileChain(c)] as const);
  const ffmpegFrames = positiveInt(parsedArgs, "ffmpeg-frames", 30);
  const ffmpegRuns = positiveInt(parsedArgs, "ffmpeg-runs", 3);
  const withFfmpeg = parsedArgs.values["no-ffmpeg"] !== true && await haveFfmpeg();
  const tmp = withFfmpeg ? await Deno.makeTempDir({ prefix: "vframe-bench-" }) : "";

  const engine = await FilterEngine.create();
  console.log(
    `vframe filters benchmark: ${new Date().toISOString()}, deno ${Deno.version.deno} ` +
      `(V8 ${Deno.version.v8}), ${cpuModel()} (${navigator.hardwareConcurrency} logical cores), ` +
      `load average ${loadAverage()}; one thread.`,
  );
  console.log("");
  const rows: BenchRow[] = [];
  try {
    await measure();
  } finally {
    if (tmp) await Deno.remove(tmp, { recursive: true });
  }
  console.log(table(rows));
  console.log("");
  if (!withFfmpeg && parsedArgs.values["no-ffmpeg"] !== true) {
    console.log("- ffmpeg not found on PATH: its columns are empty");
  }
  for (const line of targets(rows)) console.log(line);
  return rows;

  async function measure(): Promise<void> {
    for (const [label, w, h] of sizes) {
      const input = testFrame(w, h);
      const file = `${tmp}/${w}x${h}.yuv`;
      let nullS: number[] | undefined;
      if (withFfmpeg) {
        const frames = new Uint8Array(input.length * ffmpegFrames);
        for (let i = 0; i < ffmpegFrames; i++) frames.set(input, i * input.length);
        await Deno.writeFile(file, frames);
      }
      for (const [text, chain] of parsed) {
        // A chain may change the size (scale, crop, pad, transpose): the output has its own.
        const size = chainOutputSize(chain, w, h);
        const output = new Uint8Array(frameSize(size.width, size.height));
        const run = engine.prepareInPlace(chain, w, h, input);
        const wasmMs = time(run, minMs, 10);
        const applyMs = time(() => engine.apply(chain, w, h, input, output), minMs / 3, 5, 1);
        const refMs = noRef
          ? undefined
          : time(() => referenceApply(chain, w, h, input), 0, refRuns, 1);
        const vf = withFfmpeg ? ffmpegEquivalent(text) : undefined;
        let ffmpegMs: number | undefined;
        if (vf) {
          nullS ??= await repeat(() => ffmpegRun("null", w, h, file), ffmpegRuns);
          try {
            const filterS = await repeat(() => ffmpegRun(vf, w, h, file), ffmpegRuns);
            ffmpegMs = filterMsPerFrame(filterS, nullS, ffmpegFrames);
          } catch (error) {
            // ffmpeg refuses some parameters on small frames (a box radius past the chroma
            // plane): its column stays empty for that case, the rest of the table goes on.
            console.error(
              `  ffmpeg -vf ${vf} at ${w}x${h}: ${(error as Error).message.split("\n")[0]}`,
            );
          }
        }
        rows.push({
          chain: text,
          size: label,
          width: w,
          height: h,
          wasmMs,
          applyMs,
          refMs,
          ffmpegMs,
        });
      }
      if (withFfmpeg) await Deno.remove(file);
    }
  }
}

/** `n` results of `f`, one after another. */
async function repeat(f: () => Promise<number>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
