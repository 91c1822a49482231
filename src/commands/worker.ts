/**
 * `vframe worker` (`deno task worker --redis URL --concurrency N`): a BullMQ worker process. It
 * takes both units of work from the given Redis (workers on other machines join the same way):
 * frames (filtered on its pool) and, unless `--no-segments`, segments (decoded, filtered on the
 * same pool and encoded here). It prints one `vframe worker ready: …` line when consuming, and
 * stops gracefully on SIGINT/SIGTERM: active frames and segments finish (for at most
 * `--stop-timeout`), then it exits, even when Redis is unreachable.
 * Signals within 300 ms of the first are the same request (one Ctrl-C on `deno task worker`
 * arrives twice); a signal after that exits at once.
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { Command, Option } from "commander";
import { intArg } from "./cli_args.ts";
import { withExitCodes } from "./exit_codes.ts";
import { listenForStop, SIGNAL_DEDUPE_MS } from "./signals.ts";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  FrameWorker,
} from "../queue/bullmq/frame_worker.ts";
import { redactUrl } from "../queue/bullmq/redis.ts";
import { DEFAULT_SEGMENT_CONCURRENCY, SegmentWorker } from "../queue/bullmq/segment_worker.ts";
import { removeStaleSegmentDirs } from "../queue/segment_temp.ts";
import { FilterPool } from "../filters/pool.ts";
import type { CodecChoice } from "../codec/types.ts";
import { DEFAULT_QUEUE_NAME } from "../queue/bullmq/settings.ts";
import { defaultThreads } from "../queue/task.ts";
import { resolveRedisUrl } from "./redis_url.ts";

/** Parsed options of `vframe worker`. */
export interface WorkerCommandOptions {
  redis?: string;
  redisPasswordFile?: string;
  concurrency: number;
  queue: string;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
  stopTimeout: number;
  /** False with `--no-segments`: frames only. */
  segments: boolean;
  segmentConcurrency: number;
  codec: CodecChoice;
}

/** Builds the `worker` subcommand. */
export function workerCommand(): Command {
  return withExitCodes(new Command("worker"))
    .description(DESCRIPTIONS.worker)
    .addOption(
      new Option(
        "--redis <url>",
        "Redis URL, e.g. redis://host:6379, rediss:// for TLS (required)",
      ).env("REDIS_URL"),
    )
    .option(
      "--redis-password-file <file>",
      "read the Redis password from this file's first line (else REDIS_PASSWORD, else the URL's)",
    )
    .addOption(
      new Option("--concurrency <n>", "frames filtered at once (filter threads)")
        .argParser(intArg(1))
        .default(defaultThreads(), `2/3 of the logical cores = ${defaultThreads()}`),
    )
    .option(
      "--queue <name>",
      "BullMQ queue name; servers (vframe server --queue) and workers must use the same one",
      DEFAULT_QUEUE_NAME,
    )
    .option(
      "--lock-duration <ms>",
      "lock of an active job; a dead worker's jobs return after about this plus 1-2 stalled intervals",
      intArg(100),
      DEFAULT_LOCK_DURATION_MS,
    )
    .option(
      "--stalled-interval <ms>",
      "how often to look for jobs of dead workers",
      intArg(100),
      DEFAULT_STALLED_INTERVAL_MS,
    )
    .option(
      "--max-stalled <n>",
      "times a job may be recovered from a dead worker before it fails",
      intArg(0),
      DEFAULT_MAX_STALLED_COUNT,
    )
    .option("--no-segments", "take frames only, no segments (segment mode's unit of work)")
    .option(
      "--segment-concurrency <n>",
      "segments processed at once (each decodes, filters on the --concurrency threads, encodes)",
      intArg(1),
      DEFAULT_SEGMENT_CONCURRENCY,
    )
    .addOption(
      new Option("--codec <backend>", "codec backend of segments: native ffmpeg or ffmpeg.wasm")
        .choices(["auto", "wasm", "native"])
        .default("auto", "native when ffmpeg and ffprobe are on PATH"),
    )
    .option(
      "--stop-timeout <ms>",
      "after SIGINT/SIGTERM, longest wait for active frames before exiting anyway (their jobs " +
        "return to the queue); the process exits at most 1.5 s later",
      intArg(0),
      DEFAULT_CLOSE_TIMEOUT_MS,
    )
    .action(async (opts: WorkerCommandOptions, cmd: Command) => {
      if (!opts.redis) cmd.error("error: --redis URL (or REDIS_URL) is required", { exitCode: 2 });
      try {
        const redis = await resolveRedisUrl({
          url: opts.redis!,
          passwordFile: opts.redisPasswordFile,
        });
        await runWorker({ ...opts, redis });
      } catch (err) {
        if (!(err instanceof Error) || !STARTUP_ERRORS.includes(err.name)) throw err;
        cmd.error(`error: ${err.message}`, { exitCode: 1 });
      }
      // Connections dropped while Redis was unreachable may leave reconnect timers behind.
      Deno.exit(0);
    });
}

/** Errors reported as one line (exit code 1) rather than a stack trace. */
const STARTUP_ERRORS = [
  "RedisUnavailableError",
  "QueueOptionError",
  "FaultSpecError",
  "UsageError",
];

/**
 * Starts the worker, prints the ready line, and resolves after a stop on a signal: the first
 * SIGINT/SIGTERM (and its duplicates within 300 ms) stops it gracefully, bounded by
 * `stopTimeout`; a later one exits at once with code 130.
 */
export async function runWorker(opts: WorkerCommandOptions & { redis: string }): Promise<void> {
  const pool = await FilterPool.create({ size: opts.concurrency });
  let worker: FrameWorker;
  let segments: SegmentWorker | undefined;
  const takeSegments = opts.segments !== false;
  try {
    worker = await FrameWorker.start({
      redisUrl: opts.redis,
      concurrency: opts.concurrency,
      queueName: opts.queue,
      lockDurationMs: opts.lockDuration,
      stalledIntervalMs: opts.stalledInterval,
      maxStalledCount: opts.maxStalled,
      pool,
    });
  } catch (err) {
    await pool.close();
    throw err;
  }
  try {
    if (takeSegments) {
      // Attempt folders of workers killed mid-segment on this machine.
      const stale = await removeStaleSegmentDirs();
      if (stale > 0) console.error(`vframe worker: removed ${stale} folder(s) of killed workers`);
      segments = await SegmentWorker.start({
        redisUrl: opts.redis,
        queueName: opts.queue,
        pool,
        concurrency: opts.segmentConcurrency ?? DEFAULT_SEGMENT_CONCURRENCY,
        codec: opts.codec,
        lockDurationMs: opts.lockDuration,
        stalledIntervalMs: opts.stalledInterval,
        maxStalledCount: opts.maxStalled,
      });
    }
  } catch (err) {
    await worker.close({ timeoutMs: 0 });
    await pool.close();
    throw err;
  }
  const log = (unit: string) => (jobId: string, reason: string, attempt: number) => {
    console.error(`vframe worker: ${unit}job ${jobId} attempt ${attempt} failed: ${reason}`);
  };
  worker.onFailed(log(""));
  segments?.onFailed(log("segment "));
  const stopped = Promise.withResolvers<Deno.Signal>();
  const listener = listenForStop({
    dedupeMs: SIGNAL_DEDUPE_MS,
    onStop: (signal) => stopped.resolve(signal),
    onForce: (signal) => {
      console.error(
        `vframe worker: second ${signal}, exiting now (${worker.active} active frames and ` +
          `${segments?.active ?? 0} segments go back to the queue)`,
      );
      Deno.exit(130);
    },
  });
  console.log(
    `vframe worker ready: id=${worker.id} concurrency=${worker.concurrency} ` +
      `queue=${worker.queueName} units=frame${segments ? ",segment" : ""}` +
      `${segments ? ` segment-concurrency=${segments.concurrency}` : ""} ` +
      `redis=${redactUrl(opts.redis)}`,
  );
  const signal = await stopped.promise;
  console.log(
    `vframe worker stopping: ${signal}, finishing ${worker.active} active frames` +
      `${segments ? ` and ${segments.active} segments` : ""} (at most ${opts.stopTimeout} ms)`,
  );
  const [report, segmentReport] = await Promise.all([
    worker.close({ timeoutMs: opts.stopTimeout }),
    segments?.close({ timeoutMs: opts.stopTimeout }),
  ]);
  await pool.close();
  listener.dispose();
  for (const [n, unit] of [[report.abandoned, "frames"], [segmentReport?.abandoned, "segments"]]) {
    if (!n) continue;
    console.error(
      `vframe worker: ${n} ${unit} still active after ${opts.stopTimeout} ms, left to other workers`,
    );
  }
  if (!report.clean || segmentReport?.clean === false) {
    console.error("vframe worker: Redis did not answer, connections dropped");
  }
  if (segments) console.log(`vframe worker: ${segments.processed} segments processed`);
  console.log(`vframe worker stopped: id=${worker.id} processed=${worker.processed}`);
}
