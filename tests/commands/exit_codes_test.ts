import assert from "node:assert/strict";
import { CommanderError } from "commander";
import { commanderExitCode, EXIT_MEANINGS, exitCodesHelp } from "../../src/commands/exit_codes.ts";
import { EXIT_CODES } from "../../src/util/errors.ts";
import { vframe } from "./run_cli.ts";

/** Usage errors of every command (and of the top level): all must exit 2. */
const USAGE_ERRORS: readonly string[][] = [
  [],
  ["--bogus"],
  ["bogus"],
  ["help", "bogus"],
  ["client", "--bogus", "v.mp4"],
  ["client", "v.mp4", "-f", "blur", "--crf", "99"],
  ["client", "v.mp4"],
  ["server", "--bogus"],
  ["server", "--port", "x"],
  ["server", "--preset", "nope"],
  ["demo", "--bogus"],
  ["demo", "--threads", "0"],
  ["demo", "--codec", "nope"],
  ["worker", "--bogus"],
  ["worker", "--concurrency", "0"],
  ["filter", "--bogus", "a", "b"],
  ["filter", "a"],
  ["filter", "a", "b", "--crf", "x"],
  ["filters", "--bogus"],
  ["filters", "nosuchfilter"],
];

Deno.test("every command exits 2 on bad usage (the real CLI)", async () => {
  const runs = await Promise.all(USAGE_ERRORS.map((args) => vframe(args)));
  const wrong = runs
    .map((run, i) => ({ args: USAGE_ERRORS[i].join(" "), code: run.code, stderr: run.stderr }))
    .filter((r) => r.code !== 2);
  assert.deepEqual(wrong, [], "usage errors that did not exit 2");
  for (const run of runs) assert.match(run.stderr, /\S/, "a usage error says what was wrong");
});

Deno.test("--help and --version still exit 0", async () => {
  const runs = await Promise.all(
    [["--help"], ["--version"], ["help"], ["help", "filter"], ["client", "--help"]].map((a) =>
      vframe(a)
    ),
  );
  assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0, 0]);
});

Deno.test("every command's --help ends with the one exit-code table", async () => {
  const table = exitCodesHelp();
  const commands = ["demo", "client", "server", "worker", "filter", "filters"];
  const runs = await Promise.all(
    [[], ...commands.map((c) => [c])].map((a) => vframe([...a, "--help"])),
  );
  for (const [i, run] of runs.entries()) {
    assert.equal(run.code, 0);
    assert.ok(run.stdout.includes(table), `${commands[i - 1] ?? "vframe"} --help shows the table`);
  }
});

Deno.test("exitCodesHelp: one line per exit code of EXIT_CODES, with its error codes", () => {
  const help = exitCodesHelp();
  const exits = new Set([0, 1, ...Object.values(EXIT_CODES)]);
  for (const exit of exits) {
    assert.ok(EXIT_MEANINGS[exit], `exit ${exit} has a meaning`);
    assert.match(help, new RegExp(`^  ${exit}  `, "m"));
  }
  for (const code of Object.keys(EXIT_CODES)) assert.ok(help.includes(code), code);
  assert.deepEqual([...exits].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("commanderExitCode: parse errors 2, help 0, command.error codes kept", () => {
  const e = (exit: number, code: string) => new CommanderError(exit, code, "m");
  assert.equal(commanderExitCode(e(1, "commander.unknownOption")), 2);
  assert.equal(commanderExitCode(e(1, "commander.unknownCommand")), 2);
  assert.equal(commanderExitCode(e(1, "commander.invalidArgument")), 2);
  assert.equal(commanderExitCode(e(1, "commander.missingArgument")), 2);
  assert.equal(commanderExitCode(e(1, "commander.help")), 2);
  assert.equal(commanderExitCode(e(0, "commander.helpDisplayed")), 0);
  assert.equal(commanderExitCode(e(0, "commander.version")), 0);
  assert.equal(commanderExitCode(e(1, "commander.error")), 1);
  assert.equal(commanderExitCode(e(2, "commander.error")), 2);
});
