/**
 * Which token the client proves it knows when a server asks: `--token` (the `token` option), else
 * the `VFRAME_TOKEN` environment variable, else the token file of the user's config folder
 * (`$XDG_CONFIG_HOME/vframe/token` or `~/.config/vframe/token`), which a server started by the
 * same user on the same machine makes. Looked up only when the server asks for a token.
 */
import { type EnvLookup, readEnv, tokenFilePath } from "../util/config_dir.ts";
import { checkToken, readTokenFile, TOKEN_ENV } from "../util/token_file.ts";

export { TOKEN_ENV } from "../util/token_file.ts";

/** What a user can do about a missing or wrong token. */
export const TOKEN_HINT =
  `pass the server's token with --token or ${TOKEN_ENV}, or run the client as the server's user on its machine (the token file, by default ~/.config/vframe/token)`;

/** Options of {@link findClientToken}. */
export interface FindTokenOptions {
  /** A token given explicitly (the `--token` flag); wins over everything else. */
  token?: string;
  /** Where to read `VFRAME_TOKEN`, `XDG_CONFIG_HOME` and `HOME` (default: the process environment). */
  env?: EnvLookup;
  /** The token file to try last (default: `tokenFilePath(env)`). */
  tokenFile?: string;
}

/** A token and where it came from (`--token`, `VFRAME_TOKEN` or the file's path), or none. */
export type FoundToken =
  | { token: string; source: string }
  | { token: undefined; /** What was tried, for the error message. */ looked: string };

/**
 * The client's token, in this order: `options.token`, `VFRAME_TOKEN` (an empty value counts as
 * unset), the token file. Each is checked with `checkToken`.
 * @throws TokenError for a token that breaks the rules or a token file that cannot be read.
 */
export async function findClientToken(options: FindTokenOptions = {}): Promise<FoundToken> {
  const env = options.env ?? readEnv;
  if (options.token !== undefined) {
    return { token: checkToken(options.token, "--token"), source: "--token" };
  }
  const fromEnv = env(TOKEN_ENV);
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { token: checkToken(fromEnv, TOKEN_ENV), source: TOKEN_ENV };
  }
  const path = options.tokenFile ?? tokenFilePath(env);
  if (path !== undefined) {
    const token = await readTokenFile(path);
    if (token !== undefined) return { token, source: path };
  }
  return {
    token: undefined,
    looked: `--token, ${TOKEN_ENV}${
      path === undefined ? " (no HOME for a token file)" : `, ${path}`
    }`,
  };
}
