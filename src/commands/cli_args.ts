/** Commander argument parsers shared by the server, client and demo commands. */
import { InvalidArgumentError } from "commander";

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
