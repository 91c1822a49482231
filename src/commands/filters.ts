/**
 * `vframe filters [NAME...]` (`deno task filters`): every filter of the registry with its
 * parameters (default, range, integer or not, what each does), the closest ffmpeg `-vf`
 * equivalent and how the result differs from it. `--json` prints the same as JSON, `--markdown`
 * the table of docs/filters.md (src/filters/docs.ts). Generated from the filter modules, so it
 * cannot drift from what the parser accepts.
 */
import { DESCRIPTIONS } from "./descriptions.ts";
import { Command } from "commander";
import { filtersMarkdown } from "../filters/docs.ts";
import { type AnyFilterModule, FILTERS, findFilter, formatRange } from "../filters/registry.ts";
import { USAGE_EXIT_CODE, withExitCodes } from "./exit_codes.ts";

/** One parameter as `vframe filters --json` prints it. */
export interface FilterParamInfo {
  name: string;
  default: number;
  min: number;
  max: number;
  /** True when the range excludes `min`: `(min, max]`. */
  minExclusive: boolean;
  integer: boolean;
  /** The range as the docs write it, e.g. `(0, 100]`. */
  range: string;
  description: string;
}

/** One filter as `vframe filters --json` prints it. */
export interface FilterInfo {
  name: string;
  description: string;
  params: FilterParamInfo[];
  /** The closest ffmpeg `-vf` equivalent, when there is one. */
  ffmpeg?: string;
  /** How the result differs from `ffmpeg`; absent when identical byte for byte. */
  differences?: string;
}

/** The machine-readable description of `filter`. */
export function filterInfo(filter: AnyFilterModule): FilterInfo {
  return {
    name: filter.name,
    description: filter.description,
    params: filter.params.map((p) => ({
      name: p.name,
      default: p.default,
      min: p.min,
      max: p.max,
      minExclusive: p.minExclusive ?? false,
      integer: p.integer ?? false,
      range: formatRange(p),
      description: p.description,
    })),
    ...(filter.ffmpeg ? { ffmpeg: filter.ffmpeg } : {}),
    ...(filter.differences ? { differences: filter.differences } : {}),
  };
}

/** The text listing of `filters` for a terminal: one block per filter. */
export function filtersText(filters: readonly AnyFilterModule[] = FILTERS): string {
  const blocks = filters.map((f) => {
    const info = filterInfo(f);
    const lines = [`${info.name}: ${info.description}`];
    if (info.params.length === 0) lines.push("  parameters: none");
    for (const p of info.params) {
      lines.push(
        `  ${p.name}=${p.default}  range ${p.range}${p.integer ? ", integer" : ""}: ` +
          p.description,
      );
    }
    lines.push(`  ffmpeg: ${info.ffmpeg ?? "none"}`);
    lines.push(
      `  differs: ${
        info.differences ?? "no, identical output (checked byte for byte against ffmpeg)"
      }`,
    );
    return lines.join("\n");
  });
  return [
    "Chains use ffmpeg -vf syntax: name=key=value:key=value,name2 (positional values fill the " +
    "parameters in the order listed). Parameters show name=default.",
    ...blocks,
  ].join("\n\n");
}

interface FiltersFlags {
  json?: boolean;
  markdown?: boolean;
}

/** The `filters` subcommand. */
export function filtersCommand(): Command {
  return withExitCodes(
    new Command("filters")
      .description(DESCRIPTIONS.filters)
      .argument("[name...]", "only these filters (default: all)")
      .option("--json", "print JSON (an array of filters) instead of text")
      .option("--markdown", "print the Markdown table of docs/filters.md instead of text"),
  ).action((names: string[], flags: FiltersFlags, cmd: Command) => {
    if (flags.json && flags.markdown) {
      cmd.error("error: give --json or --markdown, not both", { exitCode: USAGE_EXIT_CODE });
    }
    const unknown = names.filter((n) => !findFilter(n));
    if (unknown.length > 0) {
      cmd.error(
        `error: unknown filter ${unknown.map((n) => `'${n}'`).join(", ")}; filters: ` +
          FILTERS.map((f) => f.name).join(", "),
        { exitCode: USAGE_EXIT_CODE },
      );
    }
    const chosen = names.length ? names.map((n) => findFilter(n)!) : FILTERS;
    if (flags.json) console.log(JSON.stringify(chosen.map(filterInfo), null, 2));
    else if (flags.markdown) console.log(filtersMarkdown());
    else console.log(filtersText(chosen));
  });
}
