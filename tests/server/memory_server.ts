/**
 * Test helper, run as its own process (with `--v8-flags=--expose-gc`): a vframe server whose
 * memory the test measures from outside (`/proc/PID/status`) without its own allocations in the
 * way. Takes the server options as JSON in its first argument; prints `ready PORT` on stdout and
 * its log lines on stderr; for each `gc` line on stdin it collects garbage and prints `rss BYTES`;
 * at the end of stdin it closes the server and exits.
 *
 *     deno run -A --v8-flags=--expose-gc tests/server/memory_server.ts '{"maxMemoryBytes":1073741824}'
 */
import { type StackOptions, startServerStack } from "../../src/commands/stack.ts";

const options = JSON.parse(Deno.args[0] ?? "{}") as StackOptions;
const stack = await startServerStack({
  host: "127.0.0.1",
  port: 0,
  preview: false,
  threads: 1,
  ...options,
  log: (line) => console.error(line),
});

const gc = (globalThis as { gc?: () => void }).gc;

/** Resident set size after collecting garbage a few times (freed frames are unmapped). */
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  return Deno.memoryUsage().rss;
}

console.log(`ready ${stack.server.port} gc=${gc !== undefined}`);
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let buffered = "";
for await (const chunk of lines) {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const command = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    if (command === "gc") {
      const s = stack.server;
      console.log(
        `rss ${await settledRss()} slots=${s.slotsInUse} reserved=${s.memory.reservedBytes}`,
      );
    }
  }
}
await stack.close();
