/**
 * `vframe client VIDEO` (`deno task client VIDEO`): sends a video to a vframe server, shows
 * progress, writes the output MP4 (and optionally the result JSON) atomically.
 *
 * An existing output (`--out`, `--json FILE`) is kept unless `-y/--overwrite` is given (`-n/--no-
 * overwrite` never replaces one), checked before anything is sent, as ffmpeg does.
 *
 * Exit codes (the table of every command, exit_codes.ts): 0 done; 1 other failure (bad input
 * file, …); 2 bad usage (also a bad `--ca` file or token, an existing output without `-y`); 3
 * server unreachable (also a failed TLS handshake); 4 refused by the server (also
 * `unauthorized`: wrong or missing token); 5 job failed or cancelled (also: no live worker in
 * time, every frame fell back); 6 checksum/size mismatch; 7 the server broke the protocol or the
 * connection; 8 done, but more frames fell back to the original than `--max-fallback` allows (the
 * output is written). How many frames fell back is always printed on stderr, even with `--quiet`.
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { EXIT_CODES, exitCodeFor } from "../util/errors.ts";
import { Command, Option } from "commander";
import { intArg, percentArg } from "./cli_args.ts";
import { defaultOutputPath, runJob } from "../client/client.ts";
import { checkFallbacks, DEFAULT_MAX_FALLBACK_PERCENT } from "../client/fallback.ts";
import { ProgressView } from "../client/progress_view.ts";
import { summarize, writeFileAtomic } from "./summary.ts";
import { withExitCodes } from "./exit_codes.ts";
import { checkOutput, samePath, UsageError } from "./filter_checks.ts";
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
  maxFallback: number;
  /** `-y` true, `-n` false, neither undefined (then an existing output is kept too). */
  overwrite?: boolean;
}

/** The `client` subcommand. */
export function clientCommand(): Command {
  return withExitCodes(new Command("client"))
    .description(DESCRIPTIONS.client)
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
    .option(
      "--max-fallback <percent>",
      "most frames that may fall back to the original (unfiltered), in percent of the frames; " +
        `more writes the output but exits with ${EXIT_CODES["too-many-fallbacks"]}`,
      percentArg,
      DEFAULT_MAX_FALLBACK_PERCENT,
    )
    .option("-y, --overwrite", "replace an existing output (--out, --json FILE)")
    .option("-n, --no-overwrite", "never replace an existing output: refuse, as without -y")
    .option("-q, --quiet", "no progress output", false)
    .addHelpText(
      "after",
      "\nFilters and their parameters: vframe filters (deno task filters); --json for machines.",
    )
    .action(async (video: string, flags: ClientFlags) => {
      const out = flags.out ?? defaultOutputPath(video);
      const view = new ProgressView({ quiet: flags.quiet });
      try {
        // Before anything is sent: an output that exists (kept without -y) or cannot be written.
        const outputs = [out, ...(flags.json && flags.json !== "-" ? [flags.json] : [])];
        await checkOutputs(video, outputs, { overwrite: flags.overwrite === true });
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
        // Said even with --quiet: a job that silently kept unfiltered frames is not a success.
        for (const warning of result.warnings ?? []) {
          console.error(`vframe client: warning: ${warning}`);
        }
        const fallbacks = checkFallbacks(result, flags.maxFallback);
        if (fallbacks.line) console.error(`vframe client: ${fallbacks.line}`);
        if (fallbacks.error) {
          console.error(`vframe client: ${fallbacks.error.message}`);
          Deno.exit(exitCodeFor(fallbacks.error));
        }
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

/**
 * Checks the client's outputs before the job starts: none is the input, a directory or in a
 * missing or read-only directory, and none exists unless `overwrite`.
 * @throws UsageError, OutputExistsError (a UsageError) or OutputNotWritableError.
 */
export async function checkOutputs(
  input: string,
  outputs: readonly string[],
  options: { overwrite: boolean },
): Promise<void> {
  for (const output of outputs) {
    if (await samePath(input, output)) {
      throw new UsageError(`the output ${output} is the input; choose another path`);
    }
    await checkOutput(output, { overwrite: options.overwrite });
  }
}

export { exitCodeFor } from "../util/errors.ts";
