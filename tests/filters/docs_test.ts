import assert from "node:assert/strict";
import {
  BEGIN,
  DOC_FILES,
  END,
  filtersMarkdown,
  generatedBlock,
  normalizeMarkdown,
  updateDoc,
} from "../../src/filters/docs.ts";

for (const file of DOC_FILES) {
  Deno.test(`${file} lists the registry as it is (regenerate: deno run -A src/filters/docs.ts --write)`, async () => {
    const doc = await Deno.readTextFile(new URL(`../../${file}`, import.meta.url));
    const block = generatedBlock(doc);
    assert.ok(block !== undefined, `${file} has lost its generated-block markers`);
    assert.equal(
      normalizeMarkdown(block),
      normalizeMarkdown(filtersMarkdown()),
      `${file} is out of date`,
    );
  });
}

Deno.test("updateDoc replaces only the generated block", () => {
  const doc = `intro\n${BEGIN}\nold table\n${END}\noutro\n`;
  const updated = updateDoc(doc);
  assert.ok(updated.startsWith(`intro\n${BEGIN}\n\n| filter |`));
  assert.ok(updated.endsWith(`\n\n${END}\noutro\n`));
  assert.equal(normalizeMarkdown(generatedBlock(updated)!), normalizeMarkdown(filtersMarkdown()));
  assert.throws(() => updateDoc("no markers"), /must contain/);
});

Deno.test("normalizeMarkdown ignores table padding and wrapping, not content", () => {
  assert.equal(
    normalizeMarkdown("| a  |  b |\n| --- | ------ |"),
    normalizeMarkdown("|a|b|\n|---|---|"),
  );
  assert.equal(normalizeMarkdown("- one two\n  three"), normalizeMarkdown("- one two three"));
  assert.notEqual(normalizeMarkdown("| a | b |"), normalizeMarkdown("| a | c |"));
});
