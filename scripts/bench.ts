/**
 * `deno task bench <name>`: runs scripts/bench/<name>.ts. Names: filters, codec, offline, pipeline,
 * scale.
 * Each benchmark prints a Markdown table with vframe's figures beside the named peer's.
 * `deno task bench --help` (or `-h`) prints the usage; `deno task bench <name> --help` a
 * benchmark's options (before any work). A bad option exits 2 with what was wrong.
 */
import { BENCHMARKS, BenchUsageError } from "./bench/args.ts";

const NAMES = Object.keys(BENCHMARKS);
const USAGE = `usage: deno task bench <${NAMES.join("|")}> [options]

Runs scripts/bench/<name>.ts and prints Markdown tables of vframe's figures beside a peer's:
${NAMES.map((name) => `  ${name.padEnd(8)}  ${BENCHMARKS[name]}`).join("\n")}

deno task bench <name> --help prints that benchmark's options.`;
const [name, ...rest] = Deno.args;
if (name === "--help" || name === "-h") {
  console.log(USAGE);
  Deno.exit(0);
}
if (!name || !NAMES.includes(name)) {
  console.error(USAGE);
  console.error(name ? `unknown benchmark '${name}'` : "missing benchmark name");
  Deno.exit(2);
}
const mod = await import(`./bench/${name}.ts`);
try {
  await mod.main(rest);
} catch (error) {
  if (!(error instanceof BenchUsageError)) throw error;
  console.error(`deno task bench ${name}: ${error.message}`);
  Deno.exit(2);
}
