/**
 * `attachJob`: follow a job that another client run started — typically one whose connection
 * dropped and whose client gave up or was killed — by its id: receive its progress until it ends,
 * then its result and its output, written like {@link runJob}'s. A job whose upload the server
 * does not have in full needs the input again (`input`): the upload resumes where the server's
 * copy ends.
 *
 * ```ts
 * const result = await attachJob({ jobId, server: "localhost:9090", output: "out.mp4" });
 * ```
 */
import { basename } from "node:path";
import type { AttachedMessage } from "../protocol/messages.ts";
import { OutputDownload } from "./attach_download.ts";
import { attachHandshake } from "./attach_handshake.ts";
import {
  cancelOnAbort,
  clientError,
  defaultOutputPath,
  describeTarget,
  followJob,
  type LinkHolder,
  openLink,
  type RunJobOptions,
} from "./client.ts";
import { ClientOptionError, JobCancelledError } from "./errors.ts";
import type { JobResult } from "../protocol/result.ts";

/** Options of {@link attachJob}: {@link RunJobOptions}'s connection and reporting options, and: */
export interface AttachJobOptions
  extends Omit<RunJobOptions, "input" | "filter" | "options" | "output" | "onAccepted"> {
  /** The job's id, as the client that started it printed it (`ack.jobId`). */
  jobId: string;
  /**
   * The job's input, needed only when the server has not all of its upload; it must be the same
   * file (same size; the server checks the SHA-256).
   */
  input?: string;
  /**
   * Where the output goes (written atomically). Default: the job's file name with `.vframe.mp4`
   * (`clip.mp4` → `clip.vframe.mp4`) in the current folder, as the run that started it would have
   * written it there.
   */
  output?: string;
  /**
   * Called with the output path once it is known (the default one needs the server's answer),
   * before anything is written: e.g. to refuse an existing file. A rejection ends the attach.
   */
  prepareOutput?: (path: string) => Promise<void>;
  /** Called with the server's `attached`: the job's file, state and upload. */
  onAttached?: (attached: AttachedMessage) => void;
}

/**
 * Attaches to job `jobId` and writes its output.
 * @returns the result JSON, with `timings.download` filled in.
 * @throws JobRefusedError `unknown-job` (no such job, or its output was deleted), `unauthorized`;
 * ClientOptionError when the upload is incomplete and no (or another-sized) `input` is given;
 * and what {@link runJob} throws once a job is accepted. No output file is left behind on a
 * failure.
 */
export async function attachJob(options: AttachJobOptions): Promise<JobResult> {
  if (!options.jobId) throw new TypeError("jobId is required");
  if (options.signal?.aborted) throw new JobCancelledError("cancelled before start");
  const link = await openLink(options);
  const holder: LinkHolder = { link };
  const stopCancelling = cancelOnAbort(holder, options.signal);
  let download: OutputDownload | undefined;
  try {
    let attached: AttachedMessage;
    let input: { path: string; size: number } | undefined;
    try {
      attached = await attachHandshake(link.c, options.jobId, {
        where: describeTarget(options),
        timeoutMs: options.handshakeTimeoutMs ?? 30_000,
        token: options.token,
        env: options.env,
      });
      options.onAttached?.(attached);
      input = await checkInput(attached, options.input);
      const output = options.output ?? defaultOutputPath(basename(attached.fileName));
      await options.prepareOutput?.(output);
      download = new OutputDownload(output);
    } catch (error) {
      throw await clientError(error, link, options);
    }
    return await followJob(holder, {
      jobId: options.jobId,
      input,
      received: attached.received,
      uploadDone: attached.uploadDone,
      download,
    }, options);
  } finally {
    stopCancelling();
    await download?.discard();
    await holder.link?.c.closeGracefully({ lingerMs: 200 });
  }
}

/** The input to resume the upload with, when the server wants more of it. */
async function checkInput(
  attached: AttachedMessage,
  path: string | undefined,
): Promise<{ path: string; size: number } | undefined> {
  if (attached.uploadDone) return undefined;
  const { jobId, received, size } = attached;
  if (path === undefined) {
    throw new ClientOptionError(
      `job ${jobId} has ${received} of its ${size} upload bytes: give its input to resume the ` +
        `upload (deno task client VIDEO --attach ${jobId}); the job waits for the server's ` +
        `--detach-grace, then it is cancelled`,
    );
  }
  const stat = await Deno.stat(path);
  if (stat.size !== size) {
    throw new ClientOptionError(
      `${path} has ${stat.size} bytes, but job ${jobId}'s upload has ${size} (its file was ` +
        `${attached.fileName}): give the same input to resume it`,
    );
  }
  return { path, size };
}
