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
 *
 * The wasm time is the chain run on a frame already in wasm memory (FilterEngine
 * prepareInPlace); "apply()" adds copying the frame in and out. Mpx/s counts luma pixels
 * (w × h) per second; each frame also carries w × h / 2 chroma samples.
 */
import {
  type BenchOptions,
  BenchUsageError,
  parseBenchArgs,
  runDirectly,
  stringValue,
} from "./args.ts";
import { frameSize } from "../../src/codec/frame.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { compileChain } from "../../src/filters/compile.ts";
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
  -h, --help         this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  sizes: "string",
  filters: "string",
  "min-ms": "string",
  "ref-runs": "string",
  "no-ref": "boolean",
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
    "| filter | size | wasm ms/frame | wasm Mpx/s | apply() ms | TS ms/frame | TS Mpx/s | wasm ÷ TS |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    const ref = r.refMs === undefined
      ? ["–", "–", "–"]
      : [fmt(r.refMs), mpx(r.width, r.height, r.refMs), `${(r.refMs / r.wasmMs).toFixed(1)}×`];
    lines.push(
      `| \`${r.chain}\` | ${r.size} | ${fmt(r.wasmMs)} | ${mpx(r.width, r.height, r.wasmMs)} | ` +
        `${fmt(r.applyMs)} | ${ref.join(" | ")} |`,
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

  const engine = await FilterEngine.create();
  console.log(
    `vframe filters benchmark: ${new Date().toISOString()}, deno ${Deno.version.deno} ` +
      `(V8 ${Deno.version.v8}), ${cpuModel()} (${navigator.hardwareConcurrency} logical cores), ` +
      `load average ${loadAverage()}; one thread.`,
  );
  console.log("");
  const rows: BenchRow[] = [];
  for (const [label, w, h] of sizes) {
    const input = testFrame(w, h);
    const output = new Uint8Array(input.length);
    for (const [text, chain] of parsed) {
      const run = engine.prepareInPlace(chain, w, h, input);
      const wasmMs = time(run, minMs, 10);
      const applyMs = time(() => engine.apply(chain, w, h, input, output), minMs / 3, 5, 1);
      const refMs = noRef
        ? undefined
        : time(() => referenceApply(chain, w, h, input), 0, refRuns, 1);
      rows.push({ chain: text, size: label, width: w, height: h, wasmMs, applyMs, refMs });
    }
  }
  console.log(table(rows));
  console.log("");
  for (const line of targets(rows)) console.log(line);
  return rows;
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
