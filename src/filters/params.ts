/**
 * Filter parameters: how one is declared ({@link ParamDef}), how a value is written in a chain
 * (numbers, ffmpeg's constant expressions such as `PI/5`, words such as `forward`, colours) and
 * how a value is checked against its declaration. Pure; shared by the filter definitions, the
 * parser and the validator.
 *
 * A parameter's value is always one number, so chains stay plain data that any process can
 * check. Two kinds of number stand for something else:
 * - a value given as a word (`preset=vintage`, `mode=backward`) is the number the word stands
 *   for (`words`), printed back as the word;
 * - an expression that uses the frame's size (`w=iw/2`, `x0=w/3`), for a parameter that
 *   declares the names it may use (`vars`), is kept as a handle (a large integer, see
 *   {@link isExpressionValue}) to the expression, interned per process. The canonical text
 *   prints the expression, so chains still cross processes as text; the filter evaluates it
 *   for each frame size with {@link paramValue}.
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
  /** When true the value must be an odd integer (ffmpeg unsharp's matrix sizes). */
  odd?: boolean;
  /** What the parameter does, one phrase (the docs print it after the name). */
  description: string;
  /** Other keys accepted for it in `key=value` (ffmpeg's long and short option names). */
  aliases?: readonly string[];
  /** False: only `key=value` sets it, positional values skip it (default true). */
  positional?: boolean;
  /** Words accepted as values, each standing for a number; the canonical text prints the word. */
  words?: Readonly<Record<string, number>>;
  /**
   * Names an expression for this parameter may use besides constants (`iw`, `ih`…): such an
   * expression is kept and evaluated per frame size by the filter ({@link paramValue}).
   */
  vars?: readonly string[];
  /**
   * Reads every value of this parameter, written in a form of its own (a colour): the number,
   * or a sentence saying why the text is not one. Numbers and expressions are then not read.
   */
  parse?: (text: string) => number | string;
  /** Writes a value for the canonical text (the inverse of `parse`; default: the number). */
  format?: (value: number) => string;
  /**
   * A rule on the filter's parameters taken together (all resolved), e.g. a limit on the sum of
   * two sizes: a sentence saying what is wrong, or undefined. Checked after the parameters are
   * read, by the parser and by formatChain.
   */
  check?: (params: FilterParams) => string | undefined;
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
 * (default `String(value)`). An expression handle is fine for a parameter with `vars`.
 */
export function paramProblem(
  def: ParamDef,
  value: number,
  shown = String(value),
): string | undefined {
  if (def.vars && isExpressionValue(value)) return undefined;
  if (!Number.isFinite(value)) return `${def.name} must be a finite number, got ${shown}`;
  if ((def.integer || def.odd) && !Number.isInteger(value)) {
    return `${def.name} must be an integer, got ${shown}`;
  }
  const low = def.minExclusive ? value <= def.min : value < def.min;
  if (low || value > def.max) return `${def.name} must be in ${formatRange(def)}, got ${shown}`;
  if (def.odd && value % 2 === 0) return `${def.name} must be an odd integer, got ${shown}`;
  return undefined;
}

/** The first cross-parameter rule (`check`) of `defs` that `params` break, or undefined. */
export function paramsProblem(
  defs: readonly ParamDef[],
  params: FilterParams,
): string | undefined {
  for (const d of defs) {
    const problem = d.check?.(params);
    if (problem) return problem;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Expressions: ffmpeg's av_expr syntax for the common cases.

/** A parsed expression. */
type Expr =
  | { k: "num"; v: number }
  | { k: "var"; name: string }
  | { k: "neg"; a: Expr }
  | { k: "bin"; op: string; a: Expr; b: Expr }
  | { k: "call"; fn: string; args: Expr[] };

/** Constants every expression may use, as ffmpeg's evaluator defines them. */
const CONSTANTS: Readonly<Record<string, number>> = {
  PI: Math.PI,
  E: Math.E,
  PHI: (1 + Math.sqrt(5)) / 2,
};

/** C's round(): halves away from zero. */
function roundAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Functions an expression may call, with their number of arguments. */
const FUNCTIONS: Readonly<Record<string, [number, (...a: number[]) => number]>> = {
  abs: [1, Math.abs],
  ceil: [1, Math.ceil],
  floor: [1, Math.floor],
  trunc: [1, Math.trunc],
  round: [1, roundAway],
  sqrt: [1, Math.sqrt],
  sin: [1, Math.sin],
  cos: [1, Math.cos],
  tan: [1, Math.tan],
  exp: [1, Math.exp],
  log: [1, Math.log],
  min: [2, Math.min],
  max: [2, Math.max],
  pow: [2, Math.pow],
  hypot: [2, Math.hypot],
  mod: [2, (a, b) => a - b * Math.floor(a / b)],
};

const TOKEN =
  /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))/y;

/** Why a text is not an expression (the parser's message names the parameter). */
class ExprError extends Error {}

/** Parses an expression of numbers, names, + - * / ^, unary signs, calls and parentheses. */
function parseExpr(text: string): Expr {
  const tokens: { num?: number; name?: string; sym?: string }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) break;
    if (m[1] !== undefined) tokens.push({ num: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ name: m[2] });
    else if (m[3] !== undefined && m[3].trim() !== "") tokens.push({ sym: m[3] });
  }
  let i = 0;
  const peek = (s: string) => tokens[i]?.sym === s;
  const expect = (s: string) => {
    if (!peek(s)) throw new ExprError(`expected '${s}'`);
    i++;
  };
  const primary = (): Expr => {
    const t = tokens[i++];
    if (!t) throw new ExprError("it ends too early");
    if (t.num !== undefined) return { k: "num", v: t.num };
    if (t.sym === "(") {
      const e = sum();
      expect(")");
      return e;
    }
    if (t.sym === "-" || t.sym === "+") {
      const a = power();
      return t.sym === "-" ? { k: "neg", a } : a;
    }
    if (t.name !== undefined) {
      if (!peek("(")) return { k: "var", name: t.name };
      i++;
      const args: Expr[] = [];
      if (!peek(")")) {
        args.push(sum());
        while (peek(",")) {
          i++;
          args.push(sum());
        }
      }
      expect(")");
      return { k: "call", fn: t.name, args };
    }
    throw new ExprError(`unexpected '${t.sym}'`);
  };
  const power = (): Expr => {
    const a = primary();
    if (peek("^")) {
      i++;
      return { k: "bin", op: "^", a, b: power() };
    }
    return a;
  };
  const product = (): Expr => {
    let a = power();
    while (peek("*") || peek("/")) {
      const op = tokens[i++].sym!;
      a = { k: "bin", op, a, b: power() };
    }
    return a;
  };
  const sum = (): Expr => {
    let a = product();
    while (peek("+") || peek("-")) {
      const op = tokens[i++].sym!;
      a = { k: "bin", op, a, b: product() };
    }
    return a;
  };
  const e = sum();
  if (i !== tokens.length) throw new ExprError("it has something left over");
  return e;
}

/** The names an expression uses that are not constants, checking calls on the way. */
function namesOf(e: Expr, out: Set<string>): Set<string> {
  if (e.k === "var") {
    if (!(e.name in CONSTANTS)) out.add(e.name);
  } else if (e.k === "neg") {
    namesOf(e.a, out);
  } else if (e.k === "bin") {
    namesOf(e.a, out);
    namesOf(e.b, out);
  } else if (e.k === "call") {
    const fn = FUNCTIONS[e.fn];
    if (!fn) throw new ExprError(`unknown function '${e.fn}'`);
    if (fn[0] !== e.args.length) {
      throw new ExprError(`${e.fn}() takes ${fn[0]} argument${fn[0] === 1 ? "" : "s"}`);
    }
    for (const a of e.args) namesOf(a, out);
  }
  return out;
}

function evaluate(e: Expr, vars: Readonly<Record<string, number>>): number {
  switch (e.k) {
    case "num":
      return e.v;
    case "var":
      return CONSTANTS[e.name] ?? vars[e.name] ?? NaN;
    case "neg":
      return -evaluate(e.a, vars);
    case "call":
      return FUNCTIONS[e.fn][1](...e.args.map((a) => evaluate(a, vars)));
    case "bin": {
      const a = evaluate(e.a, vars);
      const b = evaluate(e.b, vars);
      if (e.op === "+") return a + b;
      if (e.op === "-") return a - b;
      if (e.op === "*") return a * b;
      if (e.op === "/") return a / b;
      return Math.pow(a, b);
    }
  }
}

/** Expression handles start here: far above any parameter's range, exact as a double. */
const EXPRESSION_BASE = 2 ** 40;
const expressions: { text: string; expr: Expr }[] = [];
const expressionIds = new Map<string, number>();

/** True when `value` is a handle to an expression that uses the frame's size. */
export function isExpressionValue(value: number): boolean {
  return Number.isInteger(value) && value >= EXPRESSION_BASE &&
    value - EXPRESSION_BASE < expressions.length;
}

function intern(text: string, expr: Expr): number {
  const known = expressionIds.get(text);
  if (known !== undefined) return known;
  const id = EXPRESSION_BASE + expressions.length;
  expressions.push({ text, expr });
  expressionIds.set(text, id);
  return id;
}

/**
 * The number a parameter's value stands for with the frame variables `vars`: the value itself,
 * or its expression evaluated (names it uses that `vars` lacks are NaN, as in ffmpeg).
 */
export function paramValue(value: number, vars: Readonly<Record<string, number>> = {}): number {
  if (!isExpressionValue(value)) return value;
  return evaluate(expressions[value - EXPRESSION_BASE].expr, vars);
}

/**
 * Result of reading a value's text: the number (`kept` when it is a handle to an expression of
 * the frame size), or why it cannot be read.
 */
export type ReadValue = { value: number; kept?: boolean } | { problem: string };

function quoted(list: readonly string[]): string {
  return list.map((w) => `'${w}'`).join(", ");
}

/**
 * Reads the text of a value for parameter `def`: its own form (`parse`, then nothing else), a
 * word, a decimal
 * number, or an expression (constants `PI`, `E`, `PHI`, + - * / ^, parentheses and functions
 * such as `min`, `floor`; the names in `vars` too). The number is not range-checked here.
 */
export function readParamValue(def: ParamDef, text: string): ReadValue {
  if (def.parse) {
    const own = def.parse(text);
    return typeof own === "number" ? { value: own } : { problem: own };
  }
  if (def.words && Object.hasOwn(def.words, text)) return { value: def.words[text] };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return { value: Number(text) };
  const words = def.words ? Object.keys(def.words) : [];
  const expected = words.length
    ? `${def.name} must be ${def.integer ? "one of" : "a number or one of"} ${quoted(words)}`
    : `${def.name} must be a number`;
  let expr: Expr;
  let names: Set<string>;
  try {
    expr = parseExpr(text);
    names = namesOf(expr, new Set());
  } catch (e) {
    if (!(e instanceof ExprError) || !/[-+*/^()]/.test(text)) {
      return { problem: `${expected}, got '${text}'` };
    }
    const quote = e.message === "expected ')'" && /[A-Za-z_]\w*\([^)]*$/.test(text)
      ? "; an expression holding , or : goes in single quotes: 'max(a,b)'"
      : "";
    return { problem: `${expected} or an expression, got '${text}' (${e.message}${quote})` };
  }
  const allowed = def.vars ?? [];
  const unknown = [...names].filter((n) => !allowed.includes(n));
  if (unknown.length > 0) {
    const hint = allowed.length ? ` (it may use ${allowed.join(", ")})` : "";
    if (names.size === 1 && expr.k === "var" && !allowed.length) {
      return { problem: `${expected}, got '${text}'` };
    }
    return { problem: `${expected}, got '${text}': unknown name '${unknown[0]}'${hint}` };
  }
  if (names.size === 0) return { value: evaluate(expr, {}) };
  return { value: intern(text.replace(/\s+/g, ""), expr), kept: true };
}

/** How the canonical text writes `value` for parameter `def`. */
export function formatParamValue(def: ParamDef, value: number): string {
  if (def.vars && isExpressionValue(value)) return expressions[value - EXPRESSION_BASE].text;
  if (def.words) {
    for (const [word, v] of Object.entries(def.words)) if (v === value) return word;
  }
  if (def.format) return def.format(value);
  return String(value);
}
