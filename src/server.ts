/**
 * Entry point of the server: `deno run -A src/server.ts [flags]` is `vframe server [flags]`.
 */
import { serverCommand } from "./commands/server.ts";

if (import.meta.main) {
  await serverCommand().parseAsync(Deno.args, { from: "user" });
}
