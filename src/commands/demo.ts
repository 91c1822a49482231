/**
 * `vframe demo` (`deno task demo`): the whole engine in one command, with no Redis and no native
 * ffmpeg needed. Makes a 4 s 640×360 sample video with audio, starts an embedded server on an
 * ephemeral port (with its preview), sends the video through it over TCP with the client, and
 * writes `out/demo.mp4` and `out/demo.json`, replacing those of an earlier run (by design: no `-y`
 * needed, unlike `filter` and `client`).
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { untilSignal } from "./signals.ts";
import { Command, Option } from "commander";
import type { CodecChoice } from "../codec/types.ts";
import { intArg, positiveArg } from "./cli_args.ts";
import { runJob } from "../client/client.ts";
import { ProgressView } from "../client/progress_view.ts";
import { makeSampleVideo } from "../codec/sample_video.ts";
import { startServerStack } from "./stack.ts";
import { generateToken } from "../util/token_file.ts";
import { summarize, writeFileAtomic } from "./summary.ts";
import { withExitCodes } from "./exit_codes.ts";
import { exitCodeFor } from "../util/errors.ts";

interface DemoFlags {
  outDir: string;
  filter: string;
  preview: boolean;
  previewPort: number;
  keep: boolean;
  codec: CodecChoice;
  threads?: number;
  seconds: number;
  size: string;
  quiet: boolean;
}

/** The filter chain the demo applies unless told otherwise. */
export const DEMO_FILTER = "blur=sigma=2,eq=contrast=1.1";

/** The `demo` subcommand. */
export function demoCommand(): Command {
  return withExitCodes(new Command("demo"))
    .description(DESCRIPTIONS.demo)
    .option(
      "--out-dir <dir>",
      "where demo.mp4, demo.json and the sample input go (replaced on every run)",
      "out",
    )
    .option("-f, --filter <chain>", "filter chain", DEMO_FILTER)
    .option("--no-preview", "do not start the HTTP preview")
    .option("--preview-port <n>", "preview port (0 = any free port)", intArg(0, 65535), 0)
    .option("--keep", "keep the server (and preview) running until Ctrl-C", false)
    .addOption(
      new Option("--codec <backend>", "codec backend").choices(["auto", "wasm", "native"]).default(
        "auto",
      ),
    )
    .option("--threads <n>", "embedded pool threads (default: 2/3 of the cores)", intArg(1, 1024))
    .option("--seconds <s>", "length of the sample video", positiveArg, 4)
    .option("--size <WxH>", "size of the sample video", "640x360")
    .option("-q, --quiet", "no progress output", false)
    .addHelpText(
      "after",
      "\nThe demo overwrites demo-input.mp4, demo.mp4 and demo.json in --out-dir on every run, by " +
        "design\n(filter and client keep an existing output unless -y).\n" +
        "Filters and their parameters: vframe filters (deno task filters).",
    )
    .action(async (flags: DemoFlags) => {
      const size = /^(\d+)x(\d+)$/.exec(flags.size);
      if (!size) {
        console.error(`vframe demo: --size must be WIDTHxHEIGHT, got '${flags.size}'`);
        Deno.exit(2);
      }
      await Deno.mkdir(flags.outDir, { recursive: true });
      const input = `${flags.outDir}/demo-input.mp4`;
      const say = (line: string) => flags.quiet || console.error(line);
      say(`making a ${flags.seconds} s ${flags.size} sample video with audio: ${input}`);
      await makeSampleVideo({
        path: input,
        width: Number(size[1]),
        height: Number(size[2]),
        seconds: flags.seconds,
        audio: true,
        codec: flags.codec,
      });
      // The demo's server listens on every interface: a one-run token keeps others out.
      const token = generateToken();
      const stack = await startServerStack({
        auth: { mode: "token", token },
        port: 0,
        preview: flags.preview ? { port: flags.previewPort } : false,
        codec: flags.codec,
        threads: flags.threads,
      });
      const server = stack.server;
      let failed: number | undefined;
      try {
        say(
          `embedded server on [::]:${server.port} (queue ${server.queue.backend}, codec ${server.codec})`,
        );
        if (stack.previewUrl) say(`preview: ${stack.previewUrl}`);
        const view = new ProgressView({ quiet: flags.quiet });
        const output = `${flags.outDir}/demo.mp4`;
        const result = await runJob({
          input,
          filter: flags.filter,
          server: `localhost:${server.port}`,
          token,
          output,
          onProgress: (p) => view.update(p),
        }).finally(() => view.stop());
        const json = `${flags.outDir}/demo.json`;
        await writeFileAtomic(json, JSON.stringify(result, null, 2) + "\n");
        say(summarize(result));
        console.log(`output: ${output}`);
        console.log(`result: ${json}`);
        if (stack.previewUrl && flags.keep) console.log(`preview: ${stack.previewUrl}`);
        if (flags.keep) {
          say("server kept running for the preview; press Ctrl-C to stop");
          await untilSignal();
        }
      } catch (error) {
        failed = exitCodeFor(error);
        console.error(`vframe demo: ${error instanceof Error ? error.message : error}`);
      } finally {
        await stack.close();
      }
      if (failed !== undefined) Deno.exit(failed);
    });
}
