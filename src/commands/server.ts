/**
 * `vframe server` (`deno task server`): the TCP job server with its queue and preview, until
 * SIGINT/SIGTERM. Flags are documented in docs/result.md. With `--redis`, frames go to the BullMQ
 * queue `--queue` (default `vframe-frames`), which the workers must name too.
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { untilSignal } from "./signals.ts";
import { Command, Option } from "commander";
import type { CodecChoice } from "../codec/types.ts";
import { choiceArg, intArg, numberArg, positiveArg } from "./cli_args.ts";
import { withExitCodes } from "./exit_codes.ts";
import { DEFAULT_QUEUE_NAME } from "../queue/bullmq/settings.ts";
import {
  DEFAULT_DETACH_GRACE_MS,
  DEFAULT_KEEP_OUTPUT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MEMORY_WAIT_MS,
} from "../server/server.ts";
import { defaultMaxMemoryBytes } from "../server/memory.ts";
import { DEFAULT_MIN_UPLOAD_RATE, DEFAULT_UPLOAD_RATE_WINDOW_MS } from "../server/upload_limits.ts";
import { startServerStack } from "./stack.ts";
import { type UnitChoice, UNITS } from "../queue/segment_queues.ts";
import { DEFAULT_SEGMENT_SECONDS } from "../server/segment_job.ts";
import { resolveRedisUrl } from "./redis_url.ts";
import { describeServerAuth, resolveServerAuth } from "../server/auth.ts";
import { describeServerTls, loadServerTls } from "../server/tls.ts";
import { X264_PRESETS } from "../protocol/messages.ts";
import { defaultThreads } from "../queue/task.ts";
import { DEFAULT_POLICY } from "../queue/policy.ts";

interface ServerFlags {
  host: string;
  port: number;
  unix?: string;
  redis?: string;
  redisPasswordFile?: string;
  queue?: string;
  threads?: number;
  unit: UnitChoice;
  segmentSeconds: number;
  segmentTimeout?: number;
  attempts: number;
  backoff: number;
  frameTimeout: number;
  frameDeadline: number;
  /** `--no-worker-timeout` (commander names it after the part behind `--no-`). */
  workerTimeout: number;
  rate?: number;
  maxInFlight: number;
  maxInFlightTotal?: number;
  maxJobs: number;
  maxUploadMb: number;
  uploadTimeout?: number;
  minUploadRate: number;
  uploadRateWindow: number;
  maxMemoryMb?: number;
  memoryWait: number;
  detachGrace: number;
  keepOutput: number;
  codec: CodecChoice;
  crf?: number;
  preset?: string;
  preview: boolean;
  previewPort: number;
  previewHost: string;
  workDir?: string;
  streamDecode: boolean;
  token?: string;
  auth: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

/** The `server` subcommand. */
export function serverCommand(): Command {
  return withExitCodes(new Command("server"))
    .description(DESCRIPTIONS.server)
    .option("--host <addr>", "address to listen on ([::] accepts IPv4 too)", "::")
    .option("--port <n>", "TCP port (0 = any free port)", intArg(0, 65535), 9090)
    .option("--unix <path>", "also listen on this AF_UNIX socket")
    .addOption(
      new Option(
        "--redis <url>",
        "use BullMQ workers on this Redis, rediss:// for TLS (default: embedded pool)",
      )
        .env("REDIS_URL"),
    )
    .option(
      "--redis-password-file <file>",
      "read the Redis password from this file's first line (else REDIS_PASSWORD, else the URL's)",
    )
    .option(
      "--queue <name>",
      "BullMQ queue name, with --redis; workers (vframe worker --queue) must use the same one " +
        `(default: ${DEFAULT_QUEUE_NAME})`,
    )
    .option(
      "--threads <n>",
      `embedded pool threads (default: 2/3 of the cores = ${defaultThreads()})`,
      intArg(1, 1024),
    )
    .addOption(
      new Option(
        "--unit <unit>",
        "unit of work: segment (workers decode, filter and encode chunks; the server only " +
          "splits and joins), frame (every frame through the queue), auto (segment with --redis, " +
          "frame with the embedded pool)",
      ).choices([...UNITS]).default("auto"),
    )
    .option(
      "--segment-seconds <s>",
      "segment length in segment mode, seconds (shortened so every live worker gets at least 3; " +
        "with one live worker grown to the next keyframe, up to 12 s)",
      numberArg(0.04, 3600),
      DEFAULT_SEGMENT_SECONDS,
    )
    .option(
      "--segment-timeout <s>",
      "time limit of one attempt at a segment, seconds (default: 30 + 1 per frame)",
      numberArg(1, 86_400),
    )
    .option("--attempts <n>", "tries per frame, first included", intArg(1, 100), 3)
    .option("--backoff <ms>", "first retry delay, doubling after each failure", intArg(0), 100)
    .option("--frame-timeout <ms>", "time limit of one attempt", intArg(1), 10_000)
    .option(
      "--frame-deadline <ms>",
      "deadline per frame; then the original is used",
      intArg(1),
      60_000,
    )
    .option(
      "--no-worker-timeout <s>",
      "while no worker is alive (BullMQ: no `deno task worker` heartbeating), frames wait this " +
        "long, seconds, without using attempts or their deadline; then the job fails",
      positiveArg,
      DEFAULT_POLICY.noWorkerTimeoutMs / 1000,
    )
    .option(
      "--rate <fps>",
      "frames per second started by the workers (default: unlimited)",
      positiveArg,
    )
    .option("--max-in-flight <n>", "frames in flight per job", intArg(1), DEFAULT_MAX_IN_FLIGHT)
    .option(
      "--max-in-flight-total <n>",
      "frames in flight over all jobs (default: 4 × per job)",
      intArg(1),
    )
    .option("--max-jobs <n>", "jobs at once; more are refused as busy", intArg(1), 8)
    .option("--max-upload-mb <n>", "largest accepted upload, MiB", intArg(1), 2048)
    .option(
      "--upload-timeout <s>",
      "time limit of a whole upload, seconds; 0 = none (default: 60 s + 1 s per 256 KiB)",
      intArg(0),
    )
    .option(
      "--min-upload-rate <KiB/s>",
      "slower uploads (averaged over --upload-rate-window) are dropped; 0 = no minimum",
      intArg(0),
      DEFAULT_MIN_UPLOAD_RATE / 1024,
    )
    .option(
      "--upload-rate-window <s>",
      "window the upload rate is averaged over, seconds",
      intArg(1, 3600),
      DEFAULT_UPLOAD_RATE_WINDOW_MS / 1000,
    )
    .option(
      "--max-memory-mb <n>",
      "memory all jobs together may be estimated to use, MiB; a job over it is refused " +
        `(default: 1/4 of RAM, 512..16384 = ${Math.floor(defaultMaxMemoryBytes() / 1024 ** 2)})`,
      intArg(64),
    )
    .option(
      "--memory-wait <s>",
      "how long a job waits for memory held by other jobs before it is refused, seconds " +
        "(at most half the frame deadline)",
      intArg(0, 3600),
      DEFAULT_MEMORY_WAIT_MS / 1000,
    )
    .option(
      "--detach-grace <s>",
      "a job whose client connection was lost keeps running this long, seconds, for the client " +
        "to re-attach (client --attach; the client retries by itself); then it is cancelled. " +
        "0 = cancel at once. A client's Ctrl-C cancels at once whatever this says",
      intArg(0, 86_400),
      DEFAULT_DETACH_GRACE_MS / 1000,
    )
    .option(
      "--keep-output <s>",
      "a done job's output is kept this long after the job ended, seconds, for a client that " +
        "re-attaches (and the preview); then it is deleted",
      intArg(0, 7 * 86_400),
      DEFAULT_KEEP_OUTPUT_MS / 1000,
    )
    .addOption(
      new Option("--codec <backend>", "codec backend").choices(["auto", "wasm", "native"]).default(
        "auto",
      ),
    )
    .option("--crf <n>", "default x264 CRF (client may override)", intArg(0, 51))
    .option(
      "--preset <name>",
      "default x264 preset (client may override)",
      choiceArg([...X264_PRESETS]),
    )
    .option("--preview-port <n>", "preview HTTP port (0 = any free port)", intArg(0, 65535), 8080)
    .option("--preview-host <addr>", "preview address", "127.0.0.1")
    .option("--no-preview", "do not start the HTTP preview")
    .option("--work-dir <dir>", "where uploads and outputs are kept (default: a temp dir)")
    .option("--no-stream-decode", "always wait for the whole upload before decoding")
    .option(
      "--token <token>",
      "shared secret clients must prove they know (default: $VFRAME_TOKEN, else " +
        "~/.config/vframe/token, made on the first start; other users can see command lines: " +
        "prefer VFRAME_TOKEN)",
    )
    .option("--no-auth", "no access control: anyone who can reach the server can run jobs")
    .option("--tls-cert <file>", "serve TCP over TLS with this PEM certificate (chain)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .action(async (flags: ServerFlags) => {
      const fail = (error: unknown): never => {
        console.error(
          `vframe server: cannot start: ${error instanceof Error ? error.message : error}`,
        );
        Deno.exit(1);
      };
      const auth = await resolveServerAuth({ token: flags.token, noAuth: !flags.auth })
        .catch(fail);
      const tls = await loadServerTls({ certFile: flags.tlsCert, keyFile: flags.tlsKey })
        .catch(fail);
      if (flags.queue !== undefined && !flags.redis) {
        console.error("vframe server: WARNING: --queue has no effect without --redis");
      }
      for (const line of describeServerAuth(auth)) console.error(`vframe server: ${line}`);
      console.error(`vframe server: ${describeServerTls(tls)}`);
      for (const warning of tls?.warnings ?? []) {
        console.error(`vframe server: WARNING: ${warning}`);
      }
      const stack = await startServerStack({
        auth,
        tls,
        host: flags.host,
        port: flags.port,
        unixPath: flags.unix,
        redisUrl: flags.redis
          ? await resolveRedisUrl({ url: flags.redis, passwordFile: flags.redisPasswordFile })
            .catch(fail)
          : undefined,
        queueName: flags.queue,
        threads: flags.threads,
        unit: flags.unit,
        segmentSeconds: flags.segmentSeconds,
        segmentTimeoutMs: flags.segmentTimeout === undefined
          ? undefined
          : Math.round(flags.segmentTimeout * 1000),
        policy: {
          attempts: flags.attempts,
          backoffMs: flags.backoff,
          attemptTimeoutMs: flags.frameTimeout,
          deadlineMs: flags.frameDeadline,
          noWorkerTimeoutMs: Math.round(flags.workerTimeout * 1000),
        },
        ratePerSecond: flags.rate,
        maxInFlight: flags.maxInFlight,
        maxInFlightTotal: flags.maxInFlightTotal,
        maxJobs: flags.maxJobs,
        maxUploadBytes: flags.maxUploadMb * 1024 * 1024,
        uploadTimeoutMs: flags.uploadTimeout === undefined ? undefined : flags.uploadTimeout * 1000,
        minUploadBytesPerSecond: flags.minUploadRate * 1024,
        uploadRateWindowMs: flags.uploadRateWindow * 1000,
        maxMemoryBytes: flags.maxMemoryMb === undefined ? undefined : flags.maxMemoryMb * 1024 ** 2,
        memoryWaitMs: flags.memoryWait * 1000,
        detachGraceMs: flags.detachGrace * 1000,
        keepOutputMs: flags.keepOutput * 1000,
        codec: flags.codec,
        crf: flags.crf,
        preset: flags.preset,
        preview: flags.preview ? { port: flags.previewPort, hostname: flags.previewHost } : false,
        workDir: flags.workDir,
        streamDecode: flags.streamDecode,
        log: (line) => console.error(`[${new Date().toISOString()}] ${line}`),
      }).catch(fail);
      const server = stack.server;
      if (stack.previewUrl) console.error(`vframe server: preview ${stack.previewUrl}`);
      console.log(
        `vframe server ready: port=${server.port}${tls ? " tls" : ""} auth=${auth.mode}${
          server.unixPath ? ` unix=${server.unixPath}` : ""
        } queue=${server.queue.backend} unit=${stack.unit} codec=${server.codec}${
          stack.previewUrl ? ` preview=${stack.previewUrl}` : ""
        }`,
      );
      await untilSignal();
      console.error("vframe server: shutting down");
      await stack.close();
    });
}
