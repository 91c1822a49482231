/**
 * What a job is doing, in words people read: one pure function, {@link stageLabel}, used by the
 * client's progress view (from each `progress` message) and by the server for the preview's job
 * list (`JobSummary.stageLabel`, from the same counters), so both always say the same thing.
 *
 * Why not the `stage` field itself: the job is a pipeline — upload, decode, filter and encode
 * run at the same time — and `stage` names the earliest step not finished yet. The decoder only
 * finishes when it has handed over the last frame, which, with a few frames in flight, is near
 * the end: `stage` says `decode` while 97 % of the frames are filtered and encoded. The label
 * instead names the step that frames are waiting for, with its count:
 *
 * | label                       | when                                                             |
 * | --------------------------- | ---------------------------------------------------------------- |
 * | `queued`                    | the job has not started                                          |
 * | `uploading 3.2/10.0 MiB`    | the upload arrives and no frame is decoded yet (total if known)  |
 * | `decoding`                  | the upload is complete and the first frame is not decoded yet    |
 * | `filtering 582/600`         | frames are still to be filtered (`?` while the count is unknown) |
 * | `encoding 590/600`          | every frame is filtered; the encoder has not written them all    |
 * | `finishing output`          | every frame is encoded; the MP4 is being completed (audio, index) |
 * | `done`, `failed`, `cancelled` | the job ended                                                  |
 *
 * "Filtered" counts frames that came back from the queue (filtered, or the original used as a
 * fallback): the `framesProcessed` counter. The total is the decoded count once decoding ended,
 * else the probe's estimate (never less than the frames decoded so far).
 */
import type { ProgressMessage } from "./messages.ts";
import type { JobResult } from "./result.ts";

/** The counters a label is made of: those of a `progress` message. */
export type StageCounters = Pick<
  ProgressMessage,
  | "stage"
  | "bytesReceived"
  | "framesTotal"
  | "framesDecoded"
  | "framesProcessed"
  | "framesEncoded"
>;

/** Options of {@link stageLabel}. */
export interface StageLabelOptions {
  /** Size of the whole upload in bytes, when known (the client's file size). */
  bytesTotal?: number;
  /** The job's state, when known: `queued` and the final states have labels of their own. */
  state?: JobResult["state"];
}

/** The label of a job with these counters; see the module documentation. Pure. */
export function stageLabel(p: StageCounters, options: StageLabelOptions = {}): string {
  const state = options.state;
  if (state === "queued" || state === "done" || state === "failed" || state === "cancelled") {
    return state;
  }
  if (p.framesDecoded === 0) {
    if (p.stage !== "upload") return "decoding";
    const total = options.bytesTotal;
    return total !== undefined && total > 0
      ? `uploading ${mib(p.bytesReceived)}/${mib(total)} MiB`
      : `uploading ${mib(p.bytesReceived)} MiB`;
  }
  // Once the decoder is done (stage past `decode`), what it decoded is the exact total.
  const decodeOver = p.stage === "process" || p.stage === "encode";
  const total = decodeOver
    ? p.framesDecoded
    : p.framesTotal === null
    ? null
    : Math.max(p.framesTotal, p.framesDecoded);
  const of = total === null ? "?" : String(total);
  if (total === null || p.framesProcessed < total) return `filtering ${p.framesProcessed}/${of}`;
  if (p.framesEncoded < total) return `encoding ${p.framesEncoded}/${of}`;
  return "finishing output";
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
