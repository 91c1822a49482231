/**
 * The one exit-code table of every vframe command, for `--help` and for commander's own errors.
 * The numbers come from {@link EXIT_CODES} (src/util/errors.ts), which maps each error's stable
 * code to its exit code; this module only says what each number means.
 */
import type { Command, CommanderError } from "commander";
import { EXIT_CODES } from "../util/errors.ts";

/** What each exit code means, one phrase each. Every number of EXIT_CODES must be here. */
export const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  0: "done",
  1: "failed (bad input, an output that cannot be written, codec or filter failure, " +
    "interrupted, …)",
  2: "bad usage: unknown command or flag, bad flag value, address or filter chain, an existing " +
    "output without -y",
  3: "server unreachable (also a failed TLS handshake)",
  4: "refused by the server (too large, busy, version mismatch, unauthorized, unknown job id)",
  5: "job failed or cancelled (also: no live worker in time, every frame fell back)",
  6: "output checksum or size mismatch",
  7: "the server broke the protocol or the connection",
  8: "done, output written, but more frames fell back to the original than " +
    "--max-fallback allows",
};

/** The exit code a bad command line gets. */
export const USAGE_EXIT_CODE = EXIT_CODES["usage"];

/**
 * The exit-code table as text: one line per exit code, with the error codes (EXIT_CODES) that
 * lead to it. The same for every command.
 * @throws Error when EXIT_CODES has a number {@link EXIT_MEANINGS} does not explain.
 */
export function exitCodesHelp(): string {
  const byExit = new Map<number, string[]>([[0, []], [1, []]]);
  for (const [code, exit] of Object.entries(EXIT_CODES)) {
    byExit.set(exit, [...(byExit.get(exit) ?? []), code]);
  }
  const lines = ["Exit codes (the same for every vframe command):"];
  for (const exit of [...byExit.keys()].sort((a, b) => a - b)) {
    const meaning = EXIT_MEANINGS[exit];
    if (meaning === undefined) throw new Error(`exit code ${exit} has no meaning in EXIT_MEANINGS`);
    const codes = byExit.get(exit)!;
    lines.push(...wrap(`${meaning}${codes.length ? ` [${codes.join(", ")}]` : ""}`, `  ${exit}  `));
  }
  lines.push(
    "  (3 to 8 come from a job on a server: the client's, and the demo's, which runs one.)",
  );
  return lines.join("\n");
}

/** `text` wrapped to 100 columns after `first`, continuation lines indented as deep. */
function wrap(text: string, first: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > 100 && line.trim() !== first.trim()) {
      lines.push(line.trimEnd());
      line = " ".repeat(first.length);
    }
    line += (line.endsWith(" ") ? "" : " ") + word;
  }
  lines.push(line.trimEnd());
  return lines;
}

/**
 * The exit code for one of commander's own errors: 0 for `--help` and `--version`, the code given
 * to `command.error(message, { exitCode })` as it is, {@link USAGE_EXIT_CODE} for every parse
 * error (unknown command or option, bad or missing value, missing argument), whose code commander
 * sets to 1.
 */
export function commanderExitCode(error: CommanderError): number {
  if (error.exitCode === 0) return 0;
  if (error.code === "commander.error") return error.exitCode;
  return USAGE_EXIT_CODE;
}

/**
 * Gives `command` the shared exit codes: usage errors exit {@link USAGE_EXIT_CODE}, and `--help`
 * ends with the exit-code table. Returns `command`.
 */
export function withExitCodes(command: Command): Command {
  return command
    .addHelpText("after", `\n${exitCodesHelp()}`)
    .exitOverride((error) => Deno.exit(commanderExitCode(error)));
}
