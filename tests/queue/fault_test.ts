import assert from "node:assert/strict";
import { FaultSpecError } from "../../src/queue/errors.ts";
import { faultAction, isNoFault, NO_FAULTS, parseFault } from "../../src/queue/fault.ts";

const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);

Deno.test("parseFault: empty specs inject nothing", () => {
  for (const text of [undefined, "", "  "]) {
    const plan = parseFault(text);
    assert.equal(plan, NO_FAULTS);
    assert.ok(isNoFault(plan));
  }
});

Deno.test("parseFault: kinds, lists, ranges and separators", () => {
  const a = parseFault("fail=3,7;flaky=2,5 hang=4");
  assert.deepEqual(sorted(a.fail), [3, 7]);
  assert.deepEqual(sorted(a.flaky), [2, 5]);
  assert.deepEqual(sorted(a.hang), [4]);
  const b = parseFault("fail=3,7,flaky=2,5,hang=4");
  assert.deepEqual([sorted(b.fail), sorted(b.flaky), sorted(b.hang)], [[3, 7], [2, 5], [4]]);
  const d = parseFault("slow=8");
  assert.deepEqual(sorted(d.slow), [8]);
  const c = parseFault("flaky=0-3,10");
  assert.deepEqual(sorted(c.flaky), [0, 1, 2, 3, 10]);
  assert.equal(isNoFault(c), false);
});

Deno.test("parseFault: errors point at the bad token", () => {
  const cases: [string, RegExp][] = [
    ["boom=1", /unknown fault kind 'boom'/],
    ["3,7", /must start with kind=INDICES .* got '3'/],
    ["fail=", /'fail' has no frame indices/],
    ["fail=x", /bad frame index 'x'/],
    ["fail=-1", /bad frame index '-1'/],
    ["fail=5-2", /bad frame range '5-2'/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseFault(text),
      (e: Error) => e instanceof FaultSpecError && re.test(e.message),
      text,
    );
  }
});

Deno.test("faultAction: fail always, flaky on attempt 1 only, hang and slow always", () => {
  const plan = parseFault("fail=1;flaky=2;hang=3;slow=4,2");
  assert.deepEqual([1, 2].map((a) => faultAction(plan, 4, a)), ["slow", "slow"]);
  assert.deepEqual([1, 2, 3].map((a) => faultAction(plan, 1, a)), ["fail", "fail", "fail"]);
  assert.deepEqual([1, 2, 3].map((a) => faultAction(plan, 2, a)), ["fail", "slow", "slow"]);
  assert.deepEqual([1, 2].map((a) => faultAction(plan, 3, a)), ["hang", "hang"]);
  assert.equal(faultAction(plan, 0, 1), "none");
});
