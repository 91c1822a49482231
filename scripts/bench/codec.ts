/**
 * `deno task bench codec [--preset P] [--rounds N] [--memory] [--memory-only] [--keep]`
 *
 * On one 720p, 300-frame clip with audio (made here), prints a Markdown table per codec backend:
 * decode fps, encode fps and the whole offline filter's fps (`vframe filter --filter
 * boxblur=radius=2:passes=2`), next to the same job done by ffmpeg alone — ffmpeg.wasm in one
 * `exec` with `-vf boxblur=luma_radius=2:luma_power=2` for the wasm backend, native `ffmpeg -vf`
 * for the native backend (when installed). Both sides use the same x264 preset (default
 * `ultrafast`) and CRF 23; vframe and its peer run alternately, best of `--rounds` (default 2)
 * each, because the machine is shared.
 *
 * `--memory` adds peak RSS of the offline filter on a 20 s and a 2 min 1080p clip (slow: the
 * clips are made and filtered once per backend), in a fresh process each, children included.
 */
import {
  decodeFrames,
  type Frame,
  nativeAvailable,
  openEncoder,
  probe,
} from "../../src/codec/mod.ts";
import type { CodecBackendName } from "../../src/codec/types.ts";
import { execWasm } from "../../src/codec/wasm/exec.ts";
import { runFilter } from "../../src/commands/filter.ts";
import { PRESETS } from "../../src/codec/presets.ts";
import {
  type BenchOptions,
  BenchUsageError,
  parseBenchArgs,
  positiveInt,
  runDirectly,
  stringValue,
} from "./args.ts";

const CHAIN = "boxblur=radius=2:passes=2";
const FFMPEG_VF = "boxblur=luma_radius=2:luma_power=2";
const CRF = 23;

interface Flags {
  preset: string;
  rounds: number;
  memory: boolean;
  memoryOnly: boolean;
  keep: boolean;
}

/** `deno task bench codec --help`. */
export const USAGE = `usage: deno task bench codec [options]

On one 720p, 300-frame clip with audio (made here), a Markdown table per codec backend: decode
fps, encode fps and the whole offline filter's fps, next to the same job done by ffmpeg alone
(ffmpeg.wasm in one exec for the wasm backend, native ffmpeg when installed).

Options:
  --preset P       x264 preset of both sides (default ultrafast)
  --rounds N       runs of each side, alternating; the best is shown (default 2)
  --memory         add peak RSS of the offline filter on a 20 s and a 2 min 1080p clip (slow)
  --memory-only    only the memory measurement
  --keep           keep the clips and outputs (the folder is printed)
  -h, --help       this help`;

/** The options of {@link main}. */
export const OPTIONS: BenchOptions = {
  preset: "string",
  rounds: "string",
  memory: "boolean",
  "memory-only": "boolean",
  keep: "boolean",
};

/** Parses the command line; undefined for `--help`. @throws BenchUsageError */
function parseFlags(args: string[]): Flags | undefined {
  const parsed = parseBenchArgs("codec", args, OPTIONS);
  if (parsed.help) return undefined;
  const preset = stringValue(parsed, "preset", "ultrafast");
  if (!(PRESETS as readonly string[]).includes(preset)) {
    throw new BenchUsageError(`--preset must be one of ${PRESETS.join(", ")}, got '${preset}'`);
  }
  const memoryOnly = parsed.values["memory-only"] === true;
  return {
    preset,
    rounds: positiveInt(parsed, "rounds", 2),
    memory: memoryOnly || parsed.values.memory === true,
    memoryOnly,
    keep: parsed.values.keep === true,
  };
}

/** Makes a testsrc2 + sine clip, with native ffmpeg when present (faster), else ffmpeg.wasm. */
async function makeClip(path: string, size: string, seconds: number): Promise<void> {
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${size}:rate=30:duration=${seconds}`,
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:duration=${seconds}`,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-movflags",
    "+faststart",
  ];
  if (await nativeAvailable()) {
    const { success, stderr } = await new Deno.Command("ffmpeg", { args: [...args, "-y", path] })
      .output();
    if (!success) throw new Error(new TextDecoder().decode(stderr));
  } else {
    await execWasm([...args, "/out/clip.mp4"], {
      files: [{ path: "/out/clip.mp4", host: path, write: true }],
    });
  }
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, (performance.now() - started) / 1000];
}

async function decodeFps(clip: string, backend: CodecBackendName): Promise<number> {
  const [frames, seconds] = await time(async () => {
    let n = 0;
    for await (const _ of decodeFrames(clip, { backend })) n++;
    return n;
  });
  return frames / seconds;
}

/** Encodes `count` frames cycled from the first 60 decoded ones (held in memory). */
async function encodeFps(
  clip: string,
  backend: CodecBackendName,
  output: string,
  preset: string,
  count: number,
): Promise<number> {
  const held: Frame[] = [];
  for await (const frame of decodeFrames(clip, { backend })) {
    held.push(frame);
    if (held.length === 60) break;
  }
  const info = await probe(clip, { backend });
  const [, seconds] = await time(async () => {
    const encoder = await openEncoder({
      output,
      width: info.width,
      height: info.height,
      fps: info.fps,
      crf: CRF,
      preset,
      backend,
    });
    for (let i = 0; i < count; i++) await encoder.write({ ...held[i % held.length], index: i });
    await encoder.close();
  });
  return count / seconds;
}

async function peerFps(
  clip: string,
  backend: CodecBackendName,
  output: string,
  preset: string,
  frames: number,
): Promise<number> {
  const tail = [
    "-vf",
    FFMPEG_VF,
    "-c:v",
    "libx264",
    "-preset",
    preset,
    "-crf",
    String(CRF),
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "copy",
    "-movflags",
    "+faststart",
  ];
  const [, seconds] = await time(async () => {
    if (backend === "wasm") {
      await execWasm(["-i", "/in/clip.mp4", ...tail, "/out/peer.mp4"], {
        files: [
          { path: "/in/clip.mp4", host: clip },
          { path: "/out/peer.mp4", host: output, write: true },
        ],
      });
    } else {
      const args = ["-hide_banner", "-loglevel", "error", "-i", clip, ...tail, "-y", output];
      const { success, stderr } = await new Deno.Command("ffmpeg", { args }).output();
      if (!success) throw new Error(new TextDecoder().decode(stderr));
    }
  });
  return frames / seconds;
}

/** Peak RSS (bytes) of a process and its descendants, sampled every 50 ms until it exits. */
async function peakTreeRss(child: Deno.ChildProcess): Promise<number> {
  let peak = 0;
  let running = true;
  child.status.then(() => running = false);
  const rss = (pid: number): number => {
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/status`);
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      let total = kb * 1024;
      for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
        const children = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
        for (const c of children ? children.split(/\s+/) : []) total += rss(Number(c));
      }
      return total;
    } catch {
      return 0;
    }
  };
  while (running) {
    peak = Math.max(peak, rss(child.pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  return peak;
}

async function filterRss(clip: string, output: string, backend: CodecBackendName, preset: string) {
  const module = new URL("../../src/commands/filter.ts", import.meta.url).href;
  const code = `import { filterCommand } from "${module}";
    await filterCommand().parseAsync(Deno.args, { from: "user" });`;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--config",
      config,
      code,
      "--",
      clip,
      output,
      "--filter",
      CHAIN,
      "--codec",
      backend,
      "--preset",
      preset,
      "--no-progress",
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const [peak, out] = await Promise.all([peakTreeRss(child), child.output()]);
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const summary = JSON.parse(new TextDecoder().decode(out.stdout));
  return { peakMiB: peak / 2 ** 20, fps: summary.throughputFps as number, frames: summary.frames };
}

/** Runs the benchmark and prints Markdown. */
export async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  if (!flags) return console.log(USAGE);
  const dir = await Deno.makeTempDir({ prefix: "vframe-bench-codec-" });
  const backends: CodecBackendName[] = (await nativeAvailable()) ? ["wasm", "native"] : ["wasm"];
  const load = Deno.loadavg().map((l) => l.toFixed(2)).join(", ");
  console.log(`# codec benchmark\n`);
  console.log(
    `Machine: ${navigator.hardwareConcurrency} logical cores, load average ${load} at start ` +
      `(shared machine: figures are noisy). x264 preset \`${flags.preset}\`, CRF ${CRF}.\n`,
  );
  try {
    if (!flags.memoryOnly) {
      const clip = `${dir}/clip-720p.mp4`;
      await makeClip(clip, "1280x720", 10);
      const info = await probe(clip);
      console.log(
        `Clip: ${info.width}x${info.height}, ${info.frameCount} frames at ` +
          `${info.fps.num}/${info.fps.den} fps, audio ${
            info.audio.map((a) => a.codec).join(",")
          }. ` +
          `Filter: vframe \`${CHAIN}\` vs ffmpeg \`-vf ${FFMPEG_VF}\`.\n`,
      );
      console.log(
        "| backend | decode fps | encode fps | vframe filter fps | ffmpeg alone fps (peer) | vframe / peer |",
      );
      console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
      for (const backend of backends) {
        const decode = await decodeFps(clip, backend);
        const encode = await encodeFps(
          clip,
          backend,
          `${dir}/enc-${backend}.mp4`,
          flags.preset,
          300,
        );
        // Alternate vframe and its peer, best of `rounds` each: the machine is shared.
        let filterFps = 0;
        let peer = 0;
        for (let round = 0; round < flags.rounds; round++) {
          const [summary, seconds] = await time(() =>
            runFilter({
              input: clip,
              output: `${dir}/filter-${backend}.mp4`,
              filter: CHAIN,
              codec: backend,
              preset: flags.preset,
              crf: CRF,
            })
          );
          filterFps = Math.max(filterFps, summary.frames / seconds);
          const peerRun = await peerFps(
            clip,
            backend,
            `${dir}/peer-${backend}.mp4`,
            flags.preset,
            info.frameCount,
          );
          peer = Math.max(peer, peerRun);
        }
        const peerName = backend === "wasm" ? "ffmpeg.wasm one exec" : "native ffmpeg -vf";
        console.log(
          `| ${backend} | ${decode.toFixed(1)} | ${encode.toFixed(1)} | ${
            filterFps.toFixed(1)
          } | ` +
            `${peer.toFixed(1)} (${peerName}) | ${(filterFps / peer).toFixed(2)}× |`,
        );
      }
      console.log("");
    }
    if (flags.memory) {
      console.log(
        "Peak RSS of `vframe filter` (fresh process, ffmpeg children included), 1080p:\n",
      );
      console.log("| backend | clip | frames | peak RSS MiB | fps |");
      console.log("| --- | --- | ---: | ---: | ---: |");
      const clips = [["20 s", 20], ["2 min", 120]] as const;
      for (const [label, seconds] of clips) {
        const clip = `${dir}/clip-1080p-${seconds}s.mp4`;
        await makeClip(clip, "1920x1080", seconds);
        for (const backend of backends) {
          const r = await filterRss(
            clip,
            `${dir}/rss-${backend}-${seconds}.mp4`,
            backend,
            flags.preset,
          );
          console.log(
            `| ${backend} | ${label} | ${r.frames} | ${r.peakMiB.toFixed(0)} | ${
              r.fps.toFixed(1)
            } |`,
          );
        }
        await Deno.remove(clip);
      }
      console.log("");
    }
  } finally {
    if (flags.keep) console.log(`(files kept in ${dir})`);
    else await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await runDirectly(() => main(Deno.args));
