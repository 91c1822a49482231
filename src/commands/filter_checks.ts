/**
 * Checks `vframe filter` runs before any work: the chain, the thread count, and whether the
 * output can be written at all, so a bad argument fails at once with a message saying what to do.
 */
import { dirname } from "node:path";
import { VframeError } from "../util/errors.ts";
import { chainOutputSize } from "../filters/compile.ts";
import { parseChain } from "../filters/parse.ts";
import { FilterChainError } from "../filters/errors.ts";
import type { FilterChain } from "../filters/types.ts";

/** A bad command line (exit code 2). */
export class UsageError extends VframeError {
  readonly code: string = "usage";
  override name = "UsageError";
}

/** The output exists and the command line did not say to replace it (`-y`): exit code 2. */
export class OutputExistsError extends UsageError {
  override name = "OutputExistsError";
}

/** The output cannot be written: a missing or read-only directory (exit code 1). */
export class OutputNotWritableError extends VframeError {
  readonly code: string = "output-not-writable";
  override name = "OutputNotWritableError";
}

/**
 * Parses a chain for the command.
 * @throws UsageError naming the problem (from FilterChainError) or an empty chain.
 */
export function parseFilterOption(text: string | undefined): FilterChain {
  if (!text || text.trim() === "") {
    throw new UsageError('missing --filter: give a chain, e.g. --filter "blur=sigma=3,grayscale"');
  }
  try {
    return parseChain(text);
  } catch (error) {
    if (error instanceof FilterChainError) {
      throw new UsageError(`bad --filter "${text}": ${error.message}`);
    }
    throw error;
  }
}

/**
 * The size of the frames `chain` makes from `width` × `height` ones (scale, crop, pad,
 * transpose… change it), known before any frame is decoded.
 * @throws UsageError (exit 2) when the chain would make an empty frame or one past
 *   `maxDimension` px per side, saying which filter and what to change.
 */
export function checkChainSize(
  chain: FilterChain,
  width: number,
  height: number,
  maxDimension?: number,
): { width: number; height: number } {
  try {
    return chainOutputSize(chain, width, height, maxDimension);
  } catch (error) {
    if (error instanceof FilterChainError) {
      throw new UsageError(`bad --filter for a ${width}x${height} input: ${error.message}`);
    }
    throw error;
  }
}

/** @throws UsageError when `threads` is not an integer ≥ 1. */
export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new UsageError(`threads must be an integer >= 1, got ${threads}`);
  }
  return threads;
}

/** True when both paths exist and are the same file. */
export async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return (await Deno.realPath(a)) === (await Deno.realPath(b));
  } catch {
    return false;
  }
}

/** Options of {@link checkOutput}. */
export interface CheckOutputOptions {
  /**
   * The writer creates a new file in the output's directory (the MP4 encoder writes a temporary
   * file beside the output and renames it), so the directory itself must be writable. When false
   * (raw mode), an existing output — a FIFO, a device, a file — is opened as it is. Default true.
   */
  createsFile?: boolean;
  /**
   * Replace an existing output (default true, for the programmatic API; the commands pass false
   * unless `-y`). When false, an existing regular file is refused; with `createsFile: false` an
   * existing FIFO or device is still opened as it is (it is not replaced).
   */
  overwrite?: boolean;
}

/**
 * Checks that `output` names a file that can be written, without leaving anything behind.
 * @throws UsageError when `output` is a directory (or ends with `/`); OutputExistsError when it
 *   exists and `overwrite` is false; OutputNotWritableError
 *   ("cannot write …", with what to do) when its directory is missing, not a directory, or not
 *   writable.
 */
export async function checkOutput(output: string, options: CheckOutputOptions = {}): Promise<void> {
  const existing = await Deno.stat(output).catch(() => undefined);
  if (output.endsWith("/") || existing?.isDirectory) {
    const example = `${output.replace(/\/+$/, "")}/output.mp4`;
    throw new UsageError(
      `the output ${output} is a directory; give a file path, e.g. ${example}`,
    );
  }
  if (
    existing && options.overwrite === false && (existing.isFile || options.createsFile !== false)
  ) {
    throw new OutputExistsError(
      `the output ${output} already exists; give -y (--overwrite) to replace it, or choose ` +
        "another output path",
    );
  }
  if (existing && options.createsFile === false) return;
  const dir = dirname(output);
  const cannot = `cannot write ${output}`;
  const parent = await Deno.stat(dir).catch(() => undefined);
  if (!parent) {
    throw new OutputNotWritableError(
      `${cannot}: the directory ${dir} does not exist; create it first or choose another output path`,
    );
  }
  if (!parent.isDirectory) {
    throw new OutputNotWritableError(
      `${cannot}: ${dir} is not a directory; choose another output path`,
    );
  }
  const probe = `${dir}/.vframe-write-check-${crypto.randomUUID().slice(0, 8)}`;
  try {
    (await Deno.open(probe, { write: true, createNew: true })).close();
  } catch (error) {
    throw new OutputNotWritableError(
      `${cannot}: the directory ${dir} is not writable (${(error as Error).message}); ` +
        "choose an output path in a writable directory or change its permissions",
    );
  }
  await Deno.remove(probe).catch(() => {});
}

/** Wraps an error opening `output` for writing in an {@link OutputNotWritableError}. */
export function outputOpenError(output: string, error: unknown): OutputNotWritableError {
  return new OutputNotWritableError(
    `cannot write ${output}: ${(error as Error).message}; check the path and its permissions`,
    { cause: error },
  );
}
