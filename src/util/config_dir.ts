/**
 * Where vframe keeps per-user files: `$XDG_CONFIG_HOME/vframe`, else `$HOME/.config/vframe`
 * (the XDG base directory rules: a relative `XDG_CONFIG_HOME` is ignored).
 *
 * ```ts
 * tokenFilePath(); // "/home/ana/.config/vframe/token"
 * ```
 */
import { isAbsolute, join } from "node:path";

/** Reads an environment variable; `undefined` when unset. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * `Deno.env.get`, or `undefined` when the variable is unset or the process may not read the
 * environment (no `--allow-env`).
 */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** Name of vframe's folder inside the user's config folder. */
export const CONFIG_FOLDER_NAME = "vframe";

/** Name of the shared-secret file inside {@link configDir}. */
export const TOKEN_FILE_NAME = "token";

/**
 * vframe's config folder: `$XDG_CONFIG_HOME/vframe` when that variable holds an absolute path,
 * else `$HOME/.config/vframe`; `undefined` when neither variable is usable.
 * @param env where to read the variables (default: the process environment, {@link readEnv}).
 */
export function configDir(env: EnvLookup = readEnv): string | undefined {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg && isAbsolute(xdg)) return join(xdg, CONFIG_FOLDER_NAME);
  const home = env("HOME");
  if (home && isAbsolute(home)) return join(home, ".config", CONFIG_FOLDER_NAME);
  return undefined;
}

/** The token file, `<configDir>/token`; `undefined` when there is no config folder. */
export function tokenFilePath(env: EnvLookup = readEnv): string | undefined {
  const dir = configDir(env);
  return dir === undefined ? undefined : join(dir, TOKEN_FILE_NAME);
}
