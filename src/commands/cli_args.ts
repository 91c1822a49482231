/** Commander argument parsers shared by the server, client and demo commands. */
import { InvalidArgumentError, Option } from "commander";
import { PROGRESS_FORMATS, type ProgressFormat } from "../util/progress_format.ts";

/** A parser for an integer option in [min, max]; the error names the range and the value seen. */
export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer in [${min}, ${
          max === Number.MAX_SAFE_INTEGER ? "∞" : max
        }], got '${value}'`,
      );
    }
    return n;
  };
}

/** A parser for a number option > 0. */
export function positiveArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a number > 0, got '${value}'`);
  }
  return n;
}

/** A parser for a percentage: a number in [0, 100]. */
export function percentArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError(`expected a percentage in [0, 100], got '${value}'`);
  }
  return n;
}

/** A parser for one of `choices`. */
export function choiceArg<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!choices.includes(value as T)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(", ")}, got '${value}'`);
    }
    return value as T;
  };
}

/** A parser for a number option in [min, max]; the error names the range and the value seen. */
export function numberArg(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}], got '${value}'`);
    }
    return n;
  };
}

/** `--progress FILE`, kept as `progressFile`: a command's `--no-progress` (its display) keeps `progress`. */
class ProgressFileOption extends Option {
  override attributeName(): string {
    return "progressFile";
  }
}

/** The flags {@link progressOptions} add. */
export interface ProgressFlags {
  /** `--progress FILE|-`. */
  progressFile?: string;
  progressFormat: ProgressFormat;
  /** `--stats-period`, seconds. */
  statsPeriod: number;
}

/**
 * `--progress FILE|-`, `--progress-format kv|ndjson` and `--stats-period S` of the filter and
 * client commands: machine-readable progress (docs/progress.md).
 */
export function progressOptions(): Option[] {
  return [
    new ProgressFileOption(
      "--progress <file>",
      "write machine-readable progress to FILE ('-' = stdout, a FIFO works): key=value blocks " +
        "like ffmpeg -progress, the last with progress=end",
    ),
    new Option("--progress-format <format>", "format of --progress: key=value blocks or NDJSON")
      .choices(PROGRESS_FORMATS).default("kv"),
    new Option("--stats-period <seconds>", "seconds between two --progress blocks")
      .argParser(numberArg(0.1, 60)).default(0.5),
  ];
}
