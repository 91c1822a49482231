/**
 * `vframe client VIDEO` (`deno task client VIDEO`): sends a video to a vframe server, shows
 * progress, writes the output MP4 (and optionally the result JSON) atomically.
 *
 * Exit codes: 0 done; 1 other failure (bad input file, …); 2 bad usage (also a bad `--ca` file or
 * token); 3 server unreachable (also a failed TLS handshake); 4 refused by the server (also
 * `unauthorized`: wrong or missing token); 5 job failed or cancelled; 6 checksum/size mismatch;
 * 7 the server broke the protocol or the connection.
 */
import { exitCodeFor } from "../util/errors.ts";
import { Command, Option } from "commander";
import { intArg } from "./cli_args.ts";
import { defaultOutputPath, runJob } from "../client/client.ts";
import { ProgressView } from "../client/progress_view.ts";
import { summarize, writeFileAtomic } from "./summary.ts";
import { X264_PRESETS, type X264Preset } from "../protocol/messages.ts";

interface ClientFlags {
  filter: string;
  server: string;
  unix?: string;
  out?: string;
  json?: string;
  crf?: number;
  preset?: X264Preset;
  audio: boolean;
  quiet: boolean;
  token?: string;
  tls: boolean;
  ca?: string;
}

/** The `client` subcommand. */
export function clientCommand(): Command {
  return new Command("client")
    .description("Send a video to a vframe server and receive the filtered MP4")
    .argument("<video>", "input video file")
    .requiredOption("-f, --filter <chain>", "filter chain, ffmpeg -vf syntax (e.g. blur=sigma=3)")
    .option("-s, --server <host:port>", "server address; IPv6 as [::1]:9090", "localhost:9090")
    .option("--unix <path>", "connect to the server's AF_UNIX socket instead of TCP")
    .option("-o, --out <file>", "output MP4 (default: <video without extension>.vframe.mp4)")
    .option("--json <file>", "write the result JSON here ('-' = stdout)")
    .option("--crf <n>", "x264 CRF 0..51 (default: the server's)", intArg(0, 51))
    .addOption(
      new Option("--preset <name>", "x264 preset (default: the server's)").choices(X264_PRESETS),
    )
    .option("--no-audio", "drop the input's audio")
    .option(
      "--token <token>",
      "shared secret, for a server that requires one (default: $VFRAME_TOKEN, else " +
        "~/.config/vframe/token, which a server run by the same user makes; other users can see " +
        "command lines: prefer VFRAME_TOKEN)",
    )
    .option("--tls", "talk TLS to the server, checking its certificate (TCP only)", false)
    .option(
      "--ca <file>",
      "also trust this PEM CA or self-signed server certificate (implies --tls)",
    )
    .option("-q, --quiet", "no progress output", false)
    .action(async (video: string, flags: ClientFlags) => {
      const out = flags.out ?? defaultOutputPath(video);
      const view = new ProgressView({ quiet: flags.quiet });
      try {
        const result = await runJob({
          input: video,
          filter: flags.filter,
          server: flags.server,
          unixPath: flags.unix,
          output: out,
          options: {
            ...(flags.crf !== undefined ? { crf: flags.crf } : {}),
            ...(flags.preset ? { preset: flags.preset } : {}),
            audio: flags.audio,
          },
          token: flags.token,
          ...(flags.tls || flags.ca ? { tls: { caFile: flags.ca } } : {}),
          onProgress: (p) => view.update(p),
        });
        view.stop();
        const json = JSON.stringify(result, null, 2) + "\n";
        if (flags.json === "-") console.log(json);
        else if (flags.json) await writeFileAtomic(flags.json, json);
        if (!flags.quiet) console.error(summarize(result));
        if (flags.json && flags.json !== "-" && !flags.quiet) {
          console.error(`result JSON: ${flags.json}`);
        }
        // The output path goes to stdout (for scripts) unless stdout carries the JSON.
        if (flags.json === "-") console.error(`output: ${out}`);
        else console.log(out);
      } catch (error) {
        view.stop();
        const message = error instanceof Deno.errors.NotFound
          ? `input not found: ${video}`
          : error instanceof Error
          ? error.message
          : String(error);
        console.error(`vframe client: ${message}`);
        Deno.exit(exitCodeFor(error));
      }
    });
}

export { exitCodeFor } from "../util/errors.ts";
