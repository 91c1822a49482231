/**
 * `vframe worker` (`deno task worker --redis URL --concurrency N`): a BullMQ frame worker process.
 * Joins the queue on the given Redis (workers on other machines join the same way), prints one
 * `vframe worker ready: …` line when consuming, and stops gracefully on SIGINT/SIGTERM (active
 * frames finish; a second signal exits at once).
 */
import { Command, Option } from "commander";
import { intArg } from "./cli_args.ts";
import {
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_STALLED_INTERVAL_MS,
  FrameWorker,
} from "../queue/frame_worker.ts";
import { redactUrl } from "../queue/redis.ts";
import { DEFAULT_QUEUE_NAME } from "../queue/settings.ts";
import { defaultThreads } from "../queue/task.ts";

/** Parsed options of `vframe worker`. */
export interface WorkerCommandOptions {
  redis?: string;
  concurrency: number;
  queue: string;
  lockDuration: number;
  stalledInterval: number;
  maxStalled: number;
}

/** Builds the `worker` subcommand. */
export function workerCommand(): Command {
  return new Command("worker")
    .description(
      "Filter frames from the BullMQ queue on Redis (start one per machine; all join the same queue)",
    )
    .addOption(
      new Option("--redis <url>", "Redis URL, e.g. redis://host:6379 (required)").env(
        "REDIS_URL",
      ),
    )
    .option(
      "--concurrency <n>",
      "frames filtered at once (filter threads); default 2/3 of the logical cores",
      intArg(1),
      defaultThreads(),
    )
    .option("--queue <name>", "BullMQ queue name", DEFAULT_QUEUE_NAME)
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
    .action(async (opts: WorkerCommandOptions, cmd: Command) => {
      if (!opts.redis) cmd.error("error: --redis URL (or REDIS_URL) is required", { exitCode: 2 });
      try {
        await runWorker({ ...opts, redis: opts.redis! });
      } catch (err) {
        if (!(err instanceof Error) || !STARTUP_ERRORS.includes(err.name)) throw err;
        cmd.error(`error: ${err.message}`, { exitCode: 1 });
      }
    });
}

/** Errors reported as one line (exit code 1) rather than a stack trace. */
const STARTUP_ERRORS = ["RedisUnavailableError", "QueueOptionError", "FaultSpecError"];

/** Starts the worker, prints the ready line, and resolves after a graceful stop on a signal. */
export async function runWorker(opts: WorkerCommandOptions & { redis: string }): Promise<void> {
  const worker = await FrameWorker.start({
    redisUrl: opts.redis,
    concurrency: opts.concurrency,
    queueName: opts.queue,
    lockDurationMs: opts.lockDuration,
    stalledIntervalMs: opts.stalledInterval,
    maxStalledCount: opts.maxStalled,
  });
  worker.onFailed((jobId, reason, attemptsMade) => {
    console.error(`vframe worker: job ${jobId} attempt ${attemptsMade} failed: ${reason}`);
  });
  const stopped = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  let stopping = false;
  const onSignal = (signal: Deno.Signal) => () => {
    if (stopping) {
      console.error(`vframe worker: second ${signal}, exiting now`);
      Deno.exit(130);
    }
    stopping = true;
    stopped.resolve(signal);
  };
  const handlers = signals.map((s) => [s, onSignal(s)] as const);
  for (const [s, h] of handlers) {
    try {
      Deno.addSignalListener(s, h);
    } catch {
      // signal not supported on this platform (SIGTERM on Windows)
    }
  }
  console.log(
    `vframe worker ready: id=${worker.id} concurrency=${worker.concurrency} ` +
      `queue=${worker.queueName} redis=${redactUrl(opts.redis)}`,
  );
  const signal = await stopped.promise;
  console.log(`vframe worker stopping: ${signal}, finishing active frames`);
  await worker.close();
  for (const [s, h] of handlers) {
    try {
      Deno.removeSignalListener(s, h);
    } catch {
      // not registered
    }
  }
  console.log(`vframe worker stopped: id=${worker.id} processed=${worker.processed}`);
}
