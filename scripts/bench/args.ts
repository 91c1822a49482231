/**
 * The command line of every benchmark (`deno task bench <name> [options]`): the list of
 * benchmarks, and one parser for their options. `--help` or `-h` anywhere asks for the
 * benchmark's usage (its `main` prints it and returns before any work); an unknown option, a
 * missing value, a stray argument or a bad value is a {@link BenchUsageError}, which
 * `deno task bench` prints with a pointer to `--help` and exits 2 for.
 */
import { parseArgs } from "node:util";

/** The benchmarks of `deno task bench`, each `scripts/bench/<name>.ts` exporting `main(args)`. */
export const BENCHMARKS: Readonly<Record<string, string>> = {
  filters: "time per frame of every filter: SIMD WebAssembly kernels vs TypeScript references",
  codec: "decode, encode and offline-filter fps per codec backend vs ffmpeg alone",
  offline: "the whole 'deno task filter' process vs ffmpeg alone and the bare codec",
  pipeline: "server + client end to end (embedded pool, BullMQ workers) vs offline and ffmpeg.wasm",
  scale: "1, 2, 4 simulated worker machines (cgroup CPU quotas), segment vs frame unit",
};

/** A bad benchmark command line: what was wrong; the caller exits 2. */
export class BenchUsageError extends Error {
  override name = "BenchUsageError";
}

/** The options of a benchmark: each name (without `--`) takes a value (`string`) or not. */
export type BenchOptions = Readonly<Record<string, "string" | "boolean">>;

/** What {@link parseBenchArgs} found. */
export interface BenchArgs {
  /** `--help` or `-h` was given: print the usage, do nothing else. */
  help: boolean;
  /** The options given (a `string` option's value, `true` for a `boolean` one). */
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Whether `args` ask for the usage: `--help` or `-h` anywhere. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * Parses `args` against `options`. `--help`/`-h` anywhere wins (nothing else is checked).
 * @param name the benchmark, for messages (`deno task bench <name> --help`).
 * @param positionals how many plain arguments are allowed (default 0).
 * @throws BenchUsageError for an unknown option, a missing value, a value given to a flag, or
 *   too many plain arguments.
 */
export function parseBenchArgs(
  name: string,
  args: readonly string[],
  options: BenchOptions,
  positionals = 0,
): BenchArgs {
  if (wantsHelp(args)) return { help: true, values: {}, positionals: [] };
  const hint = `(deno task bench ${name} --help lists the options)`;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(Object.entries(options).map(([k, type]) => [k, { type }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const why = (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
      ? `unknown option '${/'(-[^']*)'/.exec(message)?.[1]}'` // node adds advice about '--'
      : /argument missing/.test(message)
      ? `${/'(--?[\w-]+)/.exec(message)?.[1]} needs a value`
      : message.replace(/^Option/, "option");
    throw new BenchUsageError(`${why} ${hint}`);
  }
  if (parsed.positionals.length > positionals) {
    throw new BenchUsageError(
      `unexpected argument '${parsed.positionals[positionals]}' ${hint}`,
    );
  }
  return {
    help: false,
    values: parsed.values as Record<string, string | boolean | undefined>,
    positionals: parsed.positionals,
  };
}

/** A `string` option's value, or `fallback` when it was not given. */
export function stringValue(args: BenchArgs, option: string, fallback: string): string {
  const value = args.values[option];
  return typeof value === "string" ? value : fallback;
}

/** A positive integer option's value. @throws BenchUsageError naming the option and the value. */
export function positiveInt(args: BenchArgs, option: string, fallback: number): number {
  const text = stringValue(args, option, String(fallback));
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new BenchUsageError(`--${option} must be an integer >= 1, got '${text}'`);
  }
  return n;
}

/**
 * Runs a benchmark module's `main` when the module is run directly: a usage error is printed
 * (without a stack) and exits 2, like `deno task bench`.
 */
export async function runDirectly(main: () => Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(2);
  }
}
