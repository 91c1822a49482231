/**
 * `deno task bench pipeline [--seconds 10] [--codec wasm|native|auto]
 * [--filter boxblur=radius=2:passes=2] [--ffmpeg-filter VF] [--size 1280x720]`: end-to-end fps
 * of the whole distributed pipeline on one 720p clip with audio, in one run (`--help`: the
 * options):
 *
 * - vframe server (a subprocess) + client over TCP, with the embedded pool, and with BullMQ on a
 *   redis-server started here with 1 and with 2 worker processes;
 * - the offline filter command (`deno task filter`, a subprocess) on the same clip;
 * - ffmpeg.wasm doing the same job (`-vf boxblur`) in one `exec`.
 *
 * Prints a Markdown table with wall time, fps and the server's peak RSS (VmHWM of the server
 * process, which includes its ffmpeg.wasm and filter threads).
 */
import { runWasmJob } from "../../src/codec/wasm/host.ts";
import { probe } from "../../src/codec/mod.ts";
import type { CodecChoice } from "../../src/codec/types.ts";
import { runJob } from "../../src/client/client.ts";
import { makeSampleVideo } from "../../src/codec/sample_video.ts";
import { startRedis } from "../../tests/helpers/redis.ts";
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
const WORKER = new URL("../../src/worker.ts", import.meta.url).pathname;

interface Row {
  what: string;
  ms: number;
  frames: number;
  rssMb?: number;
  note?: string;
}

/** `deno task bench pipeline --help`. */
export const USAGE = `usage: deno task bench pipeline [options]

End-to-end fps of the whole distributed pipeline on one clip with audio: a vframe server (a
subprocess) and the client over TCP with the embedded pool, and with BullMQ on a redis-server
started here with 1 and 2 worker processes; the offline filter command; ffmpeg.wasm alone.
Needs redis-server.

Options:
  --seconds S          clip length (default 10)
  --codec C            codec backend: wasm, native or auto (default wasm)
  --filter CHAIN       vframe's chain (default boxblur=radius=2:passes=2)
  --ffmpeg-filter VF   ffmpeg.wasm's -vf (default boxblur=luma_radius=2:luma_power=2)
  --size WxH           clip size (default 1280x720)
  -h, --help           this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  seconds: "string",
  codec: "string",
  filter: "string",
  "ffmpeg-filter": "string",
  size: "string",
};

/** `--codec`'s value. @throws BenchUsageError */
function codecOption(parsed: BenchArgs): CodecChoice {
  const codec = stringValue(parsed, "codec", "wasm");
  if (codec !== "wasm" && codec !== "native" && codec !== "auto") {
    throw new BenchUsageError(`--codec must be wasm, native or auto, got '${codec}'`);
  }
  return codec;
}

/** `--size`'s value. @throws BenchUsageError */
function sizeOption(parsed: BenchArgs): [number, number] {
  const text = stringValue(parsed, "size", "1280x720");
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 2 || Number(m[2]) < 2) {
    throw new BenchUsageError(`--size must be WxH (at least 2x2), e.g. 1280x720, got '${text}'`);
  }
  return [Number(m[1]), Number(m[2])];
}

/** A subprocess whose output is collected; resolves `ready` when `pattern` appears. */
function spawn(args: string[], pattern?: RegExp, env?: Record<string, string>) {
  const child = new Deno.Command(DENO, { args, stdout: "piped", stderr: "piped", env }).spawn();
  let text = "";
  let onReady: (m: RegExpExecArray) => void = () => {};
  const ready = new Promise<RegExpExecArray>((resolve) => (onReady = resolve));
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const m = pattern?.exec(text);
      if (m) onReady(m);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  return {
    child,
    ready: () => {
      const exited = child.status.then((s) => {
        throw new Error(`${args.join(" ")} exited with ${s.code} before ready:\n${text}`);
      });
      exited.catch(() => {}); // a later exit (after ready) is not an error
      return Promise.race([ready, exited]);
    },
    output: () => text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
    async wait() {
      const status = await child.status;
      await drained;
      return status;
    },
  };
}

/** Peak resident memory of a process (VmHWM), MiB. */
async function peakRssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function serverRun(
  what: string,
  input: string,
  frames: number,
  filter: string,
  codec: CodecChoice,
  out: string,
  extra: string[],
): Promise<Row> {
  const server = spawn(
    ["run", "-A", CLI, "server", "--port", "0", "--no-preview", "--codec", codec, ...extra],
    /vframe server ready: port=(\d+)/,
  );
  try {
    const port = Number((await server.ready())[1]);
    const t0 = performance.now();
    const result = await runJob({ input, filter, server: `127.0.0.1:${port}`, output: out });
    const ms = performance.now() - t0;
    const rssMb = await peakRssMb(server.child.pid);
    return {
      what,
      ms,
      frames,
      rssMb,
      note:
        `${result.frames.total} frames, server ${result.throughputFps} fps, p50 ${result.latencyMs.p50} ms`,
    };
  } finally {
    await server.stop();
  }
}

/** Runs the benchmark and prints the table. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseBenchArgs("pipeline", args, OPTIONS);
  if (parsed.help) return console.log(USAGE);
  const seconds = positiveInt(parsed, "seconds", 10);
  const codec = codecOption(parsed);
  const filter = stringValue(parsed, "filter", "boxblur=radius=2:passes=2");
  const ffmpegFilter = stringValue(parsed, "ffmpeg-filter", "boxblur=luma_radius=2:luma_power=2");
  const [w, h] = sizeOption(parsed);
  const dir = await Deno.makeTempDir({ prefix: "vframe-bench-pipeline-" });
  const rows: Row[] = [];
  try {
    const input = `${dir}/input.mp4`;
    console.error(`making a ${seconds} s ${w}x${h} clip with audio…`);
    await makeSampleVideo({
      path: input,
      width: w,
      height: h,
      seconds,
      audio: true,
      codec,
      preset: "veryfast",
    });
    const info = await probe(input, { backend: codec });
    const frames = info.frameCount;
    const bytes = (await Deno.stat(input)).size;

    console.error("embedded…");
    rows.push(
      await serverRun(
        "vframe server, embedded pool",
        input,
        frames,
        filter,
        codec,
        `${dir}/e.mp4`,
        [],
      ),
    );

    console.error("redis + BullMQ…");
    const redis = await startRedis();
    try {
      for (const n of [1, 2]) {
        const workers = Array.from(
          { length: n },
          () =>
            spawn(
              ["run", "-A", WORKER, "--redis", redis.url, "--concurrency", "1"],
              /vframe worker ready/,
            ),
        );
        try {
          await Promise.all(workers.map((wk) => wk.ready()));
          rows.push(
            await serverRun(
              `vframe server, BullMQ, ${n} worker${n > 1 ? "s" : ""}`,
              input,
              frames,
              filter,
              codec,
              `${dir}/b${n}.mp4`,
              ["--redis", redis.url],
            ),
          );
        } finally {
          for (const wk of workers) await wk.stop();
        }
      }
    } finally {
      await redis.stop();
    }

    console.error("offline filter command…");
    {
      const t0 = performance.now();
      const p = spawn([
        "run",
        "-A",
        CLI,
        "filter",
        input,
        `${dir}/f.mp4`,
        "-y",
        "--filter",
        filter,
        "--codec",
        codec,
      ]);
      let peak = 0;
      const sampler = setInterval(async () => {
        peak = Math.max(peak, (await peakRssMb(p.child.pid)) ?? 0);
      }, 100);
      const status = await p.wait();
      clearInterval(sampler);
      const ms = performance.now() - t0;
      if (!status.success) throw new Error(`filter command failed:\n${p.output()}`);
      rows.push({
        what: "offline `deno task filter` (subprocess)",
        ms,
        frames,
        rssMb: peak || undefined,
      });
    }

    console.error("ffmpeg.wasm one exec…");
    {
      const t0 = performance.now();
      const r = await runWasmJob({
        tool: "ffmpeg",
        args: [
          "-i",
          "/in/input.mp4",
          "-vf",
          ffmpegFilter,
          "-c:v",
          "libx264",
          "-preset",
          "veryfast",
          "-crf",
          "23",
          "-c:a",
          "copy",
          "/out/out.mp4",
        ],
        files: [
          { path: "/in/input.mp4", host: input },
          { path: "/out/out.mp4", host: `${dir}/w.mp4`, write: true },
        ],
      });
      const ms = performance.now() - t0;
      if (r.exitCode !== 0) {
        throw new Error(`ffmpeg.wasm failed (${r.exitCode}):\n${r.stderr.slice(-2000)}`);
      }
      rows.push({ what: `ffmpeg.wasm, one exec, -vf ${ffmpegFilter}`, ms, frames });
    }

    const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
      .match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
    console.log(
      `\n${
        new Date().toISOString()
      } · deno ${Deno.version.deno} · ${cpu} × ${navigator.hardwareConcurrency}` +
        ` · ${w}x${h}, ${frames} frames (${seconds} s, ${
          (bytes / 1048576).toFixed(1)
        } MiB, audio)` +
        ` · filter \`${filter}\` · codec ${codec}\n`,
    );
    console.log("| pipeline | wall time (s) | end-to-end fps | peak RSS (MiB) | notes |");
    console.log("| --- | ---: | ---: | ---: | --- |");
    for (const r of rows) {
      console.log(
        `| ${r.what} | ${(r.ms / 1000).toFixed(2)} | ${(r.frames / (r.ms / 1000)).toFixed(1)} | ${
          r.rssMb ?? "–"
        } | ${r.note ?? ""} |`,
      );
    }
    console.log(
      "\nEnd-to-end = client start → output written (upload, decode, filter, encode, download over " +
        "loopback TCP). Peak RSS: the server process (VmHWM) or the filter command. Timings on a " +
        "shared 2-core machine are noisy.",
    );
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
