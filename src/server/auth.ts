/**
 * Access control of the server: which token clients must prove they know ({@link resolveServerAuth},
 * what the `server` command prints about it, {@link describeServerAuth}), and the handshake step
 * that checks the proof ({@link authenticate}, called by the session right after `hello`).
 *
 * ```ts
 * const auth = await resolveServerAuth({ token: flags.token, noAuth: !flags.auth });
 * for (const line of describeServerAuth(auth)) console.error(line);
 * // in a session, after reading hello:
 * if (!(await authenticate(c, hello, auth, { peer, log }))) return;
 * ```
 *
 * The token is never printed, logged or sent: clients answer a per-connection random challenge
 * with an HMAC of it (`protocol/auth.ts`).
 */
import { newNonce, verifyAttachProof, verifyAuthProof } from "../protocol/auth.ts";
import type { MessageConnection } from "../protocol/connection.ts";
import { type AttachMessage, type HelloMessage, PROTOCOL_VERSION } from "../protocol/messages.ts";
import { type EnvLookup, readEnv, tokenFilePath } from "../util/config_dir.ts";
import { checkToken, loadOrCreateTokenFile, TOKEN_ENV, TokenError } from "../util/token_file.ts";

/** Where a server's token came from. */
export type TokenSource = "--token" | "VFRAME_TOKEN" | "file";

/**
 * The server's access control: `none` serves anyone who connects; `token` requires every client
 * to prove it knows `token`. `source`, `path`, `created` and `warning` are for people only.
 */
export type ServerAuth =
  | { mode: "none" }
  | {
    mode: "token";
    /** The shared secret. Never print or log it. */
    token: string;
    source?: TokenSource;
    /** The token file, with source `file`. */
    path?: string;
    /** Whether the token file was made by this server start. */
    created?: boolean;
    /** A problem with the token file worth telling the user about. */
    warning?: string;
  };

/** Options of {@link resolveServerAuth}. */
export interface ResolveServerAuthOptions {
  /** A token given explicitly (`--token`); wins over `VFRAME_TOKEN` and the file. */
  token?: string;
  /** Serve without access control (`--no-auth`). Cannot go with `token`. Default false. */
  noAuth?: boolean;
  /** Where to read `VFRAME_TOKEN`, `XDG_CONFIG_HOME`, `HOME` (default: the process environment). */
  env?: EnvLookup;
  /** The token file (default: `$XDG_CONFIG_HOME/vframe/token` or `~/.config/vframe/token`). */
  tokenFile?: string;
}

/**
 * The server's access control, in this order: `noAuth` → none; `token` (`--token`); the
 * `VFRAME_TOKEN` variable (empty counts as unset); else the token file, made with a new random
 * token (mode 0600, folder 0700) when it does not exist, reused when it does.
 * @throws TokenError for `noAuth` with `token`, a token breaking the rules (`checkToken`), a token
 * file that cannot be read or made, or no config folder to keep one in.
 */
export async function resolveServerAuth(
  options: ResolveServerAuthOptions = {},
): Promise<ServerAuth> {
  const env = options.env ?? readEnv;
  if (options.noAuth) {
    if (options.token !== undefined) {
      throw new TokenError("--no-auth and --token contradict each other: give one of them");
    }
    return { mode: "none" };
  }
  if (options.token !== undefined) {
    return { mode: "token", token: checkToken(options.token, "--token"), source: "--token" };
  }
  const fromEnv = env(TOKEN_ENV);
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { mode: "token", token: checkToken(fromEnv, TOKEN_ENV), source: TOKEN_ENV };
  }
  const path = options.tokenFile ?? tokenFilePath(env);
  if (path === undefined) {
    throw new TokenError(
      `no folder to keep the token in (neither XDG_CONFIG_HOME nor HOME is set): pass --token or ${TOKEN_ENV}, or --no-auth`,
    );
  }
  const file = await loadOrCreateTokenFile(path);
  return {
    mode: "token",
    token: file.token,
    source: "file",
    path: file.path,
    created: file.created,
    ...(file.warning ? { warning: file.warning } : {}),
  };
}

/**
 * Lines telling the person who starts the server how clients get in — where the token is, or a
 * warning that anyone can run jobs. Never the token itself.
 */
export function describeServerAuth(auth: ServerAuth): string[] {
  if (auth.mode === "none") {
    return [
      "WARNING: access control is off (--no-auth): anyone who can reach this server can run jobs on it",
    ];
  }
  const clients =
    `clients need the same token: --token or ${TOKEN_ENV}, or nothing when run by this user on this machine`;
  switch (auth.source) {
    case "--token":
      return [`auth: clients must prove they know the token given with --token`];
    case TOKEN_ENV:
      return [`auth: clients must prove they know the token in ${TOKEN_ENV}`];
    case "file": {
      const lines = [
        auth.created
          ? `auth: made a new token in ${auth.path} (mode 0600); ${clients}`
          : `auth: token read from ${auth.path}; ${clients}`,
      ];
      if (auth.warning) lines.push(`WARNING: ${auth.warning}`);
      return lines;
    }
    default:
      return ["auth: clients must prove they know the server's token"];
  }
}

/** The refusal reason a client with a wrong token gets. Names no path and no token. */
export const UNAUTHORIZED_REASON =
  `bad or missing token: pass the server's token with --token or ${TOKEN_ENV}, or run the client as the server's user on its machine (it reads the token file there, by default ~/.config/vframe/token)`;

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** The client's address, for the log. */
  peer?: string;
  /** Where to log refusals (never the token or the proof). Default: nowhere. */
  log?: (line: string) => void;
}

/**
 * The access-control step of a session, right after `hello`:
 *
 * - a `hello` of another protocol version is refused (`ack` `version-mismatch`) *before* any
 *   `challenge`, so that older and newer clients read a refusal they understand;
 * - with auth `none`, nothing happens (the caller sends `ack` next);
 * - with a token, sends `challenge` with a fresh nonce and reads the client's `auth`: a good proof
 *   returns true; a wrong one is refused with `ack` `unauthorized`; a client that cancels,
 *   errs, or leaves is let go; any other message is `error` `unexpected-message`.
 *
 * Returns true when the caller goes on with admission and `ack`; false when the conversation is
 * over (the refusal or error is sent and the connection closed gracefully, or the client left).
 * @throws what `c.next()` throws (`ProtocolError`, `ReadTimeoutError`), for the session's own
 * error handling.
 */
export function authenticate(
  c: MessageConnection,
  hello: HelloMessage,
  auth: ServerAuth,
  options: AuthenticateOptions = {},
): Promise<boolean> {
  return challenge(
    c,
    {
      version: hello.version,
      what: "",
      verify: (token, nonce, proof) => verifyAuthProof(token, nonce, hello, proof),
    },
    auth,
    options,
  );
}

/**
 * The same step for a connection that starts with `attach`, the proof being over the job id
 * (`attachProof`): nothing about the job — whether it exists — reaches a client before its proof
 * checked out. Returns and throws as {@link authenticate}.
 */
export function authenticateAttach(
  c: MessageConnection,
  attach: AttachMessage,
  auth: ServerAuth,
  options: AuthenticateOptions = {},
): Promise<boolean> {
  return challenge(
    c,
    {
      version: attach.version,
      what: "attach ",
      verify: (token, nonce, proof) => verifyAttachProof(token, nonce, attach.jobId, proof),
    },
    auth,
    options,
  );
}

/** What {@link challenge} checks: the client's version and, with a token, its proof. */
interface ChallengeSpec {
  version: number;
  /** Put before the peer in log lines ("attach "), or "". */
  what: string;
  verify(token: string, nonce: string, proof: string): boolean;
}

/** The version check and the token challenge shared by `hello` and `attach`. */
async function challenge(
  c: MessageConnection,
  spec: ChallengeSpec,
  auth: ServerAuth,
  options: AuthenticateOptions,
): Promise<boolean> {
  const log = options.log ?? (() => {});
  const peer = options.peer ?? "client";
  if (spec.version !== PROTOCOL_VERSION) {
    const reason =
      `this server speaks protocol version ${PROTOCOL_VERSION}, the client sent ${spec.version}`;
    log(`refused ${spec.what}${peer}: version-mismatch: ${reason}`);
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
    log(`${spec.what}${peer} left before the token challenge`);
    return false;
  }
  const answer = await c.next();
  if (answer === null) {
    log(`${spec.what}${peer} left during the token challenge`);
    return false;
  }
  if (answer.type === "cancel" || answer.type === "error") {
    const why = answer.type === "cancel"
      ? answer.reason ?? "cancelled"
      : `${answer.code}: ${answer.message}`;
    log(`${spec.what}${peer} gave up at the token challenge (${why})`);
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
  if (spec.verify(auth.token, nonce, answer.proof)) return true;
  log(`refused ${spec.what}${peer}: unauthorized: wrong token proof`);
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
