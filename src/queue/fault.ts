/**
 * The test-only fault switch: `VFRAME_FAULT` (or a backend's `fault` option) names frame indices
 * that misbehave, so retries, fallbacks and time limits can be tested against real workers.
 *
 * Syntax: groups `kind=INDICES`, where INDICES is a comma list of integers or ranges `a-b`;
 * groups are separated by `;`, whitespace, or a comma followed by the next `kind=`. Kinds:
 *
 * - `fail=3,7`: those frames throw on every attempt;
 * - `flaky=2,5`: those frames throw on their first attempt only;
 * - `hang=4`: the filter never returns, so the per-attempt time limit ends it;
 * - `slow=8`: the filter thread busy-waits {@link SLOW_MS} (1 s) before filtering, on every
 *   attempt: with a shorter time limit the pool terminates and replaces the thread.
 *
 * Example: `fail=3,7;flaky=2,5;hang=4` (same as `fail=3,7,flaky=2,5,hang=4`).
 */
import { FaultSpecError } from "./errors.ts";

/** Name of the environment variable read by {@link faultFromEnv}. */
export const FAULT_ENV = "VFRAME_FAULT";

/** The kinds of injected fault. */
export type FaultKind = "fail" | "flaky" | "hang" | "slow";

/** Parsed fault switch: which frame indices misbehave, by kind. */
export interface FaultPlan {
  fail: ReadonlySet<number>;
  flaky: ReadonlySet<number>;
  hang: ReadonlySet<number>;
  slow: ReadonlySet<number>;
}

/** How long a `slow` frame keeps its filter thread busy: 1000 ms. */
export const SLOW_MS = 1000;

/** What a worker must do with one attempt of one frame. */
export type FaultAction = "none" | "fail" | "hang" | "slow";

const KINDS: readonly FaultKind[] = ["fail", "flaky", "hang", "slow"];
/** Ranges larger than this are rejected (a typo guard; tests use a handful of frames). */
const MAX_RANGE = 1_000_000;

/** A plan with no faults. */
export const NO_FAULTS: FaultPlan = Object.freeze({
  fail: new Set<number>(),
  flaky: new Set<number>(),
  hang: new Set<number>(),
  slow: new Set<number>(),
});

/**
 * Parses a fault switch. `undefined`, `""` and whitespace give {@link NO_FAULTS}.
 * @throws FaultSpecError pointing at the bad token.
 */
export function parseFault(text: string | undefined): FaultPlan {
  if (text === undefined || text.trim() === "") return NO_FAULTS;
  if (typeof text !== "string") {
    throw new FaultSpecError(`fault spec must be a string, got ${typeof text}`);
  }
  const sets: Record<FaultKind, Set<number>> = {
    fail: new Set(),
    flaky: new Set(),
    hang: new Set(),
    slow: new Set(),
  };
  let kind: FaultKind | undefined;
  const tokens = text.split(/[\s;,]+/).filter((t) => t !== "");
  for (const token of tokens) {
    let item = token;
    const eq = token.indexOf("=");
    if (eq >= 0) {
      const name = token.slice(0, eq).trim();
      if (!(KINDS as readonly string[]).includes(name)) {
        throw new FaultSpecError(
          `unknown fault kind '${name}' in '${text}' (expected one of ${KINDS.join(", ")})`,
        );
      }
      kind = name as FaultKind;
      item = token.slice(eq + 1);
      if (item === "") {
        throw new FaultSpecError(`fault kind '${name}' has no frame indices in '${text}'`);
      }
    }
    if (kind === undefined) {
      throw new FaultSpecError(
        `fault spec must start with kind=INDICES (e.g. fail=3,7), got '${token}' in '${text}'`,
      );
    }
    for (const index of parseIndices(item, text)) sets[kind].add(index);
  }
  return sets;
}

function parseIndices(item: string, text: string): number[] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(item);
  if (!m) {
    throw new FaultSpecError(
      `bad frame index '${item}' in fault spec '${text}' (expected N or A-B)`,
    );
  }
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from || to - from > MAX_RANGE) {
    throw new FaultSpecError(`bad frame range '${item}' in fault spec '${text}'`);
  }
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/**
 * What attempt number `attempt` (1-based) of frame `index` must do under `plan`:
 * `hang` for hang frames, `fail` for fail frames and for flaky frames on attempt 1, `slow` for
 * slow frames, else `none` (in that order of precedence).
 */
export function faultAction(plan: FaultPlan, index: number, attempt: number): FaultAction {
  if (plan.hang.has(index)) return "hang";
  if (plan.fail.has(index)) return "fail";
  if (attempt <= 1 && plan.flaky.has(index)) return "fail";
  if (plan.slow.has(index)) return "slow";
  return "none";
}

/** True when the plan injects no fault at all. */
export function isNoFault(plan: FaultPlan): boolean {
  return plan.fail.size + plan.flaky.size + plan.hang.size + plan.slow.size === 0;
}

/**
 * The raw `VFRAME_FAULT` value, or `undefined` when it is unset or env access is not granted.
 */
export function faultFromEnv(): string | undefined {
  try {
    return Deno.env.get(FAULT_ENV);
  } catch {
    return undefined;
  }
}
