/**
 * `deno task bench offline [--backend native|wasm|both] [--sizes 720p,1080p] [--rounds 2]
 * [--seconds 10] [--memory] [--memory-seconds 60] [--filter CHAIN] [--ffmpeg-filter VF]
 * [--preset P] [--clips DIR]`
 *
 * What a user waits for: the WHOLE `deno task filter IN OUT --filter CHAIN --codec B` process
 * (start-up, probing, thread start, decode, filter, encode, audio copy) next to
 *
 * - the peer doing the same job alone: native `ffmpeg -vf VF` (native backend) or ffmpeg.wasm in
 *   one `exec` with `-vf VF`, as its own Deno process (wasm backend);
 * - the codec floor, the same decode and encode with no filter: native `ffmpeg` decoding to a
 *   YUV4MPEG2 pipe read by an `ffmpeg` encoding it (audio copied), or one ffmpeg.wasm `exec`
 *   without `-vf`.
 *
 * Every command runs as its own process tree; the three alternate, round after round, and the
 * table shows the best wall time and the best CPU time (user + sys of the whole tree, children
 * included) of `--rounds` runs each, and the highest peak RSS (and PSS) of the tree (see
 * process_stats.ts). The filter kernels' own CPU time (the engine on one thread, no copies) is
 * measured in-process.
 *
 * With `--memory`, only peak RSS: `deno task filter` on a 1080p clip of `--seconds` and of `--memory-seconds` (default 60), to show memory stays flat with
 * the length; one run each.
 *
 * Clips are made once with native ffmpeg the way the issue made them (`testsrc2` + `sine`, x264
 * default preset, AAC) and kept in `--clips` (default `$TMPDIR/vframe-bench-clips`).
 */
import { nativeAvailable } from "../../src/codec/backend.ts";
import { planeLayout } from "../../src/codec/frame.ts";
import { FilterEngine } from "../../src/filters/engine.ts";
import { compileChain } from "../../src/filters/compile.ts";
import { measureCommand, type ProcessStats } from "./process_stats.ts";
import { type ServerStack, STACK_KINDS, type StackKind, startStack } from "./server_rows.ts";
import {
  type BenchOptions,
  BenchUsageError,
  parseBenchArgs,
  positiveInt,
  runDirectly,
  stringValue,
  wantsHelp,
} from "./args.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = Deno.execPath();
const CRF = 23;

const SIZES: Record<string, [number, number]> = {
  "360p": [640, 360],
  "720p": [1280, 720],
  "1080p": [1920, 1080],
};

type Backend = "native" | "wasm";

/** Parsed options. */
export interface OfflineFlags {
  backends: Backend[];
  sizes: string[];
  rounds: number;
  seconds: number;
  memory: boolean;
  memorySeconds: number;
  filter: string;
  ffmpegFilter: string;
  preset: string;
  clips: string;
  /** Server + client stacks measured beside the offline command (server_rows.ts). */
  servers: StackKind[];
}

/** `deno task bench offline --help`. */
export const USAGE = `usage: deno task bench offline [options]

The whole 'deno task filter IN OUT --filter CHAIN --codec B' process next to the peer doing the
same job alone (native ffmpeg -vf, or ffmpeg.wasm in one exec) and the bare codec (decode and
encode, no filter): best wall and CPU time of interleaved rounds, peak RSS (PSS) of the tree.
Needs native ffmpeg.

Options:
  --backend B          native, wasm or both (default both)
  --sizes LIST         clip sizes, comma-separated: 360p, 720p, 1080p (default 720p,1080p)
  --rounds N           interleaved runs of each command; the best is shown (default 2)
  --seconds S          clip length (default 10)
  --memory             only peak RSS of 'deno task filter' on a 1080p clip of --seconds and
                       of --memory-seconds, one run each
  --memory-seconds S   the long clip of --memory (default 60)
  --filter CHAIN       vframe's chain (default boxblur=radius=5:passes=1)
  --ffmpeg-filter VF   the peer's -vf (default boxblur=5:1: the same work)
  --preset P           x264 preset of every side (default ultrafast)
  --clips DIR          where the clips are made once and kept
                       (default $TMPDIR/vframe-bench-clips)
  --server LIST        also send the same job with 'deno task client' to a running
                       'vframe server': embedded (its own pool), bullmq-frame or
                       bullmq-segment (a local Redis and one 'vframe worker', --unit frame
                       or segment), comma-separated, or none
                       (default embedded,bullmq-frame,bullmq-segment)
  -h, --help           this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  backend: "string",
  sizes: "string",
  rounds: "string",
  seconds: "string",
  memory: "boolean",
  "memory-seconds": "string",
  filter: "string",
  "ffmpeg-filter": "string",
  preset: "string",
  clips: "string",
  server: "string",
};

/**
 * Parses the command line (`--help` is {@link main}'s).
 * @throws BenchUsageError naming a bad option and the value seen.
 */
export function parseFlags(args: string[]): OfflineFlags {
  const parsed = parseBenchArgs(
    "offline",
    args.filter((a) => a !== "--help" && a !== "-h"),
    OPTIONS,
  );
  const backend = stringValue(parsed, "backend", "both");
  if (backend !== "native" && backend !== "wasm" && backend !== "both") {
    throw new BenchUsageError(`--backend must be native, wasm or both, got '${backend}'`);
  }
  const sizes = stringValue(parsed, "sizes", "720p,1080p").split(",");
  for (const s of sizes) {
    if (!SIZES[s]) {
      throw new BenchUsageError(`--sizes takes ${Object.keys(SIZES).join(", ")}, got '${s}'`);
    }
  }
  return {
    backends: backend === "both" ? ["native", "wasm"] : [backend],
    sizes,
    rounds: positiveInt(parsed, "rounds", 2),
    seconds: positiveInt(parsed, "seconds", 10),
    memory: parsed.values.memory === true,
    memorySeconds: positiveInt(parsed, "memory-seconds", 60),
    // The same work on both sides: one box pass of radius 5 per direction on every plane.
    filter: stringValue(parsed, "filter", "boxblur=radius=5:passes=1"),
    ffmpegFilter: stringValue(parsed, "ffmpeg-filter", "boxblur=5:1"),
    preset: stringValue(parsed, "preset", "ultrafast"),
    clips: stringValue(parsed, "clips", `${Deno.env.get("TMPDIR") ?? "/tmp"}/vframe-bench-clips`),
    servers: serverKinds(stringValue(parsed, "server", STACK_KINDS.join(","))),
  };
}

/** `--server`'s list. @throws BenchUsageError for an unknown kind. */
function serverKinds(text: string): StackKind[] {
  if (text === "none") return [];
  const kinds = text.split(",");
  for (const k of kinds) {
    if (!(STACK_KINDS as readonly string[]).includes(k)) {
      throw new BenchUsageError(
        `--server takes none or ${STACK_KINDS.join(", ")} (comma-separated), got '${k}'`,
      );
    }
  }
  return kinds as StackKind[];
}

/** Makes (once) the clip: testsrc2 + sine, x264 at its default preset, AAC. */
async function clip(dir: string, size: string, seconds: number): Promise<string> {
  const [w, h] = SIZES[size];
  const path = `${dir}/testsrc2-${w}x${h}-${seconds}s.mp4`;
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch {
    // not made yet
  }
  await Deno.mkdir(dir, { recursive: true });
  const part = `${path}.part.mp4`;
  const { success, stderr } = await new Deno.Command("ffmpeg", {
    args: [
      ...["-hide_banner", "-loglevel", "error", "-nostdin", "-y"],
      ...["-f", "lavfi", "-i", `testsrc2=size=${w}x${h}:rate=30`, "-f", "lavfi", "-i", "sine"],
      ...["-t", String(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", part],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`cannot make ${path}: ${new TextDecoder().decode(stderr)}`);
  await Deno.rename(part, path);
  return path;
}

/** One command of a comparison. */
interface Job {
  name: string;
  program: string;
  args: string[];
}

function vframeJob(input: string, output: string, backend: Backend, flags: OfflineFlags): Job {
  return {
    name: `\`deno task filter\` (${backend})`,
    program: DENO,
    args: [
      ...["task", "--quiet", "filter", input, output, "-y", "--filter", flags.filter],
      ...["--codec", backend, "--preset", flags.preset, "--crf", String(CRF), "--no-progress"],
    ],
  };
}

function encodeTail(preset: string): string[] {
  return [
    ...["-c:v", "libx264", "-preset", preset, "-crf", String(CRF), "-pix_fmt", "yuv420p"],
    ...["-c:a", "copy", "-movflags", "+faststart"],
  ];
}

function peerJob(input: string, output: string, backend: Backend, flags: OfflineFlags): Job {
  if (backend === "wasm") {
    return {
      name: "ffmpeg.wasm, one `exec` with `-vf`",
      program: DENO,
      args: [
        ...["run", "-A", `${ROOT}scripts/bench/ffmpeg_wasm.ts`, input, output],
        ...["--vf", flags.ffmpegFilter, "--preset", flags.preset, "--crf", String(CRF)],
      ],
    };
  }
  return {
    name: "`ffmpeg -vf`",
    program: "ffmpeg",
    args: [
      ...["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", input],
      ...["-vf", flags.ffmpegFilter, ...encodeTail(flags.preset), output],
    ],
  };
}

function floorJob(input: string, output: string, backend: Backend, flags: OfflineFlags): Job {
  if (backend === "wasm") {
    return {
      name: "codec floor: ffmpeg.wasm, one `exec`, no filter",
      program: DENO,
      args: [
        ...["run", "-A", `${ROOT}scripts/bench/ffmpeg_wasm.ts`, input, output],
        ...["--preset", flags.preset, "--crf", String(CRF)],
      ],
    };
  }
  const q = "-hide_banner -loglevel error -nostdin";
  const script = `ffmpeg ${q} -i "$1" -map 0:v:0 -an -pix_fmt yuv420p -f yuv4mpegpipe - | ` +
    `ffmpeg ${q} -y -f yuv4mpegpipe -i - -i "$1" -map 0:v:0 -map 1:a? ` +
    `${encodeTail(flags.preset).join(" ")} "$2"`;
  return {
    name: "codec floor: `ffmpeg` decode \\| `ffmpeg` encode",
    program: "/bin/sh",
    args: ["-c", script, "sh", input, output],
  };
}

/** Best (lowest) wall and CPU over rounds, highest peak RSS and PSS. */
interface Best {
  wall: number;
  cpu: number;
  user: number;
  sys: number;
  rss: number;
  pss: number;
}

function best(runs: ProcessStats[]): Best {
  const byCpu = runs.reduce((a, b) => (b.cpu < a.cpu ? b : a));
  return {
    wall: Math.min(...runs.map((r) => r.wall)),
    cpu: byCpu.cpu,
    user: byCpu.user,
    sys: byCpu.sys,
    rss: Math.max(...runs.map((r) => r.peakRssMiB)),
    pss: Math.max(...runs.map((r) => r.peakPssMiB)),
  };
}

const mib = (b: { rss: number; pss: number }) => `${b.rss.toFixed(0)} (${b.pss.toFixed(0)})`;

/** The filter kernels' own time for one frame of `width`×`height`, ms (median of 15). */
export async function kernelMsPerFrame(chain: string, width: number, height: number) {
  const engine = await FilterEngine.create();
  const frame = new Uint8Array(planeLayout(width, height).total);
  for (let i = 0; i < frame.length; i++) frame[i] = (i * 7) & 0xff;
  const run = engine.prepareInPlace(compileChain(chain), width, height, frame);
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[7];
}

async function machine(): Promise<string> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  const ffmpeg = await new Deno.Command("ffmpeg", { args: ["-version"], stdout: "piped" })
    .output().then((o) => new TextDecoder().decode(o.stdout).split("\n")[0].split(" ")[2])
    .catch(() => "none");
  const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${new Date().toISOString()} · nproc ${navigator.hardwareConcurrency} · ${model} · ` +
    `${(memKb / 2 ** 20).toFixed(1)} GiB · deno ${Deno.version.deno} · ffmpeg ${ffmpeg} · ` +
    `load average ${load} at start`;
}

const f2 = (n: number) => n.toFixed(2);

/** The target lines for one vframe command against the peer and the floor. */
function targetLines(
  label: string,
  size: string,
  backend: Backend,
  vf: Best,
  peer: Best,
  floor: Best,
  kernelS: number,
): string[] {
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  if (backend === "wasm") {
    return [
      `- ${size} wasm, ${label}: wall ≥ 2× ffmpeg.wasm one \`exec\`'s speed: ` +
      `${met(peer.wall / vf.wall >= 2)} (${f2(peer.wall / vf.wall)}×: ${f2(vf.wall)} vs ` +
      `${f2(peer.wall)} s)`,
    ];
  }
  const budget = 1.25 * (floor.cpu + kernelS);
  return [
    `- ${size} native, ${label}: CPU ≤ 1.25 × (codec floor ${f2(floor.cpu)} s + filter ` +
    `kernels ${f2(kernelS)} s) = ${f2(budget)} s: ${met(vf.cpu <= budget)} (${f2(vf.cpu)} s); ` +
    `CPU ≤ \`ffmpeg -vf\`'s ${f2(peer.cpu)} s: ${met(vf.cpu <= peer.cpu)}; wall ≥ 1.2× ` +
    `\`ffmpeg -vf\`'s speed: ${met(peer.wall / vf.wall >= 1.2)} (${f2(peer.wall / vf.wall)}×: ` +
    `${f2(vf.wall)} vs ${f2(peer.wall)} s)`,
  ];
}

/** One clip × backend: the three commands interleaved; returns the rows and the target lines. */
async function compare(
  input: string,
  size: string,
  frames: number,
  backend: Backend,
  flags: OfflineFlags,
  dir: string,
): Promise<{ rows: string[]; targets: string[] }> {
  const commands = [
    vframeJob(input, `${dir}/vframe-${backend}.mp4`, backend, flags),
    peerJob(input, `${dir}/peer-${backend}.mp4`, backend, flags),
    floorJob(input, `${dir}/floor-${backend}.mp4`, backend, flags),
  ];
  const jobs: { name: string; run: () => Promise<ProcessStats> }[] = commands.map((job) => ({
    name: job.name,
    run: () => measureCommand(job.program, job.args, { cwd: ROOT }),
  }));
  const stacks: ServerStack[] = [];
  try {
    for (const kind of flags.servers) {
      console.error(`  ${size} ${backend}: starting the ${kind} server stack`);
      const stack = await startStack(kind, {
        filter: flags.filter,
        preset: flags.preset,
        crf: CRF,
        backend,
      });
      stacks.push(stack);
      const output = `${dir}/server-${kind}-${backend}.mp4`;
      jobs.push({ name: stack.name, run: () => stack.measure(input, output) });
    }
    const runs: ProcessStats[][] = jobs.map(() => []);
    for (let round = 0; round < flags.rounds; round++) {
      for (const [i, job] of jobs.entries()) {
        console.error(`  ${size} ${backend} round ${round + 1}/${flags.rounds}: ${job.name}`);
        runs[i].push(await job.run());
      }
    }
    return await report(runs.map(best));
  } finally {
    for (const stack of stacks) await stack.close();
  }

  async function report(results: Best[]): Promise<{ rows: string[]; targets: string[] }> {
    const [vf, peer, floor] = results;
    const [w, h] = SIZES[size];
    const kernelS = (await kernelMsPerFrame(flags.filter, w, h)) * frames / 1000;
    const rows = jobs.map((job, i) => {
      const b = results[i];
      return `| ${size} | ${backend} | ${job.name} | ${f2(b.wall)} | ${f2(b.cpu)} (${
        f2(b.user)
      } + ` +
        `${f2(b.sys)}) | ${(b.cpu / frames * 1000).toFixed(1)} | ${mib(b)} |`;
    });
    rows.push(
      `| ${size} | ${backend} | filter kernels alone (one thread, in-process) | – | ${
        f2(kernelS)
      } | ` +
        `${(kernelS / frames * 1000).toFixed(1)} | – |`,
    );
    const serverTargets = stacks.map((stack, i) => {
      const b = results[3 + i];
      const limit = stack.kind === "embedded" ? 0.15 : 0.40;
      const within = (a: number, ref: number) => a <= ref * (1 + limit);
      const pct = (a: number, ref: number) =>
        `${a >= ref ? "+" : ""}${((a / ref - 1) * 100).toFixed(0)} %`;
      return `- ${size} ${backend}, ${stack.name}: within ${
        limit * 100
      } % of \`deno task filter\`, ` +
        `wall: ${within(b.wall, vf.wall) ? "met" : "NOT met"} (${f2(b.wall)} vs ${
          f2(vf.wall)
        } s, ` +
        `${pct(b.wall, vf.wall)}); CPU: ${within(b.cpu, vf.cpu) ? "met" : "NOT met"} (${
          f2(b.cpu)
        } ` +
        `vs ${f2(vf.cpu)} s, ${pct(b.cpu, vf.cpu)})`;
    });
    return {
      rows,
      targets: [
        ...targetLines("`deno task filter`", size, backend, vf, peer, floor, kernelS),
        ...serverTargets,
      ],
    };
  }
}

async function countFrames(input: string): Promise<number> {
  const out = await new Deno.Command("ffprobe", {
    args: [
      ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=nb_frames"],
      ...["-of", "csv=p=0", input],
    ],
    stdout: "piped",
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim()) || 0;
}

/** Runs the benchmark and prints Markdown. */
export async function main(args: string[]): Promise<void> {
  if (wantsHelp(args)) return console.log(USAGE);
  const flags = parseFlags(args);
  if (!(await nativeAvailable())) {
    throw new Error("the offline benchmark needs native ffmpeg (apt-get install -y ffmpeg)");
  }
  const dir = await Deno.makeTempDir({ prefix: "vframe-bench-offline-" });
  const header = await machine();
  try {
    console.log("# offline benchmark: the whole `deno task filter` process vs ffmpeg\n");
    console.log(`${header}\n`);
    console.log(
      `vframe \`--filter ${flags.filter}\` vs ffmpeg \`-vf ${flags.ffmpegFilter}\`; x264 ` +
        `\`${flags.preset}\` CRF ${CRF}; audio copied. ` +
        (flags.memory ? "One run each" : `Best of ${flags.rounds} interleaved runs (wall and CPU ` +
          "separately)") +
        "; CPU = user + sys of the whole process tree; RSS (PSS) = peak sum over the tree.\n",
    );
    if (flags.memory) {
      console.log(
        "| clip | backend | command | frames | wall s | CPU s | peak RSS (PSS) MiB |",
      );
      console.log("| --- | --- | --- | ---: | ---: | ---: | ---: |");
      const peaks = new Map<string, { backend: Backend; rss: number[] }>();
      for (const seconds of [flags.seconds, flags.memorySeconds]) {
        const input = await clip(flags.clips, "1080p", seconds);
        const frames = await countFrames(input);
        for (const backend of flags.backends) {
          {
            const job = vframeJob(input, `${dir}/mem-${backend}.mp4`, backend, flags);
            console.error(`  1080p ${seconds} s ${job.name}`);
            const r = await measureCommand(job.program, job.args, { cwd: ROOT });
            const entry = peaks.get(job.name) ?? { backend, rss: [] };
            entry.rss.push(r.peakRssMiB);
            peaks.set(job.name, entry);
            console.log(
              `| 1080p ${seconds} s | ${backend} | ${job.name} | ${frames} | ${f2(r.wall)} | ` +
                `${f2(r.cpu)} | ${r.peakRssMiB.toFixed(0)} (${r.peakPssMiB.toFixed(0)}) |`,
            );
          }
        }
      }
      console.log("");
      for (const [name, { backend, rss: [short, long] }] of peaks) {
        const limit = backend === "native" ? 320 : 512;
        const flat = long <= short * 1.1 + 16;
        console.log(
          `- ${name}: peak RSS, 1080p ${flags.memorySeconds} s ≤ ${limit} MiB: ` +
            `${long <= limit ? "met" : "NOT met"} (${long.toFixed(0)} MiB); flat with length ` +
            `(${flags.seconds} s → ${flags.memorySeconds} s): ${flat ? "yes" : "NO"} ` +
            `(${short.toFixed(0)} → ${long.toFixed(0)} MiB)`,
        );
      }
      return;
    }
    console.log(
      "| clip | backend | command | wall s | CPU s (user + sys) | CPU ms/frame | " +
        "peak RSS (PSS) MiB |",
    );
    console.log("| --- | --- | --- | ---: | ---: | ---: | ---: |");
    const targets: string[] = [];
    for (const size of flags.sizes) {
      const input = await clip(flags.clips, size, flags.seconds);
      const frames = await countFrames(input);
      for (const backend of flags.backends) {
        const result = await compare(input, size, frames, backend, flags, dir);
        for (const row of result.rows) console.log(row);
        targets.push(...result.targets);
      }
    }
    console.log("");
    for (const line of targets) console.log(line);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
