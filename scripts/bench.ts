/**
 * `deno task bench <name>`: runs scripts/bench/<name>.ts. Names: filters, codec, offline, pipeline.
 * Each benchmark prints a Markdown table with vframe's figures beside the named peer's.
 * `deno task bench --help` (or `-h`) prints the usage.
 */
const NAMES = ["filters", "codec", "offline", "pipeline"];
const USAGE = `usage: deno task bench <${NAMES.join("|")}> [options]

Runs scripts/bench/<name>.ts and prints Markdown tables of vframe's figures beside a peer's:
  filters   time per frame of every filter: SIMD WebAssembly kernels vs TypeScript references
  codec     decode, encode and offline-filter fps per codec backend vs ffmpeg alone
  offline   the whole 'deno task filter' process vs ffmpeg alone and the bare codec
  pipeline  server + client end to end (embedded pool, BullMQ workers) vs offline and ffmpeg.wasm

Each benchmark's options are described at the top of scripts/bench/<name>.ts.`;
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
await mod.main(rest);
