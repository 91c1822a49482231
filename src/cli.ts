/**
 * vframe's single entry point: `vframe <command>` with the subcommands client, server, worker,
 * filter, filters and demo. `deno task <command>` and the compiled binary both start here.
 *
 * Subcommands are loaded lazily: only the module of the command being run is imported (so
 * `vframe filter` does not load BullMQ, ioredis or the server). `--help` lists every command from
 * the table below without loading any of them. The `import()` specifiers are literal strings so
 * `deno compile` still bundles every command.
 */
import { Command } from "commander";
import { DESCRIPTIONS } from "./commands/descriptions.ts";
import { withExitCodes } from "./commands/exit_codes.ts";

/** A subcommand: its name and description (for `--help`) and how to load the real command. */
interface LazyCommand {
  name: string;
  description: string;
  load(): Promise<Command>;
}

/** Every subcommand, in `--help` order, with the description its own `--help` shows. */
export const COMMANDS: readonly LazyCommand[] = [
  {
    name: "demo",
    description: DESCRIPTIONS.demo,
    load: async () => (await import("./commands/demo.ts")).demoCommand(),
  },
  {
    name: "client",
    description: DESCRIPTIONS.client,
    load: async () => (await import("./commands/client.ts")).clientCommand(),
  },
  {
    name: "server",
    description: DESCRIPTIONS.server,
    load: async () => (await import("./commands/server.ts")).serverCommand(),
  },
  {
    name: "worker",
    description: DESCRIPTIONS.worker,
    load: async () => (await import("./commands/worker.ts")).workerCommand(),
  },
  {
    name: "filter",
    description: DESCRIPTIONS.filter,
    load: async () => (await import("./commands/filter.ts")).filterCommand(),
  },
  {
    name: "filters",
    description: DESCRIPTIONS.filters,
    load: async () => (await import("./commands/filters.ts")).filtersCommand(),
  },
];

/**
 * The names of the commands `args` runs: the first argument that is not an option (the top level
 * has no options taking a value), and for `help NAME` that NAME.
 */
export function commandsIn(args: readonly string[]): string[] {
  const first = args.findIndex((a) => !a.startsWith("-"));
  if (first < 0) return [];
  const name = args[first];
  if (name === "help" && args[first + 1] !== undefined) return [args[first + 1]];
  return [name];
}

/**
 * Builds the top-level program with every subcommand registered: the real command for those named
 * in `load` (default: all), for the others a stand-in with the name and description (enough for
 * `--help`) that, if it is run after all, loads the real command and hands it its arguments.
 */
export async function program(
  load: readonly string[] = COMMANDS.map((c) => c.name),
): Promise<Command> {
  // Usage errors (unknown command or flag, no command at all) exit 2, as in every subcommand.
  const root = withExitCodes(
    new Command("vframe")
      .description("Distributed video filter engine: SIMD WebAssembly filters on a worker pool")
      .version("0.1.0")
      .showHelpAfterError("(run with --help for usage)"),
  );
  for (const entry of COMMANDS) {
    if (load.includes(entry.name)) {
      root.addCommand(await entry.load());
    } else {
      root.addCommand(
        new Command(entry.name)
          .description(entry.description)
          .helpOption(false)
          .allowUnknownOption()
          .allowExcessArguments()
          .action(async (_options: unknown, stub: Command) => {
            await (await entry.load()).parseAsync(stub.args, { from: "user" });
          }),
      );
    }
  }
  return root;
}

if (import.meta.main) {
  // `deno task` runs in the project folder; resolve the user's relative paths where they typed them.
  const initCwd = Deno.env.get("INIT_CWD");
  if (initCwd) Deno.chdir(initCwd);
  await (await program(commandsIn(Deno.args))).parseAsync(Deno.args, { from: "user" });
}
