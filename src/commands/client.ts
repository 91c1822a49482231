/**
 * `vframe client VIDEO` (`deno task client VIDEO`): sends a video to a vframe server, shows
 * progress, writes the output MP4 (and optionally the result JSON) atomically.
 *
 * An existing output (`--out`, `--json FILE`) is kept unless `-y/--overwrite` is given (`-n/--no-
 * overwrite` never replaces one), checked before anything is sent, as ffmpeg does.
 *
 * The job's id is printed on stderr once the server accepts it; a lost connection is re-attached
 * by the client itself (the upload resumes), and `--attach JOB_ID [-o OUT]` follows a job whose
 * client is gone: its progress, result and output (docs/protocol.md, "Attach and resume").
 *
 * Exit codes (the table of every command, exit_codes.ts): 0 done; 1 other failure (bad input
 * file, …); 2 bad usage (also a bad `--ca` file or token, an existing output without `-y`); 3
 * server unreachable (also a failed TLS handshake); 4 refused by the server (also
 * `unauthorized`: wrong or missing token; `unknown-job` with `--attach`); 5 job failed or cancelled (also: no live worker in
 * time, every frame fell back); 6 checksum/size mismatch; 7 the server broke the protocol or the
 * connection; 8 done, but more frames fell back to the original than `--max-fallback` allows (the
 * output is written). How many frames fell back is always printed on stderr, even with `--quiet`.
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { EXIT_CODES, exitCodeFor } from "../util/errors.ts";
import { Command, Option } from "commander";
import { intArg, percentArg, type ProgressFlags, progressOptions } from "./cli_args.ts";
import { defaultOutputPath, type ReattachEvent, runJob } from "../client/client.ts";
import { attachJob } from "../client/attach.ts";
import { checkFallbacks, DEFAULT_MAX_FALLBACK_PERCENT } from "../client/fallback.ts";
import { JobCancelledError } from "../client/errors.ts";
import { ClientProgressCounters } from "../client/progress_counters.ts";
import { openProgressOutput } from "./filter_progress.ts";
import type { ProgressWriter } from "../util/progress_writer.ts";
import { ProgressView } from "../client/progress_view.ts";
import { summarize, writeFileAtomic } from "./summary.ts";
import { withExitCodes } from "./exit_codes.ts";
import { checkOutput, samePath, UsageError } from "./filter_checks.ts";
import { X264_PRESETS, type X264Preset } from "../protocol/messages.ts";

interface ClientFlags extends ProgressFlags {
  filter?: string;
  /** `--attach JOB_ID`: follow that job instead of starting one. */
  attach?: string;
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
  const command = withExitCodes(new Command("client"))
    .description(DESCRIPTIONS.client)
    .argument("[video]", "input video file (with --attach: only to resume an unfinished upload)")
    .option("-f, --filter <chain>", "filter chain, ffmpeg -vf syntax (e.g. blur=sigma=3); required")
    .option(
      "--attach <job-id>",
      "follow a job started earlier (its id is printed when it starts) whose client is gone: " +
        "progress until it ends, then its result and output (-o; default: its file name with " +
        ".vframe.mp4 here); Ctrl-C cancels it",
    )
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
    .option("-q, --quiet", "no progress output", false);
  for (const option of progressOptions()) command.addOption(option);
  return command
    .addHelpText(
      "after",
      "\nFilters and their parameters: vframe filters (deno task filters); --json for machines.",
    )
    .action(async (video: string | undefined, flags: ClientFlags) => {
      // With --attach and neither -o nor VIDEO, the output is named after the job's file.
      let out = flags.out ?? (video === undefined ? undefined : defaultOutputPath(video));
      const view = new ProgressView({ quiet: flags.quiet });
      const counters = new ClientProgressCounters();
      let progress: ProgressWriter | undefined;
      // Ctrl-C (or SIGTERM) cancels the job on the server; a second one exits at once.
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) Deno.exit(130);
        controller.abort(new Error("interrupted"));
      };
      for (const name of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(name, onSignal);
      try {
        checkJobArguments(video, flags);
        const jsonFile = flags.json && flags.json !== "-" ? [flags.json] : [];
        const outputs = [...(out === undefined ? [] : [out]), ...jsonFile];
        // First (a FIFO's open waits for its reader): every later failure ends it with a block.
        progress = await openProgressOutput(flags, {
          label: "vframe client",
          sample: () => counters.sample(),
          paths: [...(video === undefined ? [] : [video]), ...outputs],
          stdoutTakenBy: flags.json === "-" ? "--json -" : undefined,
        });
        if (progress && video !== undefined) void counters.probeFrameRate(video);
        // Before anything is sent: an output that exists (kept without -y) or cannot be written.
        await checkOutputs(video, outputs, { overwrite: flags.overwrite === true });
        const connection = {
          server: flags.server,
          unixPath: flags.unix,
          token: flags.token,
          ...(flags.tls || flags.ca ? { tls: { caFile: flags.ca } } : {}),
          onProgress: (p: Parameters<typeof view.update>[0]) => {
            view.update(p);
            counters.update(p);
          },
          onReattach: (event: ReattachEvent) =>
            console.error(`vframe client: ${reattached(event)}`),
          signal: controller.signal,
        };
        const result = flags.attach !== undefined
          ? await attachJob({
            ...connection,
            jobId: flags.attach,
            input: video,
            output: out,
            prepareOutput: async (path) => {
              const overwrite = flags.overwrite === true;
              if (out === undefined) await checkOutputs(video, [path], { overwrite });
              out = path;
            },
          })
          : await runJob({
            ...connection,
            input: video!,
            filter: flags.filter!,
            output: out,
            options: {
              ...(flags.crf !== undefined ? { crf: flags.crf } : {}),
              ...(flags.preset ? { preset: flags.preset } : {}),
              audio: flags.audio,
              // The server's progress messages as often as the blocks they feed.
              ...(progress ? { progressIntervalMs: Math.round(flags.statsPeriod * 1000) } : {}),
            },
            // Said at once, so that a client whose connection drops can be followed again.
            onAccepted: (jobId) =>
              console.error(`vframe client: ${acceptedLine(jobId, flags, out!)}`),
          });
        view.stop();
        counters.finish(result);
        await progress?.end("done");
        const json = JSON.stringify(result, null, 2) + "\n";
        if (flags.json === "-") console.log(json);
        else if (flags.json) await writeFileAtomic(flags.json, json);
        if (!flags.quiet) console.error(summarize(result));
        if (flags.json && flags.json !== "-" && !flags.quiet) {
          console.error(`result JSON: ${flags.json}`);
        }
        // The output path goes to stdout (for scripts) unless stdout carries the JSON or progress.
        if (flags.json === "-" || flags.progressFile === "-") console.error(`output: ${out}`);
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
        await progress?.end(error instanceof JobCancelledError ? "cancelled" : "failed");
        const message = error instanceof Deno.errors.NotFound
          ? `input not found: ${video ?? error.message}`
          : error instanceof Error
          ? error.message
          : String(error);
        console.error(`vframe client: ${message}`);
        Deno.exit(exitCodeFor(error));
      } finally {
        for (const name of ["SIGINT", "SIGTERM"] as const) {
          Deno.removeSignalListener(name, onSignal);
        }
      }
    });
}

/** VIDEO and --filter start a job; --attach follows one. @throws UsageError otherwise. */
function checkJobArguments(video: string | undefined, flags: ClientFlags): void {
  if (flags.attach !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(flags.attach)) {
      throw new UsageError(
        `--attach '${flags.attach}' is not a job id (1..64 of A-Z a-z 0-9 _ -, as the client ` +
          `printed it: 'job <id>')`,
      );
    }
    return;
  }
  if (video === undefined) {
    throw new UsageError("missing the input video: vframe client VIDEO --filter CHAIN");
  }
  if (flags.filter === undefined) {
    throw new UsageError(
      "missing --filter CHAIN (e.g. --filter blur=sigma=3; vframe filters lists them)",
    );
  }
}

/** `job <id> (re-attach with: …)`: how to follow the job from another client. */
function acceptedLine(jobId: string, flags: ClientFlags, out: string): string {
  const where = flags.unix !== undefined
    ? ` --unix ${shellWord(flags.unix)}`
    : flags.server !== "localhost:9090"
    ? ` -s ${shellWord(flags.server)}`
    : "";
  return `job ${jobId} (re-attach with: deno task client --attach ${jobId}${where} -o ${
    shellWord(out)
  })`;
}

/** A line about re-attaching after a lost connection. */
function reattached(event: ReattachEvent): string {
  if (event.kind === "lost") {
    return `${event.attempt === 1 ? "connection lost" : "re-attach failed"} (${event.reason}); ` +
      `re-attaching to job ${event.jobId} in ${event.delayMs / 1000} s ` +
      `(attempt ${event.attempt} of ${event.attempts})`;
  }
  return `re-attached to job ${event.jobId} (${event.state}): ` +
    (event.uploadDone
      ? "the server has the whole upload"
      : `the server has ${event.received} of ${event.size} bytes, resuming the upload there`);
}

/** `text` as one shell word (quoted when it needs to be). */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,:/@%+=\[\]-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * Checks the client's outputs before the job starts: none is the input, a directory or in a
 * missing or read-only directory, and none exists unless `overwrite`.
 * @throws UsageError, OutputExistsError (a UsageError) or OutputNotWritableError.
 */
export async function checkOutputs(
  input: string | undefined,
  outputs: readonly string[],
  options: { overwrite: boolean },
): Promise<void> {
  for (const output of outputs) {
    if (input !== undefined && await samePath(input, output)) {
      throw new UsageError(`the output ${output} is the input; choose another path`);
    }
    await checkOutput(output, { overwrite: options.overwrite });
  }
}

export { exitCodeFor } from "../util/errors.ts";
