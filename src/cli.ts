/**
 * vframe's single entry point: `vframe <command>` with the subcommands client, server, worker,
 * filter and demo. `deno task <command>` and the compiled binary both start here.
 */
import { Command } from "commander";
import { clientCommand } from "./commands/client.ts";
import { demoCommand } from "./commands/demo.ts";
import { filterCommand } from "./commands/filter.ts";
import { serverCommand } from "./commands/server.ts";
import { workerCommand } from "./commands/worker.ts";

/** Builds the top-level program with every subcommand registered. */
export function program(): Command {
  return new Command("vframe")
    .description("Distributed video filter engine: SIMD WebAssembly filters on a worker pool")
    .version("0.1.0")
    .addCommand(demoCommand())
    .addCommand(clientCommand())
    .addCommand(serverCommand())
    .addCommand(workerCommand())
    .addCommand(filterCommand())
    .showHelpAfterError("(run with --help for usage)");
}

if (import.meta.main) {
  // `deno task` runs in the project folder; resolve the user's relative paths where they typed them.
  const initCwd = Deno.env.get("INIT_CWD");
  if (initCwd) Deno.chdir(initCwd);
  await program().parseAsync(Deno.args, { from: "user" });
}
