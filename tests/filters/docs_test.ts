import assert from "node:assert/strict";
import { BEGIN, END, filtersMarkdown, updateDoc } from "../../src/filters/docs.ts";

Deno.test("docs/filters.md lists the registry as it is (regenerate: deno run -A src/filters/docs.ts --write)", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/filters.md", import.meta.url));
  assert.ok(
    doc.includes(`${BEGIN}\n\n${filtersMarkdown()}\n\n${END}`),
    "docs/filters.md is out of date",
  );
  assert.equal(updateDoc(doc), doc);
});

Deno.test("updateDoc replaces only the generated block", () => {
  const doc = `intro\n${BEGIN}\nold table\n${END}\noutro\n`;
  const updated = updateDoc(doc);
  assert.ok(updated.startsWith(`intro\n${BEGIN}\n\n| filter |`));
  assert.ok(updated.endsWith(`\n\n${END}\noutro\n`));
  assert.throws(() => updateDoc("no markers"), /must contain/);
});
