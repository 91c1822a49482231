/**
 * What a chain received over the network may not hold: filters that read files of the machine
 * they run on (overlay's `file=`). The server checks the text before parsing it, since parsing
 * an overlay chain reads the file. Pure.
 */

/** Filters that read a local file when their chain is parsed. */
const LOCAL_FILE_FILTERS: ReadonlySet<string> = new Set(["overlay"]);

/** The filter names of a chain's text, read loosely (quoted parts skipped), parse or not. */
export function chainFilterNames(text: string): string[] {
  const names: string[] = [];
  let part = "";
  let quoted = false;
  for (const ch of `${text},`) {
    if (ch === "'") quoted = !quoted;
    if (ch === "," && !quoted) {
      names.push(part.split("=")[0].trim());
      part = "";
    } else {
      part += ch;
    }
  }
  return names.filter((n) => n !== "");
}

/**
 * Why a chain sent over the network cannot run (a filter that needs a file on the server), or
 * undefined.
 */
export function remoteChainProblem(text: string): string | undefined {
  const local = chainFilterNames(String(text)).find((n) => LOCAL_FILE_FILTERS.has(n));
  if (!local) return undefined;
  return `${local} needs the image on the server: not supported over the network yet ` +
    `(run it on this machine with vframe filter)`;
}
