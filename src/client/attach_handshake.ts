/**
 * The client's side of `attach` (protocol version 3): ask to follow a job by its id, prove the
 * token when the server challenges (the proof covers the job id), and read `attached` — how much
 * of the upload the server has — or the refusal. Also the parts the `hello` handshake shares with
 * it: answering a challenge, and the error for a refusing `ack`.
 *
 * ```ts
 * const attached = await attachHandshake(c, jobId, { where: "localhost:9090", timeoutMs: 30_000 });
 * // attached.uploadDone false: send upload-chunks from attached.received, then upload-end
 * ```
 */
import { attachProof } from "../protocol/auth.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { ReadTimeoutError } from "../protocol/errors.ts";
import {
  type AckMessage,
  type AttachedMessage,
  type ChallengeMessage,
  type Message,
  PROTOCOL_VERSION,
} from "../protocol/messages.ts";
import type { EnvLookup } from "../util/config_dir.ts";
import { errorFromServer, JobRefusedError, ServerProtocolError } from "./errors.ts";
import { findClientToken, TOKEN_HINT } from "./token.ts";

/** What to do about a server that breaks the protocol. */
export const SAME_RELEASE_HINT = "use a client and a server of the same vframe release";

/** Where the client's token comes from, for {@link answerChallenge}. */
export interface TokenChoice {
  /** `--token`; default `VFRAME_TOKEN`, else the token file (see `findClientToken`). */
  token?: string;
  /** Where to read `VFRAME_TOKEN`, `XDG_CONFIG_HOME` and `HOME` (default: the environment). */
  env?: EnvLookup;
}

/**
 * Answers `challenge` with `auth {proof: prove(token, nonce)}`; returns where the token came from
 * (for the message of a later `unauthorized`).
 * @throws JobRefusedError `unauthorized` when this client has no token (after telling the server
 * with `cancel`); ServerProtocolError for a challenge of another version; TokenError for a token
 * breaking the rules.
 */
export async function answerChallenge(
  c: MessageConnection,
  challenge: ChallengeMessage,
  prove: (token: string, nonce: string) => string,
  choice: TokenChoice,
): Promise<string> {
  if (challenge.version !== PROTOCOL_VERSION) {
    throw new ServerProtocolError(
      `the server sent a challenge of protocol version ${challenge.version}; this client speaks ${PROTOCOL_VERSION}: ${SAME_RELEASE_HINT}`,
    );
  }
  const found = await findClientToken({ token: choice.token, env: choice.env });
  if (found.token === undefined) {
    await c.trySend({ type: "cancel", reason: "the client has no token" });
    throw new JobRefusedError(
      "unauthorized",
      `the server requires a token and this client has none (looked in ${found.looked}): ${TOKEN_HINT}`,
    );
  }
  await c.send({ type: "auth", proof: prove(found.token, challenge.nonce) });
  return found.source;
}

/** The error for a refusing ack; a version mismatch says which versions meet. */
export function refusalError(ack: AckMessage & { ok: false }): JobRefusedError {
  const reason = ack.code === "version-mismatch" && ack.version !== PROTOCOL_VERSION
    ? `${ack.reason} (the server speaks protocol version ${ack.version}, this client ${PROTOCOL_VERSION}: ${SAME_RELEASE_HINT})`
    : ack.reason;
  return new JobRefusedError(ack.code, reason, ack.retryAfterMs);
}

/** Options of {@link attachHandshake}. */
export interface AttachHandshakeOptions extends TokenChoice {
  /** The server, as the user named it (`host:port`, `unix:path`), for messages. */
  where: string;
  /** Longest wait for each answer of the server, ms. */
  timeoutMs: number;
}

/**
 * Sends `attach {jobId}` on a fresh connection and completes the handshake.
 * @returns the server's `attached`.
 * @throws JobRefusedError (`unknown-job`, `unauthorized`, `version-mismatch`); the error of an
 * `error` message (`errorFromServer`); ServerProtocolError for a server that does not know
 * `attach` (an older release), stays silent, closes, or answers out of order; what
 * {@link answerChallenge} throws; ConnectionClosedError when the connection is gone.
 */
export async function attachHandshake(
  c: MessageConnection,
  jobId: string,
  options: AttachHandshakeOptions,
): Promise<AttachedMessage> {
  await c.send({ type: "attach", version: PROTOCOL_VERSION, jobId });
  let msg = await answer(c, options, "attach");
  let source: string | undefined;
  if (msg.type === "challenge") {
    source = await answerChallenge(
      c,
      msg,
      (token, nonce) => attachProof(token, nonce, jobId),
      options,
    );
    msg = await answer(c, options, "auth");
  }
  if (msg.type === "ack" && !msg.ok) {
    if (msg.code === "unauthorized" && source !== undefined) {
      throw new JobRefusedError(
        "unauthorized",
        `${msg.reason} (this client used the token from ${source})`,
      );
    }
    throw refusalError(msg);
  }
  if (msg.type === "error") {
    // A server older than `attach` (protocol 2) does not know its type code.
    if (msg.code === "unknown-type") {
      throw new ServerProtocolError(
        `${options.where} does not know how to attach to a job (${msg.message}): it runs an older vframe release than this client; ${SAME_RELEASE_HINT}`,
      );
    }
    throw errorFromServer(msg.code, msg.message);
  }
  if (msg.type !== "attached" || msg.jobId !== jobId) {
    throw new ServerProtocolError(
      `expected 'attached' for job ${jobId}, got '${msg.type}'${
        msg.type === "attached" ? ` for job ${msg.jobId}` : ""
      }: ${SAME_RELEASE_HINT}`,
    );
  }
  return msg;
}

/** The next message of the handshake; silence and a closed connection say what happened. */
async function answer(
  c: MessageConnection,
  options: AttachHandshakeOptions,
  after: "attach" | "auth",
): Promise<Message> {
  let msg: Message | null;
  try {
    msg = await c.next(options.timeoutMs);
  } catch (error) {
    if (error instanceof ReadTimeoutError) {
      throw new ServerProtocolError(
        `no answer to ${after} within ${options.timeoutMs} ms: is ${options.where} a vframe server?`,
        { cause: error },
      );
    }
    throw error;
  }
  if (msg === null) {
    throw new ServerProtocolError(
      `the server closed the connection after ${after}: the server's log says why`,
    );
  }
  return msg;
}
