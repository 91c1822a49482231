/** One filter of a chain, after parsing and validation: its name and every parameter resolved. */
export interface FilterSpec {
  /** Registered filter name, e.g. `blur`. */
  name: string;
  /** Every parameter of the filter, defaults filled in, range-checked. */
  params: Record<string, number>;
}

/**
 * A parsed filter chain, applied left to right. A plain, mutable array: code that takes one
 * validates it each time; compileChain (compile.ts) turns it into a CompiledChain, checked once.
 */
export type FilterChain = FilterSpec[];
