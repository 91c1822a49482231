/**
 * `deno task bench <name>`: runs scripts/bench/<name>.ts. Names: filters, codec, offline, pipeline.
 * Each benchmark prints a Markdown table with vframe's figures beside the named peer's.
 */
const NAMES = ["filters", "codec", "offline", "pipeline"];
const [name, ...rest] = Deno.args;
if (!name || !NAMES.includes(name)) {
  console.error(`usage: deno task bench <${NAMES.join("|")}> [options]`);
  console.error(name ? `unknown benchmark '${name}'` : "missing benchmark name");
  Deno.exit(2);
}
const mod = await import(`./bench/${name}.ts`);
await mod.main(rest);
