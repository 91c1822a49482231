import assert from "node:assert/strict";
import { FILTERS, formatRange } from "../../src/filters/registry.ts";
import { filtersMarkdown } from "../../src/filters/docs.ts";
import type { FilterInfo } from "../../src/commands/filters.ts";
import { runDeno, vframe } from "./run_cli.ts";

Deno.test("vframe filters --json: every filter of the registry with params and ffmpeg", async () => {
  const run = await vframe(["filters", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const listed = JSON.parse(run.stdout) as FilterInfo[];
  assert.deepEqual(listed.map((f) => f.name), FILTERS.map((f) => f.name));
  for (const [i, f] of FILTERS.entries()) {
    const info = listed[i];
    assert.equal(info.description, f.description);
    assert.equal(info.ffmpeg, f.ffmpeg);
    assert.equal(info.differences, f.differences);
    assert.deepEqual(
      info.params.map((p) => [p.name, p.default, p.min, p.max, p.range, p.integer]),
      f.params.map((p) => [p.name, p.default, p.min, p.max, formatRange(p), p.integer ?? false]),
    );
  }
});

Deno.test("vframe filters: text with every filter, parameter default and range, ffmpeg", async () => {
  const run = await vframe(["filters"]);
  assert.equal(run.code, 0, run.stderr);
  for (const f of FILTERS) {
    assert.match(run.stdout, new RegExp(`^${f.name}: `, "m"));
    if (f.ffmpeg) assert.ok(run.stdout.includes(`ffmpeg: ${f.ffmpeg}`), f.name);
    for (const p of f.params) {
      assert.ok(run.stdout.includes(`${p.name}=${p.default}  range ${formatRange(p)}`), p.name);
    }
  }
  const one = await vframe(["filters", "blur"]);
  assert.match(one.stdout, /^blur: /m);
  assert.doesNotMatch(one.stdout, /^invert: /m);
  const md = await vframe(["filters", "--markdown"]);
  assert.equal(md.stdout.trim(), filtersMarkdown().trim());
});

Deno.test("deno task filters lists the filters; filter and client --help point to it", async () => {
  const task = await runDeno(["task", "-q", "filters", "--json"]);
  assert.equal(task.code, 0, task.stderr);
  assert.equal((JSON.parse(task.stdout) as FilterInfo[]).length, FILTERS.length);
  for (const command of ["filter", "client"]) {
    const help = await vframe([command, "--help"]);
    assert.match(help.stdout, /vframe filters \(deno task filters\)/, command);
  }
  const top = await vframe(["--help"]);
  assert.match(top.stdout, /^ {2}filters +List every filter/m);
});
