/**
 * Server + client rows of the offline benchmark: the same job as `deno task filter`, sent by
 * `deno task client` over loopback TCP to a running `vframe server` — with the embedded pool, or
 * with BullMQ on a redis-server started here and one local `vframe worker` process.
 *
 * What the user waits for is the client: its wall time is the row's wall time. The CPU is the
 * client's process tree (as for every other row) plus what the long-running processes spent on
 * this job: the CPU-time delta, over the job, of the server's tree (its ffmpeg children included,
 * counted once they exited), and for BullMQ of the worker's and redis-server's. Their start-up is
 * not counted (a server serves many jobs). Peak RSS (PSS) is the highest sum, sampled during the
 * job, over the client's tree and the long-running trees.
 */
import { measureCommand, type ProcessStats, treeMemory } from "./process_stats.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DENO = Deno.execPath();
const TICKS_PER_SECOND = 100;

/**
 * Which queue the server uses: its embedded pool (frame unit), or BullMQ with one local worker,
 * frames (`--unit frame`) or segments (`--unit segment`: the worker decodes, filters and encodes
 * chunks, the server splits and joins).
 */
export const STACK_KINDS = ["embedded", "bullmq-frame", "bullmq-segment"] as const;
/** One of {@link STACK_KINDS}. */
export type StackKind = typeof STACK_KINDS[number];

/** A job's settings: the same as the offline command's. */
export interface ServerJobSettings {
  filter: string;
  preset: string;
  crf: number;
  /** Codec backend of the server (and worker). */
  backend: "native" | "wasm";
}

/** A running server (with its worker and Redis for BullMQ) that measures one job at a time. */
export interface ServerStack {
  readonly kind: StackKind;
  /** Row label. */
  readonly name: string;
  /** Runs `input` through the stack once and measures it. */
  measure(input: string, output: string): Promise<ProcessStats>;
  close(): Promise<void>;
}

/** CPU seconds of `pid`'s tree: each process's own time plus that of its waited-for children. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
      // f[0] is field 3: utime 14, stime 15, cutime 16, cstime 17.
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      for (const task of Deno.readDirSync(`/proc/${p}/task`)) {
        const kids = Deno.readTextFileSync(`/proc/${p}/task/${task.name}/children`).trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** A long-running process whose output is kept; `ready` resolves with the match of `pattern`. */
function service(program: string, args: string[], pattern: RegExp, what: string) {
  const child = new Deno.Command(program, {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let onReady: (m: RegExpExecArray) => void = () => {};
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    onReady = resolve;
    child.status.then((s) =>
      reject(new Error(`${what} exited (${s.code}) before it was ready:\n${text.slice(-2000)}`))
    );
  });
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      text = (text + chunk).slice(-20_000);
      const m = pattern.exec(text);
      if (m) onReady(m);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await drained.catch(() => {});
  };
  return { child, ready, stop };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts a stack: for `bullmq` a redis-server, one worker (`--concurrency` = cores) and a server
 * on that Redis; for `embedded` the server alone.
 */
export async function startStack(kind: StackKind, job: ServerJobSettings): Promise<ServerStack> {
  const services: ReturnType<typeof service>[] = [];
  const closeAll = async () => {
    for (const s of services.reverse()) await s.stop();
  };
  try {
    const serverArgs = [
      ...["run", "-A", "src/cli.ts", "server", "--port", "0", "--preview-port", "0"],
      ...["--no-auth", "--codec", job.backend],
    ];
    if (kind !== "embedded") {
      const port = freePort();
      const redis = service(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        /Ready to accept connections/,
        "redis-server",
      );
      services.push(redis);
      await redis.ready;
      const url = `redis://127.0.0.1:${port}`;
      const worker = service(
        DENO,
        ["run", "-A", "src/cli.ts", "worker", "--redis", url],
        /vframe worker ready/,
        "vframe worker",
      );
      services.push(worker);
      await worker.ready;
      serverArgs.push("--redis", url, "--unit", kind === "bullmq-frame" ? "frame" : "segment");
    }
    const server = service(DENO, serverArgs, /ready: port=(\d+)/, "vframe server");
    services.push(server);
    const port = Number((await server.ready)[1]);
    const pids = services.map((s) => s.child.pid);
    const name = kind === "embedded"
      ? "`deno task client` → `vframe server` (embedded pool)"
      : `\`deno task client\` → \`vframe server\` → BullMQ → 1 \`vframe worker\`, ${
        kind === "bullmq-frame" ? "frames" : "segments"
      }`;
    return {
      kind,
      name,
      async measure(input, output) {
        const before = pids.map(treeCpuSeconds);
        let peakRss = 0;
        let peakPss = 0;
        let running = true;
        const sampling = (async () => {
          while (running) {
            let rss = 0;
            let pss = 0;
            for (const pid of pids) {
              const m = treeMemory(pid);
              rss += m.rss;
              pss += m.pss;
            }
            peakRss = Math.max(peakRss, rss);
            peakPss = Math.max(peakPss, pss);
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        let client: ProcessStats;
        try {
          client = await measureCommand(DENO, [
            ...["task", "--quiet", "client", "-s", `127.0.0.1:${port}`, input, "-o", output],
            ...["-y", "-q", "--filter", job.filter, "--preset", job.preset],
            ...["--crf", String(job.crf)],
          ], { cwd: ROOT });
        } finally {
          running = false;
          await sampling;
        }
        // Let the server reap its ffmpeg children, so their time is in its cutime.
        await new Promise((r) => setTimeout(r, 200));
        const spent = pids.map((pid, i) => treeCpuSeconds(pid) - before[i]);
        const services = spent.reduce((a, b) => a + b, 0);
        return {
          ...client,
          // The long-running processes' time is reported as user time: /proc gives them apart
          // only per process, and the split does not matter for the targets.
          user: client.user + services,
          cpu: client.cpu + services,
          peakRssMiB: client.peakRssMiB + peakRss / 2 ** 20,
          peakPssMiB: client.peakPssMiB + peakPss / 2 ** 20,
        };
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
