import assert from "node:assert/strict";
import { chainSteps, chainText, compileChain, isCompiledChain } from "../../src/filters/compile.ts";
import { FilterChainError } from "../../src/filters/errors.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FILTERS } from "../../src/filters/registry.ts";
import type { FilterChain } from "../../src/filters/types.ts";

Deno.test("compileChain: text, plain chains and compiled chains give the same frozen chain", () => {
  const text = "blur=3, eq=0.1:gamma=2 ,grayscale";
  const compiled = compileChain(text);
  assert.ok(isCompiledChain(compiled));
  assert.deepEqual([...compiled], parseChain(text));
  assert.ok(Object.isFrozen(compiled));
  for (const spec of compiled) {
    assert.ok(Object.isFrozen(spec));
    assert.ok(Object.isFrozen(spec.params));
  }
  assert.throws(() => {
    (compiled[0].params as Record<string, number>).sigma = 5;
  }, TypeError);
  assert.equal(compileChain(compiled), compiled, "a compiled chain is returned as it is");
  assert.equal(compileChain(text), compiled, "the same text gives the same object");
  assert.equal(compileChain(chainText(compiled)), compiled, "so does its canonical text");
  assert.equal(compileChain(parseChain(text)), compiled, "and an equal plain chain");
  assert.equal(chainText(compiled), "blur=sigma=3,eq=brightness=0.1:contrast=1:gamma=2,grayscale");
});

Deno.test("compileChain: a plain chain is copied, not frozen in place; -0 becomes 0", () => {
  const plain: FilterChain = [{ name: "eq", params: { gamma: 2, brightness: -0, contrast: 1 } }];
  const compiled = compileChain(plain);
  assert.ok(!Object.isFrozen(plain));
  assert.notEqual(compiled[0], plain[0]);
  assert.ok(Object.is(compiled[0].params.brightness, 0));
  plain[0].params.gamma = 3;
  assert.equal(compiled[0].params.gamma, 2, "later changes to the plain chain do not leak in");
  assert.deepEqual(Object.keys(compiled[0].params), ["brightness", "contrast", "gamma"]);
});

Deno.test("compileChain: the empty chain", () => {
  for (const empty of ["", "  ", []]) {
    const c = compileChain(empty as string | FilterChain);
    assert.ok(isCompiledChain(c));
    assert.equal(c.length, 0);
    assert.equal(chainText(c), "");
  }
});

Deno.test("compileChain: invalid chains throw FilterChainError, text ones with their position", () => {
  assert.throws(() => compileChain("blur,blurr"), (e: unknown) => {
    assert.ok(e instanceof FilterChainError);
    assert.equal(e.position, 5);
    assert.equal(e.unknownFilter, true);
    return true;
  });
  assert.throws(() => compileChain([{ name: "blur", params: { sigma: 0 } }]), (e: unknown) => {
    assert.ok(e instanceof FilterChainError);
    assert.equal(e.message, "filter 0 ('blur'): sigma must be in (0, 100], got 0");
    assert.equal(e.position, -1);
    return true;
  });
  assert.throws(() => compileChain(7 as unknown as string), FilterChainError);
  assert.throws(() => compileChain({} as unknown as FilterChain), FilterChainError);
});

Deno.test("isCompiledChain: look-alikes are not compiled chains", () => {
  const parsed = parseChain("invert");
  assert.equal(isCompiledChain(parsed), false);
  assert.equal(isCompiledChain(Object.freeze(parsed)), false);
  assert.equal(isCompiledChain([...compileChain("invert")]), false);
  assert.equal(isCompiledChain(null), false);
  assert.equal(isCompiledChain("invert"), false);
});

Deno.test("chainSteps: each filter's module and plan, computed once per compiled chain", () => {
  const chain = compileChain("blur=5,eq=gamma=1.5,invert");
  const steps = chainSteps(chain);
  assert.equal(chainSteps(chain), steps, "remembered with the chain");
  assert.deepEqual(steps.map((s) => s.filter.name), ["blur", "eq", "invert"]);
  assert.deepEqual(steps[0].plan, [
    { kind: "box", radius: 4 },
    { kind: "box", radius: 4 },
    { kind: "box", radius: 5 },
  ]);
  assert.equal((steps[1].plan as { kind: string }).kind, "table");
  assert.equal(steps[2].plan, chain[2].params, "no plan: the params themselves");
  assert.ok(Object.isFrozen(steps) && Object.isFrozen(steps[0]));
});

Deno.test("compileChain: every filter's examples compile and name that filter", () => {
  for (const f of FILTERS) {
    for (const example of f.examples) {
      assert.ok(compileChain(example).some((s) => s.name === f.name), `${f.name}: ${example}`);
    }
    for (const [ours] of f.ffmpegExact ?? []) {
      assert.ok(compileChain(ours).some((s) => s.name === f.name), `${f.name}: ${ours}`);
    }
  }
});
