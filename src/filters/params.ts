/**
 * Filter parameters: how one is declared ({@link ParamDef}) and how a value is checked against
 * its declaration. Pure; shared by the filter definitions, the parser and the validator.
 */

/** One named numeric parameter of a filter. */
export interface ParamDef {
  /** Name used in `name=key=value` syntax; positional values fill params in this order. */
  name: string;
  /** Value used when the chain does not give one. */
  default: number;
  /** Smallest accepted value (excluded when `minExclusive`). */
  min: number;
  /** Largest accepted value (included). */
  max: number;
  /** When true the range is (min, max] rather than [min, max] (default false). */
  minExclusive?: boolean;
  /** When true the value must be an integer (default false). */
  integer?: boolean;
  /** What the parameter does, one phrase (the docs print it after the name). */
  description: string;
}

/** The resolved parameters of one filter of a chain: every declared name has a number. */
export type FilterParams = Readonly<Record<string, number>>;

/** Text of a parameter's range, e.g. `(0, 100]` or `[0, 128]`. */
export function formatRange(p: ParamDef): string {
  return `${p.minExclusive ? "(" : "["}${p.min}, ${p.max}]`;
}

/**
 * Why `value` is not acceptable for parameter `def`, as a sentence ("sigma must be in (0, 100],
 * got -1"), or undefined when it is fine. `shown` is how the value is written in the message
 * (default `String(value)`).
 */
export function paramProblem(
  def: ParamDef,
  value: number,
  shown = String(value),
): string | undefined {
  if (!Number.isFinite(value)) return `${def.name} must be a finite number, got ${shown}`;
  if (def.integer && !Number.isInteger(value)) {
    return `${def.name} must be an integer, got ${shown}`;
  }
  const low = def.minExclusive ? value <= def.min : value < def.min;
  if (low || value > def.max) return `${def.name} must be in ${formatRange(def)}, got ${shown}`;
  return undefined;
}
