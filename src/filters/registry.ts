/**
 * The filters vframe knows, built from the filter modules in defs/ (one file per filter, listed
 * in defs/index.ts): names, parameters with defaults and ranges, docs, kernel calls and
 * references. The parser, the validator, the engine, the reference tests and docs/filters.md all
 * read this table.
 */
import { FILTER_MODULES } from "./defs/index.ts";
import { FilterDefinitionError } from "./errors.ts";
import type { AnyFilterModule } from "./filter_module.ts";

/** The module types (defined in filter_module.ts), re-exported for the registry's readers. */
export type { AnyFilterModule, FilterDef, FilterModule } from "./filter_module.ts";
/** Parameter declarations and their range text (params.ts), kept here for existing imports. */
export { formatRange, type ParamDef } from "./params.ts";

function byName(modules: readonly AnyFilterModule[]): Map<string, AnyFilterModule> {
  const map = new Map<string, AnyFilterModule>();
  for (const m of modules) {
    if (map.has(m.name)) throw new FilterDefinitionError(m.name, "two filters have this name");
    map.set(m.name, m);
  }
  return map;
}

const BY_NAME = byName(FILTER_MODULES);

/** Every filter, in the order the docs list them (frozen, as is every module). */
export const FILTERS: readonly AnyFilterModule[] = Object.freeze([...FILTER_MODULES]);

/** The filter named `name` (case-sensitive), or undefined. */
export function findFilter(name: string): AnyFilterModule | undefined {
  return BY_NAME.get(name);
}
