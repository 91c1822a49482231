/**
 * The chaos suite (scripts/chaos.ts, docs/reliability.md): its runner must turn a failed check,
 * an exception, a time-out or a fault that checked nothing into FAIL; and its short form, run as
 * `deno task chaos` runs it (a child process starting real servers, redis-servers and workers),
 * must pass every fault. Needs ffmpeg and redis-server (scripts/setup-system.sh installs them).
 */
import assert from "node:assert/strict";
import { parseArgs } from "../../scripts/chaos.ts";
import { FAULTS } from "../../scripts/chaos/faults/mod.ts";
import { type FaultOutcome, formatDetails, formatTable } from "../../scripts/chaos/report.ts";
import { type Fault, type FaultContext, runSuite } from "../../scripts/chaos/suite.ts";

const DENO = new URL("../../node_modules/deno/deno", import.meta.url).pathname;
const SCRIPT = new URL("../../scripts/chaos.ts", import.meta.url).pathname;

function fake(n: number, id: string, run: (ctx: FaultContext) => Promise<void>): Fault {
  return { n, id, title: id, short: true, needs: [], budget: { setupS: 0.5, perRunS: 0 }, run };
}

Deno.test("chaos runner: a failed check, a throw, a time-out or no check at all is a FAIL", async () => {
  const faults = [
    fake(1, "passes", async (ctx) => {
      for (let run = 1; run <= ctx.runs; run++) {
        ctx.rec.runs = run;
        ctx.rec.addFrames(10, 10, 0);
        ctx.rec.aliveAfter(true, "ok");
      }
      await Promise.resolve();
    }),
    fake(2, "check-fails", async (ctx) => {
      ctx.rec.runs = 1;
      ctx.rec.check("holds", true);
      ctx.rec.check("does not hold", false, "the detail");
      await Promise.resolve();
    }),
    fake(3, "throws", async (ctx) => {
      ctx.rec.check("holds", true);
      await Promise.resolve();
      throw new Error("boom");
    }),
    fake(4, "too-slow", async (ctx) => {
      ctx.rec.check("holds", true);
      // Ends when the runner gives up on it (after 0.5 s), so no timer outlives the test.
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
    }),
    fake(5, "checks-nothing", () => Promise.resolve()),
  ];
  const report = await runSuite({ faults, runs: 2 });
  const by = Object.fromEntries(report.outcomes.map((o) => [o.id, o]));
  assert.deepEqual(
    report.outcomes.map((o) => [o.id, o.verdict]),
    [
      ["passes", "PASS"],
      ["check-fails", "FAIL"],
      ["throws", "FAIL"],
      ["too-slow", "FAIL"],
      ["checks-nothing", "FAIL"],
    ],
  );
  assert.equal(report.passed, false);
  assert.deepEqual(by.passes.frames, { expected: 20, out: 20, fallback: 0 });
  assert.equal(by.passes.alive, true);
  assert.match(JSON.stringify(by["check-fails"].checks), /the detail/);
  assert.match(JSON.stringify(by.throws.checks), /boom/);
  assert.match(JSON.stringify(by["too-slow"].checks), /still running after 0.5 s/);
  const table = formatTable(report.outcomes);
  assert.match(table, /\| check-fails +\| +1 \|.*\| FAIL +\|/);
  assert.match(formatDetails(report.outcomes), /✗ does not hold: the detail/);
  // Failed faults keep their folder for the logs; clean it up here.
  if (report.dir) await Deno.remove(report.dir, { recursive: true });
});

Deno.test("chaos command line", () => {
  assert.deepEqual(parseArgs(["--short", "--runs", "3", "--only=7,worker-kill", "--json"]), {
    short: true,
    runs: 3,
    only: ["7", "worker-kill"],
    json: true,
    keep: false,
    verbose: false,
    list: false,
    help: false,
  });
  assert.throws(() => parseArgs(["--runs", "0"]), /--runs must be an integer 1\.\.100/);
  assert.throws(() => parseArgs(["--only"]), /--only needs a value/);
  assert.throws(() => parseArgs(["--bogus"]), /unknown option '--bogus'/);
});

Deno.test({
  name: "chaos --short: every fault passes against real servers, Redis and workers",
  // The whole short form: about a minute alone, more beside the other tests.
  async fn() {
    const t0 = performance.now();
    const out = await new Deno.Command(DENO, {
      args: ["run", "-A", SCRIPT, "--short", "--json"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    let report: { outcomes: FaultOutcome[]; passed: boolean; dir?: string };
    try {
      report = JSON.parse(stdout);
    } catch {
      assert.fail(`no JSON report from scripts/chaos.ts (exit ${out.code}):\n${stderr}\n${stdout}`);
    }
    console.log(
      `${formatTable(report.outcomes)}\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const failed = report.outcomes.filter((o) => o.verdict !== "PASS");
    assert.deepEqual(
      failed.map((o) => o.id),
      [],
      `failed faults:\n${formatDetails(failed)}\n\nstderr:\n${stderr}`,
    );
    // Every fault of the short form ran (none skipped or lost), and each checked something.
    assert.deepEqual(
      report.outcomes.map((o) => o.id),
      FAULTS.filter((f) => f.short).map((f) => f.id),
    );
    for (const o of report.outcomes) assert.ok(o.checks.length > 0 && o.runs >= 1, o.id);
    assert.equal(report.passed, true);
    assert.equal(out.code, 0, stderr);
  },
});
