/**
 * A connection that starts with `attach`: after the token proof (auth.ts), it follows a
 * running job from now on (its {@link HostedJob}: the rest of the upload, progress, the result
 * and the output), or receives a finished job's result and its kept output. An unknown job, or a
 * done job whose output was deleted, is refused with `ack` `unknown-job`.
 */
import type { MessageConnection } from "../protocol/connection.ts";
import { type AttachMessage, PROTOCOL_VERSION } from "../protocol/messages.ts";
import { withinMs } from "../util/sleep.ts";
import { authenticateAttach } from "./auth.ts";
import type { HostedJob, UploadMeter } from "./attach_host.ts";
import { type KeptOutputs, sendOutput } from "./attach_outputs.ts";
import type { ServerAuth } from "./auth.ts";
import type { JobRegistry } from "./registry.ts";

/** What an attaching connection needs from the server. */
export interface AttachContext {
  auth: ServerAuth;
  /** Running jobs by id. */
  hosts: ReadonlyMap<string, HostedJob>;
  /** Finished jobs' results. */
  registry: JobRegistry;
  /** Finished jobs' outputs. */
  outputs: KeptOutputs;
  log(line: string): void;
}

/** How long the server waits for a client to close after the output, ms. */
const LINGER_MS = 5_000;

/** Serves a connection whose first message was `attach`. Rejects only with what `c.next()` throws. */
export async function serveAttach(
  c: MessageConnection,
  attach: AttachMessage,
  meter: UploadMeter,
  peer: string,
  ctx: AttachContext,
): Promise<void> {
  const log = (line: string) => ctx.log(line);
  if (!(await authenticateAttach(c, attach, ctx.auth, { peer, log }))) return;
  const { jobId } = attach;
  const host = ctx.hosts.get(jobId);
  if (host) {
    log(`job ${jobId}: ${peer} attached`);
    await host.attach(
      c,
      meter,
      (snapshot) => c.trySend({ type: "attached", version: PROTOCOL_VERSION, ...snapshot }),
    );
    return;
  }
  const record = ctx.registry.get(jobId);
  const result = record?.result;
  if (!result || result.state === "queued" || result.state === "running") {
    return await refuse(
      c,
      `no job ${jobId} on this server: a job is known while it runs, and after it ended while ` +
        `it is among the server's last finished jobs; none survives a server restart`,
      log,
    );
  }
  const lease = result.state === "done" ? ctx.outputs.lease(jobId) : undefined;
  if (result.state === "done" && !lease) {
    return await refuse(
      c,
      `job ${jobId} is done, but its output is no longer on the server: outputs are deleted ` +
        `${
          ctx.outputs.keepMs / 1000
        } s after their job ended (server --keep-output); run the job again`,
      log,
    );
  }
  try {
    log(`job ${jobId}: ${peer} attached after the job ended (${result.state})`);
    const size = Math.max(1, result.input.bytes);
    const sent = await c.trySend({
      type: "attached",
      version: PROTOCOL_VERSION,
      jobId,
      fileName: result.input.fileName || "input",
      size,
      received: size,
      uploadDone: true,
      state: result.state,
    });
    if (!sent || !(await c.trySend({ type: "result", result: structuredClone(result) }))) return;
    if (lease) await sendOutput(c, lease.path);
    // The client closes once it has everything; give it a moment, then close.
    await withinMs(c.next(0).catch(() => null), LINGER_MS);
  } finally {
    lease?.release();
    c.close();
  }
}

async function refuse(
  c: MessageConnection,
  reason: string,
  log: (line: string) => void,
): Promise<void> {
  log(`refused attach: unknown-job: ${reason}`);
  await c.trySend({
    type: "ack",
    ok: false,
    version: PROTOCOL_VERSION,
    code: "unknown-job",
    reason,
  });
  await c.closeGracefully();
}
