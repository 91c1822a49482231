/** Where the chaos suite finds the project: its root, Deno, and the CLI entry points. */

/** The repository root (this file is scripts/chaos/paths.ts). */
export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** The project's Deno (`node_modules/deno/deno`), the one `deno task` uses. */
export const DENO = `${ROOT}/node_modules/deno/deno`;
/** `vframe` entry point: `deno run -A src/cli.ts server|client|worker …`. */
export const CLI = `${ROOT}/src/cli.ts`;
/** The RST burst helper, run as its own process. */
export const RST_BURST = new URL("../../tests/server/rst_connect.ts", import.meta.url).pathname;
