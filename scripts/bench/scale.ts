/**
 * `deno task bench scale [--workers 1,2,4] [--units segment,frame] [--seconds 20] …`: does a job
 * get faster with more worker machines? Machines are simulated on one host: the server and each
 * worker process run in a cgroup of their own with a CPU quota (cgroup v2 `cpu.max`, or v1
 * `cpu.cfs_quota_us`; needs root), all on one local redis-server started here, the client outside
 * every quota. For each unit (segment, frame) and each worker count it runs the same job once and
 * prints a Markdown table: wall time, speed-up over one worker, scaling efficiency, the server's
 * CPU per frame (its cgroup's CPU time) and the bytes through Redis per frame (Redis's own
 * network counters).
 *
 * The clip is made with native ffmpeg (testsrc2, a keyframe every `--keyint` seconds, AAC audio).
 * Every process and cgroup it made is removed at the end, also after a failure or Ctrl-C.
 * Network shaping (a namespace per worker behind a rate-limited veth pair) is not done here: the
 * bytes per frame show what a network would have to carry.
 */
import { runJob } from "../../src/client/client.ts";
import { startRedis, type TestRedis } from "../../tests/helpers/redis.ts";
import {
  type BenchArgs,
  type BenchOptions,
  BenchUsageError,
  parseBenchArgs,
  positiveInt,
  runDirectly,
  stringValue,
} from "./args.ts";

const DENO = new URL("../../node_modules/.bin/deno", import.meta.url).pathname;
const CLI = new URL("../../src/cli.ts", import.meta.url).pathname;

/** `deno task bench scale --help`. */
export const USAGE = `usage: deno task bench scale [options]

Simulated machines on one host (each in its own cgroup with a CPU quota; needs root and
redis-server): one job per unit and worker count, and a Markdown table of wall time, speed-up
over 1 worker, scaling efficiency, server CPU per frame and bytes through Redis per frame.

Options:
  --workers LIST        worker counts (default 1,2,4)
  --units LIST          units of work: segment, frame (default segment,frame)
  --seconds S           clip length, seconds (default 20)
  --size WxH            clip size (default 1280x720)
  --fps N               clip frame rate (default 30)
  --keyint S            seconds between keyframes (default 1)
  --filter CHAIN        filter chain (default boxblur=radius=5)
  --worker-cpu CORES    CPU quota of each worker, cores (default 0.3)
  --server-cpu CORES    CPU quota of the server, cores (default 0.5)
  --concurrency N       each worker's filter threads (default 1)
  --segment-seconds S   the server's --segment-seconds (default 2)
  -h, --help            this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  workers: "string",
  units: "string",
  seconds: "string",
  size: "string",
  fps: "string",
  keyint: "string",
  filter: "string",
  "worker-cpu": "string",
  "server-cpu": "string",
  concurrency: "string",
  "segment-seconds": "string",
};

/** What one run of the benchmark does. */
export interface ScaleConfig {
  workers: number[];
  units: ("segment" | "frame")[];
  seconds: number;
  width: number;
  height: number;
  fps: number;
  keyint: number;
  filter: string;
  workerCpu: number;
  serverCpu: number;
  concurrency: number;
  segmentSeconds: number;
}

function positiveNumber(args: BenchArgs, option: string, fallback: number, max = 1e6): number {
  const text = stringValue(args, option, String(fallback));
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new BenchUsageError(`--${option} must be a number in (0, ${max}], got '${text}'`);
  }
  return n;
}

/**
 * The benchmark's configuration from its command line; undefined for `--help`.
 * @throws BenchUsageError naming the bad option and the value seen.
 */
export function parseScaleArgs(args: readonly string[]): ScaleConfig | undefined {
  const parsed = parseBenchArgs("scale", args, OPTIONS);
  if (parsed.help) return undefined;
  const workersText = stringValue(parsed, "workers", "1,2,4");
  const workers = workersText.split(",").map((w) => Number(w.trim()));
  if (workers.some((w) => !Number.isInteger(w) || w < 1 || w > 64) || workers.length === 0) {
    throw new BenchUsageError(`--workers must list integers in 1..64, got '${workersText}'`);
  }
  if (!workers.includes(1)) {
    throw new BenchUsageError(
      `--workers must include 1 (the speed-up's base), got '${workersText}'`,
    );
  }
  const unitsText = stringValue(parsed, "units", "segment,frame");
  const units = unitsText.split(",").map((u) => u.trim());
  if (units.length === 0 || units.some((u) => u !== "segment" && u !== "frame")) {
    throw new BenchUsageError(`--units must list segment and/or frame, got '${unitsText}'`);
  }
  const sizeText = stringValue(parsed, "size", "1280x720");
  const size = /^(\d+)x(\d+)$/.exec(sizeText);
  if (!size || Number(size[1]) < 16 || Number(size[2]) < 16) {
    throw new BenchUsageError(`--size must be WxH (at least 16x16), got '${sizeText}'`);
  }
  return {
    workers: [...new Set(workers)].sort((a, b) => a - b),
    units: [...new Set(units)] as ("segment" | "frame")[],
    seconds: positiveNumber(parsed, "seconds", 20, 3600),
    width: Number(size[1]),
    height: Number(size[2]),
    fps: positiveInt(parsed, "fps", 30),
    keyint: positiveNumber(parsed, "keyint", 1, 3600),
    filter: stringValue(parsed, "filter", "boxblur=radius=5"),
    workerCpu: positiveNumber(parsed, "worker-cpu", 0.3, 64),
    serverCpu: positiveNumber(parsed, "server-cpu", 0.5, 64),
    concurrency: positiveInt(parsed, "concurrency", 1),
    segmentSeconds: positiveNumber(parsed, "segment-seconds", 2, 3600),
  };
}

/** One measured job. */
export interface ScaleRow {
  unit: string;
  workers: number;
  wallS: number;
  frames: number;
  /** CPU seconds of the server's cgroup. */
  serverCpuS: number;
  /** Bytes Redis received and sent during the job. */
  redisBytes: number;
}

/** The Markdown table: per unit, speed-up and efficiency against its own 1-worker run. */
export function formatTable(rows: ScaleRow[]): string {
  const lines = [
    "| unit | workers | wall (s) | speed-up | efficiency | server CPU per frame (ms) | Redis bytes per frame |",
    "| ---- | ------: | -------: | -------: | ---------: | ------------------------: | --------------------: |",
  ];
  for (const row of rows) {
    const base = rows.find((r) => r.unit === row.unit && r.workers === 1);
    const speedup = base ? base.wallS / row.wallS : NaN;
    lines.push(
      `| ${row.unit} | ${row.workers} | ${row.wallS.toFixed(1)} | ${speedup.toFixed(2)}× | ${
        Math.round((speedup / row.workers) * 100)
      } % | ${((row.serverCpuS * 1000) / row.frames).toFixed(1)} | ${
        Math.round(row.redisBytes / row.frames).toLocaleString("en")
      } |`,
    );
  }
  return lines.join("\n");
}

/** A CPU-limited cgroup (v2, else v1's `cpu` controller). */
export interface Cgroup {
  name: string;
  /** Moves a process (and its future children) into the group. */
  add(pid: number): Promise<void>;
  /** CPU time used by the group's processes so far, seconds. */
  cpuSeconds(): Promise<number>;
  /** Kills what is left in the group and removes it. */
  remove(): Promise<void>;
}

/** The cgroup version of this machine: 2 (unified), 1 (a `cpu` controller), or undefined. */
export async function cgroupVersion(root = "/sys/fs/cgroup"): Promise<1 | 2 | undefined> {
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  if (await exists(`${root}/cgroup.controllers`)) return 2;
  if (await exists(`${root}/cpu/cpu.cfs_quota_us`)) return 1;
  return undefined;
}

/** The files that set `cores` of CPU for a group at `dir`: `[file, content]` pairs. Pure. */
export function quotaFiles(version: 1 | 2, dir: string, cores: number): [string, string][] {
  const period = 100_000;
  const quota = Math.max(1000, Math.round(cores * period));
  return version === 2
    ? [[`${dir}/cpu.max`, `${quota} ${period}`]]
    : [[`${dir}/cpu.cfs_period_us`, String(period)], [`${dir}/cpu.cfs_quota_us`, String(quota)]];
}

/** Makes a cgroup with `cores` of CPU. @throws Error (with what to do) when it cannot. */
export async function makeCgroup(
  version: 1 | 2,
  name: string,
  cores: number,
  root = "/sys/fs/cgroup",
): Promise<Cgroup> {
  const dir = version === 2 ? `${root}/${name}` : `${root}/cpu/${name}`;
  const acct = version === 2 ? dir : `${root}/cpuacct/${name}`;
  try {
    if (version === 2) {
      await Deno.writeTextFile(`${root}/cgroup.subtree_control`, "+cpu").catch(() => {});
    }
    await Deno.mkdir(dir, { recursive: true });
    if (acct !== dir) await Deno.mkdir(acct, { recursive: true }).catch(() => {});
    for (const [file, content] of quotaFiles(version, dir, cores)) {
      await Deno.writeTextFile(file, content);
    }
  } catch (error) {
    throw new Error(
      `cannot make cgroup ${dir} (${(error as Error).message}): run as root on a machine with ` +
        "the cgroup v2 cpu controller or v1 cpu controller mounted",
    );
  }
  const dirs = acct === dir ? [dir] : [dir, acct];
  return {
    name,
    async add(pid) {
      for (const d of dirs) await Deno.writeTextFile(`${d}/cgroup.procs`, `${pid}\n`);
    },
    async cpuSeconds() {
      if (version === 2) {
        const stat = await Deno.readTextFile(`${dir}/cpu.stat`);
        return Number(/usage_usec (\d+)/.exec(stat)?.[1] ?? 0) / 1e6;
      }
      return Number(await Deno.readTextFile(`${acct}/cpuacct.usage`).catch(() => "0")) / 1e9;
    },
    async remove() {
      for (const d of dirs) {
        const pids = await Deno.readTextFile(`${d}/cgroup.procs`).catch(() => "");
        for (const pid of pids.split("\n").filter((p) => p.trim())) {
          try {
            Deno.kill(Number(pid), "SIGKILL");
          } catch { /* gone */ }
        }
      }
      for (let i = 0; i < 50; i++) {
        const left = await Promise.all(dirs.map((d) => Deno.remove(d).then(() => 0, () => 1)));
        if (left.every((n) => n === 0)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** A deno subprocess in a cgroup; resolves once its output matches `ready`. */
async function spawnIn(group: Cgroup, args: string[], ready: RegExp) {
  const child = new Deno.Command(DENO, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  await group.add(child.pid);
  let text = "";
  let found: (m: RegExpExecArray) => void = () => {};
  const matched = new Promise<RegExpExecArray>((resolve) => found = resolve);
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const m = ready.exec(text);
      if (m) found(m);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const exited = child.status.then((s) => {
    throw new Error(`${args.slice(2, 4).join(" ")} exited (${s.code}) before ready:\n${text}`);
  });
  exited.catch(() => {});
  const match = await Promise.race([matched, exited]);
  return {
    match,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drained;
    },
  };
}

/** Bytes Redis received plus sent so far (`INFO stats`). */
async function redisBytes(redis: TestRedis): Promise<number> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(redis.port), "INFO", "stats"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const read = (key: string) => Number(new RegExp(`${key}:(\\d+)`).exec(text)?.[1] ?? 0);
  return read("total_net_input_bytes") + read("total_net_output_bytes");
}

/** The benchmark's clip, with native ffmpeg. */
async function makeClip(config: ScaleConfig, dir: string): Promise<string> {
  const path = `${dir}/scale-${config.width}x${config.height}.mp4`;
  const keyint = Math.max(1, Math.round(config.keyint * config.fps));
  const source = `testsrc2=size=${config.width}x${config.height}:rate=${config.fps}`;
  const out = await new Deno.Command("ffmpeg", {
    args: [
      ...["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source],
      ...["-f", "lavfi", "-i", "sine=frequency=440", "-t", String(config.seconds)],
      ...["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"],
      ...["-x264-params", `keyint=${keyint}:min-keyint=${keyint}:scenecut=0`, "-c:a", "aac"],
      path,
    ],
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ffmpeg: ${new TextDecoder().decode(out.stderr)}`);
  return path;
}

/** One job: server and workers in their cgroups, the client outside. */
async function measure(
  config: ScaleConfig,
  version: 1 | 2,
  redis: TestRedis,
  input: string,
  unit: "segment" | "frame",
  workers: number,
  dir: string,
): Promise<ScaleRow> {
  const groups: Cgroup[] = [];
  const procs: { stop(): Promise<void> }[] = [];
  const tag = `vframe-bench-${Deno.pid}-${unit}-${workers}`;
  try {
    const serverGroup = await makeCgroup(version, `${tag}-server`, config.serverCpu);
    groups.push(serverGroup);
    const server = await spawnIn(serverGroup, [
      ...["run", "-A", CLI, "server", "--port", "0", "--no-preview", "--no-auth"],
      ...["--codec", "native", "--redis", redis.url, "--unit", unit],
      ...["--segment-seconds", String(config.segmentSeconds), "--work-dir", `${dir}/work`],
    ], /vframe server ready: port=(\d+)/);
    procs.push(server);
    for (let i = 0; i < workers; i++) {
      const group = await makeCgroup(version, `${tag}-worker${i}`, config.workerCpu);
      groups.push(group);
      procs.push(
        await spawnIn(group, [
          ...["run", "-A", CLI, "worker", "--redis", redis.url],
          ...["--concurrency", String(config.concurrency), "--codec", "native"],
        ], /vframe worker ready:/),
      );
    }
    const cpu0 = await serverGroup.cpuSeconds();
    const bytes0 = await redisBytes(redis);
    const t0 = performance.now();
    const result = await runJob({
      input,
      filter: config.filter,
      server: `127.0.0.1:${server.match[1]}`,
      output: `${dir}/out-${unit}-${workers}.mp4`,
    });
    const wallS = (performance.now() - t0) / 1000;
    return {
      unit: result.unit ?? unit,
      workers,
      wallS,
      frames: result.frames.total,
      serverCpuS: (await serverGroup.cpuSeconds()) - cpu0,
      redisBytes: (await redisBytes(redis)) - bytes0,
    };
  } finally {
    for (const p of procs.reverse()) await p.stop().catch(() => {});
    for (const g of groups) await g.remove().catch(() => {});
  }
}

/** Runs the benchmark (see the module documentation). */
export async function main(args: readonly string[] = Deno.args): Promise<void> {
  const config = parseScaleArgs(args);
  if (!config) {
    console.log(USAGE);
    return;
  }
  const version = await cgroupVersion();
  if (!version) {
    throw new Error("no cgroup cpu controller found at /sys/fs/cgroup (v2 or v1 needed)");
  }
  const dir = await Deno.makeTempDir({ prefix: "vframe-bench-scale-" });
  const redis = await startRedis();
  try {
    const input = await makeClip(config, dir);
    const rows: ScaleRow[] = [];
    for (const unit of config.units) {
      for (const workers of config.workers) {
        const row = await measure(config, version, redis, input, unit, workers, dir);
        console.error(`${unit} × ${workers}: ${row.wallS.toFixed(1)} s`);
        rows.push(row);
      }
    }
    console.log(
      `${config.width}x${config.height}, ${config.seconds} s at ${config.fps} fps, keyframe ` +
        `every ${config.keyint} s, ${config.filter}; server ${config.serverCpu} core, each ` +
        `worker ${config.workerCpu} core (--concurrency ${config.concurrency}), cgroup v${version}\n`,
    );
    console.log(formatTable(rows));
  } finally {
    await redis.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runDirectly(() => main());
