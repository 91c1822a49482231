/**
 * Hand-written checks for the fields of JSON payloads. Each check reads one field of a parsed
 * object and either returns it, typed, or throws {@link ProtocolError} `bad-message` with the
 * field's path, what was expected and what was seen.
 */
import { ProtocolError } from "./errors.ts";

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

const utf8 = new TextEncoder();

/** A short, printable rendering of a seen value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value);
  if (typeof value === "bigint") return `${value}n`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Throws `bad-message`: `${path} must be ${expected}, got ${show(value)}`. */
export function fail(path: string, expected: string, value: unknown): never {
  throw new ProtocolError("bad-message", `${path} must be ${expected}, got ${show(value)}`);
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Uint8Array);
}

/** `value` as an object, or `bad-message`. */
export function object(value: unknown, path: string): JsonObject {
  if (!isObject(value)) fail(path, "an object", value);
  return value;
}

/** Throws `bad-message` when `obj` has a key outside `allowed`. */
export function onlyKeys(obj: JsonObject, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ProtocolError("bad-message", `${path} has an unknown field ${show(key)}`);
    }
  }
}

/** Range of a numeric field; both ends inclusive. */
export interface Range {
  min?: number;
  max?: number;
}

function rangeText(kind: string, { min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `${kind} ${min}..${max}`;
  if (min !== undefined) return `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

function inRange(n: number, { min, max }: Range): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

/** `obj[key]` as a safe integer within `range`. */
export function int(obj: JsonObject, key: string, path: string, range: Range = {}): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || !inRange(value, range)) {
    fail(`${path}.${key}`, rangeText("an integer", range), value);
  }
  return value;
}

/** `obj[key]` as a finite number within `range`. */
export function num(obj: JsonObject, key: string, path: string, range: Range = {}): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isFinite(value) || !inRange(value, range)) {
    fail(`${path}.${key}`, rangeText("a finite number", range), value);
  }
  return value;
}

/** `obj[key]` as a boolean. */
export function bool(obj: JsonObject, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== "boolean") fail(`${path}.${key}`, "a boolean", value);
  return value;
}

/** Constraints of a string field. */
export interface StringRule {
  /** Fewest characters (UTF-16 code units) (default 0). */
  min?: number;
  /** Most characters (UTF-16 code units). */
  max: number;
  /** Most UTF-8 bytes, checked as well as `max` when given. */
  maxBytes?: number;
  /** Refuse control characters U+0000..U+001F and U+007F (default false). */
  noControl?: boolean;
  /** Refuse lone surrogates (default true). */
  wellFormed?: boolean;
  /** The whole string must match (anchor it yourself). */
  pattern?: RegExp;
  /** How to describe `pattern` in error messages. */
  describe?: string;
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** `obj[key]` as a string following `rule`. */
export function str(obj: JsonObject, key: string, path: string, rule: StringRule): string {
  const value = obj[key];
  const where = `${path}.${key}`;
  const { min = 0, max, maxBytes, noControl = false, wellFormed = true, pattern } = rule;
  if (typeof value !== "string") fail(where, "a string", value);
  if (value.length < min || value.length > max) {
    fail(where, `a string of ${min}..${max} characters`, value);
  }
  if (maxBytes !== undefined && utf8.encode(value).length > maxBytes) {
    fail(where, `a string of at most ${maxBytes} UTF-8 bytes`, value);
  }
  if (noControl && hasControl(value)) fail(where, "a string without control characters", value);
  if (wellFormed && !value.isWellFormed()) fail(where, "well-formed Unicode", value);
  if (pattern && !pattern.test(value)) fail(where, rule.describe ?? `a match of ${pattern}`, value);
  return value;
}

/** `obj[key]` as an array of at most `max` entries (entries unchecked). */
export function list(obj: JsonObject, key: string, path: string, max: number): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value) || value.length > max) {
    fail(`${path}.${key}`, `an array of at most ${max} entries`, value);
  }
  return value;
}

/** `obj[key]` as one of `choices`. */
export function oneOf<T extends string>(
  obj: JsonObject,
  key: string,
  path: string,
  choices: readonly T[],
): T {
  const value = obj[key];
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    fail(`${path}.${key}`, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
  }
  return value as T;
}

/** Runs `check` when `obj` has `key` (present and not undefined), else returns undefined. */
export function optional<T>(obj: JsonObject, key: string, check: () => T): T | undefined {
  return obj[key] === undefined ? undefined : check();
}
