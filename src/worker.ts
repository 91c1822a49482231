/**
 * Worker process entry point: `deno run -A src/worker.ts --redis URL --concurrency N`, the same
 * as `deno task worker …` (`vframe worker`). See src/commands/worker.ts for the flags.
 */
import { workerCommand } from "./commands/worker.ts";

if (import.meta.main) {
  await workerCommand().parseAsync(Deno.args, { from: "user" });
}
