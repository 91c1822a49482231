/**
 * The shared secret that lets a client run jobs on a server: its rules, how a new one is made,
 * and the per-user file that holds it (`~/.config/vframe/token`, see `config_dir.ts`). A server
 * started without a token makes this file (mode 0600 in a 0700 folder) or reuses it; a client on
 * the same machine, run by the same user, reads it, so it needs no flag.
 *
 * Nothing here prints or logs a token; error messages name where a token came from, never its
 * value.
 */
import { Buffer } from "node:buffer";
import { dirname } from "node:path";
import { VframeError } from "./errors.ts";

/** Environment variable holding the token, read by both the server and the client. */
export const TOKEN_ENV = "VFRAME_TOKEN";

/** Fewest characters of a token: shorter ones could be guessed offline from a recorded proof. */
export const MIN_TOKEN_LENGTH = 16;

/** Most characters of a token. */
export const MAX_TOKEN_LENGTH = 1024;

/** Random bytes in a token made by {@link generateToken}. */
export const TOKEN_BYTES = 32;

/** A token that breaks the rules, or a token file that cannot be read or made. */
export class TokenError extends VframeError {
  readonly code: string = "bad-option";
  override name = "TokenError";
}

/** A new token: {@link TOKEN_BYTES} random bytes, base64url without padding (43 characters). */
export function generateToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))).toString("base64url");
}

/**
 * `token` without surrounding whitespace, checked: {@link MIN_TOKEN_LENGTH}..{@link MAX_TOKEN_LENGTH}
 * characters, no whitespace or control characters inside.
 * @param source where the token came from, for the error (e.g. `--token`, `VFRAME_TOKEN`, a path).
 * @throws TokenError naming `source` and what is wrong (never the token).
 */
export function checkToken(token: string, source: string): string {
  const value = token.trim();
  if (value.length === 0) throw new TokenError(`the token from ${source} is empty`);
  if (value.length < MIN_TOKEN_LENGTH) {
    throw new TokenError(
      `the token from ${source} has ${value.length} characters; a token needs at least ${MIN_TOKEN_LENGTH} (start the server without a token to have one made)`,
    );
  }
  if (value.length > MAX_TOKEN_LENGTH) {
    throw new TokenError(
      `the token from ${source} has ${value.length} characters; at most ${MAX_TOKEN_LENGTH} are allowed`,
    );
  }
  // deno-lint-ignore no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new TokenError(
      `the token from ${source} contains whitespace or control characters`,
    );
  }
  return value;
}

/**
 * The token in the file at `path`, checked with {@link checkToken}; `undefined` when there is no
 * such file.
 * @throws TokenError when the file cannot be read or holds no valid token.
 */
export async function readTokenFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new TokenError(`cannot read the token file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return checkToken(text, `the token file ${path}`);
}

/** What {@link loadOrCreateTokenFile} found or made. */
export interface TokenFile {
  /** The token. Never print it. */
  token: string;
  /** The file it is kept in. */
  path: string;
  /** Whether this call made the file. */
  created: boolean;
  /** A problem worth telling the user about (a file other users can read), if any. */
  warning?: string;
}

/**
 * Reads the token file at `path`, or makes it with a new token ({@link generateToken}) when it
 * does not exist: its folder is created with mode 0700, the file with mode 0600, atomically (a
 * concurrent caller reads the one file that won). An existing file is reused as it is; a warning
 * is returned when other users can read it.
 * @throws TokenError when the file cannot be read or made, or holds no valid token.
 */
export async function loadOrCreateTokenFile(path: string): Promise<TokenFile> {
  const existing = await readTokenFile(path);
  if (existing !== undefined) {
    return { token: existing, path, created: false, ...await modeWarning(path) };
  }
  const token = generateToken();
  try {
    await makeFolder(dirname(path));
    const created = await createExclusive(path, `${token}\n`);
    if (created) return { token, path, created: true };
  } catch (error) {
    throw new TokenError(`cannot create the token file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Another process made the file first: use its token.
  const winner = await readTokenFile(path);
  if (winner === undefined) {
    throw new TokenError(`the token file ${path} vanished while being made`);
  }
  return { token: winner, path, created: false, ...await modeWarning(path) };
}

/** Creates `dir` (and missing parents) with mode 0700 when it does not exist. */
async function makeFolder(dir: string): Promise<void> {
  try {
    await Deno.stat(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    if (Deno.build.os !== "windows") await Deno.chmod(dir, 0o700);
  }
}

/**
 * Writes `text` to `path` with mode 0600 unless `path` exists: through a temporary file hard-linked
 * into place, so a reader never sees a half-written file. Returns false when `path` existed.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeTextFile(temp, text, { createNew: true, mode: 0o600 });
  try {
    if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o600);
    await Deno.link(temp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

async function modeWarning(path: string): Promise<{ warning?: string }> {
  const { mode } = await Deno.stat(path);
  if (mode === null || (mode & 0o077) === 0) return {};
  const octal = (mode & 0o777).toString(8).padStart(3, "0");
  return {
    warning:
      `the token file ${path} can be read by other users (mode ${octal}): run chmod 600 ${path}`,
  };
}
