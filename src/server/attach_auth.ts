/**
 * The access-control step of an `attach`, the same as a `hello`'s (auth.ts) with the proof over
 * the job id: another protocol version is refused before any `challenge`; with a token, the
 * client must answer a fresh nonce with `attachProof(token, nonce, jobId)`. Nothing about the job
 * — whether it exists — reaches a client before its proof checked out.
 */
import { newNonce, verifyAttachProof } from "../protocol/auth.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { type AttachMessage, PROTOCOL_VERSION } from "../protocol/messages.ts";
import { type AuthenticateOptions, type ServerAuth, UNAUTHORIZED_REASON } from "./auth.ts";

/**
 * Returns true when the caller goes on (looks the job up, sends `attached`); false when the
 * conversation is over (refusal or error sent and the connection closed, or the client left).
 * @throws what `c.next()` throws (`ProtocolError`, `ReadTimeoutError`), for the session's own
 * error handling.
 */
export async function authenticateAttach(
  c: MessageConnection,
  attach: AttachMessage,
  auth: ServerAuth,
  options: AuthenticateOptions = {},
): Promise<boolean> {
  const log = options.log ?? (() => {});
  const peer = options.peer ?? "client";
  if (attach.version !== PROTOCOL_VERSION) {
    const reason =
      `this server speaks protocol version ${PROTOCOL_VERSION}, the client sent ${attach.version}`;
    log(`refused attach from ${peer}: version-mismatch: ${reason}`);
    await c.trySend({
      type: "ack",
      ok: false,
      version: PROTOCOL_VERSION,
      code: "version-mismatch",
      reason,
    });
    await c.closeGracefully();
    return false;
  }
  if (auth.mode === "none") return true;
  const nonce = newNonce();
  if (!(await c.trySend({ type: "challenge", version: PROTOCOL_VERSION, auth: "token", nonce }))) {
    return false;
  }
  const answer = await c.next();
  if (answer === null) return false;
  if (answer.type === "cancel" || answer.type === "error") {
    await c.closeGracefully();
    return false;
  }
  if (answer.type !== "auth") {
    await c.fail(
      "unexpected-message",
      `expected 'auth' answering the challenge, got '${answer.type}'`,
    );
    return false;
  }
  if (verifyAttachProof(auth.token, nonce, attach.jobId, answer.proof)) return true;
  log(`refused attach from ${peer}: unauthorized: wrong token proof`);
  await c.trySend({
    type: "ack",
    ok: false,
    version: PROTOCOL_VERSION,
    code: "unauthorized",
    reason: UNAUTHORIZED_REASON,
  });
  await c.closeGracefully();
  return false;
}
