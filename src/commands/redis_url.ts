/**
 * The Redis URL the `server` and `worker` commands use, with its password from somewhere other
 * than the command line (which every user of the machine can read in the process list):
 * `--redis-password-file FILE` (first line of the file), else `REDIS_PASSWORD`, else the URL's own.
 * `rediss://` URLs connect over TLS. Never print the result: use `redactUrl` for messages.
 */
import { UsageError } from "./filter_checks.ts";

/** Options of {@link resolveRedisUrl}. */
export interface RedisUrlOptions {
  /** `--redis` / `REDIS_URL`, e.g. `redis://10.0.0.5:6379` or `rediss://user@host:6380/0`. */
  url: string;
  /** `--redis-password-file`: a file whose first line is the password. */
  passwordFile?: string;
  /** How to read `REDIS_PASSWORD` (default: the process environment). */
  env?: (name: string) => string | undefined;
}

/**
 * `url` with the password from the file or the environment put in (URL-encoded); unchanged when
 * neither is given.
 * @throws UsageError when the file cannot be read or is empty, or the URL does not parse.
 */
export async function resolveRedisUrl(options: RedisUrlOptions): Promise<string> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  let password: string | undefined;
  if (options.passwordFile !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(options.passwordFile);
    } catch (error) {
      throw new UsageError(
        `cannot read --redis-password-file ${options.passwordFile}: ${(error as Error).message}`,
      );
    }
    password = text.split(/\r?\n/)[0];
    if (password === "") {
      throw new UsageError(
        `--redis-password-file ${options.passwordFile} is empty: its first line is the password`,
      );
    }
  } else {
    password = env("REDIS_PASSWORD") || undefined;
  }
  if (password === undefined) return options.url;
  let u: URL;
  try {
    u = new URL(options.url);
  } catch {
    throw new UsageError("--redis must be a URL like redis://host:6379");
  }
  u.password = encodeURIComponent(password);
  return u.toString();
}
