/**
 * ffmpeg `-vf` style filter chains: `blur=sigma=3,grayscale`, `eq=brightness=0.1:contrast=1.2`,
 * and positional values (`blur=3` sets the first parameter). Pure functions.
 *
 * Grammar: filters separated by `,`; a filter is `name` or `name=args`; args are separated by
 * `:` and are `key=value` or a bare value (positional, only before any `key=value`; a parameter
 * declared `positional: false` is skipped by them). A key is a parameter's name or one of its
 * aliases (ffmpeg's long and short option names). Values are decimal numbers (`3`, `-0.5`, `.5`,
 * `1e3`), ffmpeg expressions (`PI/5`, `iw/2` where the parameter allows the frame's size), words
 * a parameter declares (`vintage`) or a form of its own (colours). Text between single quotes is
 * taken as it is (`w='min(iw,ih)/2'`: its `,` and `:` do not split). Whitespace around names,
 * values and separators is ignored. The empty (or all-blank) text is the empty chain.
 */
import { FilterChainError } from "./errors.ts";
import { formatParamValue, paramsProblem, readParamValue } from "./params.ts";
import { FILTERS, findFilter, type ParamDef } from "./registry.ts";
import { closest } from "./suggest.ts";
import type { FilterChain, FilterSpec } from "./types.ts";
import { paramProblem, validateChain } from "./validate.ts";

/** A slice of the input text with its offset. */
interface Part {
  text: string;
  at: number;
}

/** Splits `part` at every `sep` outside single quotes, keeping offsets. */
function split(part: Part, sep: string): Part[] {
  const out: Part[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= part.text.length; i++) {
    if (part.text[i] === "'") quoted = !quoted;
    if (i === part.text.length || (part.text[i] === sep && !quoted)) {
      out.push({ text: part.text.slice(start, i), at: part.at + start });
      start = i + 1;
    }
  }
  return out;
}

/** Removes surrounding whitespace, moving the offset past what was removed. */
function trim(part: Part): Part {
  const lead = part.text.length - part.text.trimStart().length;
  return { text: part.text.trim(), at: part.at + lead };
}

/** Splits at the first `=`; the value part is undefined when there is none. */
function splitOnce(part: Part): [Part, Part | undefined] {
  const i = part.text.indexOf("=");
  if (i < 0) return [part, undefined];
  return [
    { text: part.text.slice(0, i), at: part.at },
    { text: part.text.slice(i + 1), at: part.at + i + 1 },
  ];
}

function parseFilter(part: Part): FilterSpec {
  const [rawName, rawArgs] = splitOnce(part);
  const name = trim(rawName);
  if (name.text === "") {
    throw new FilterChainError(`missing filter name at position ${name.at}`, name.at);
  }
  const def = findFilter(name.text);
  if (!def) {
    const guess = closest(name.text, FILTERS.map((f) => f.name));
    const hint = guess
      ? `did you mean '${guess}'?`
      : `known filters: ${FILTERS.map((f) => f.name).join(", ")}`;
    throw new FilterChainError(
      `unknown filter '${name.text}' at position ${name.at}; ${hint}`,
      name.at,
      { unknownFilter: true },
    );
  }
  const given = new Map<string, number>();
  if (rawArgs !== undefined) {
    let named = false;
    let positional = 0;
    for (const rawArg of split(rawArgs, ":")) {
      const arg = trim(rawArg);
      if (arg.text === "") {
        throw new FilterChainError(
          `empty parameter for filter '${def.name}' at position ${arg.at}`,
          arg.at,
        );
      }
      const [rawKey, rawValue] = splitOnce(arg);
      let param: ParamDef;
      let value: Part;
      if (rawValue === undefined) {
        if (def.params.length === 0) {
          throw new FilterChainError(
            `filter '${def.name}' takes no parameters, got '${arg.text}' at position ${arg.at}`,
            arg.at,
          );
        }
        if (named) {
          throw new FilterChainError(
            `positional value '${arg.text}' after a named parameter at position ${arg.at}`,
            arg.at,
          );
        }
        const order = def.params.filter((p) => p.positional !== false);
        if (positional >= order.length) {
          const names = order.map((p) => p.name).join(", ");
          const n = order.length;
          throw new FilterChainError(
            `too many values for filter '${def.name}' at position ${arg.at}: it takes ${n} ` +
              `parameter${n === 1 ? "" : "s"} (${names})`,
            arg.at,
          );
        }
        param = order[positional++];
        value = arg;
      } else {
        named = true;
        const k = trim(rawKey);
        const p = def.params.find((p) => p.name === k.text || p.aliases?.includes(k.text));
        if (!p) {
          const keys = def.params.flatMap((p) => [p.name, ...(p.aliases ?? [])]);
          const guess = closest(k.text, keys);
          const hint = def.params.length === 0
            ? `'${def.name}' takes no parameters`
            : guess
            ? `did you mean '${guess}'?`
            : `'${def.name}' takes: ${def.params.map((p) => p.name).join(", ")}`;
          const shown = k.text === "" ? "" : ` '${k.text}'`;
          throw new FilterChainError(
            `unknown parameter${shown} for filter '${def.name}' at position ${k.at}; ${hint}`,
            k.at,
          );
        }
        param = p;
        value = trim(rawValue);
        if (value.text === "") {
          throw new FilterChainError(
            `missing value for parameter '${p.name}' at position ${value.at}`,
            value.at,
          );
        }
      }
      const key = param.name;
      if (given.has(key)) {
        throw new FilterChainError(
          `parameter '${key}' of filter '${def.name}' given twice, at position ${arg.at}`,
          arg.at,
        );
      }
      const text = value.text.replaceAll("'", "").trim();
      const read = readParamValue(param, text);
      if ("problem" in read) {
        throw new FilterChainError(`${read.problem} at position ${value.at}`, value.at);
      }
      const number = read.value + 0; // + 0 turns -0 into 0
      // Only an expression read here may be a handle; a number that looks like one is a number.
      const problem = paramProblem(read.kept ? param : { ...param, vars: undefined }, number, text);
      if (problem) {
        throw new FilterChainError(`${problem} at position ${value.at}`, value.at);
      }
      given.set(key, number);
    }
  }
  const params: Record<string, number> = {};
  for (const p of def.params) params[p.name] = given.get(p.name) ?? p.default;
  const problem = paramsProblem(def.params, params);
  if (problem) {
    throw new FilterChainError(
      `filter '${def.name}': ${problem} at position ${name.at}`,
      name.at,
    );
  }
  return { name: def.name, params };
}

/**
 * Parses a filter chain in ffmpeg `-vf` syntax into specs with every parameter resolved
 * (defaults filled in, ranges checked).
 * @throws FilterChainError whose message names the bad part and whose `position` is its offset.
 */
export function parseChain(text: string): FilterChain {
  if (typeof text !== "string") {
    throw new FilterChainError(`a filter chain must be a string, got ${typeof text}`, -1);
  }
  if (text.trim() === "") return [];
  return split({ text, at: 0 }, ",").map((raw) => {
    const part = trim(raw);
    if (part.text === "") {
      throw new FilterChainError(`empty filter at position ${part.at}`, part.at);
    }
    return parseFilter(part);
  });
}

/** A value as the canonical text writes it: quoted when it holds a separator. */
function formatValue(p: ParamDef, value: number): string {
  const text = formatParamValue(p, value);
  return /[,:]/.test(text) ? `'${text}'` : text;
}

/**
 * The canonical text of a chain: every parameter named, in registry order, values as JavaScript
 * prints numbers, or as the word, expression or colour they stand for
 * (`blur=sigma=3,grayscale`, `curves=preset=vintage`). `parseChain(formatChain(c))` deep-equals
 * `c`. Takes a {@link FilterChain} or a CompiledChain (compile.ts).
 * @throws FilterChainError when `chain` is not valid (see validateChain).
 */
export function formatChain(chain: readonly FilterSpec[]): string {
  return validateChain(chain).map((spec, i) => {
    const def = findFilter(spec.name)!;
    if (def.params.length === 0) return def.name;
    const problem = paramsProblem(def.params, spec.params);
    if (problem) throw new FilterChainError(`filter ${i} ('${def.name}'): ${problem}`, -1);
    const args = def.params.map((p) => `${p.name}=${formatValue(p, spec.params[p.name])}`);
    return `${def.name}=${args.join(":")}`;
  }).join(",");
}
