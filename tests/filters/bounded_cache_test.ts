import assert from "node:assert/strict";
import { BoundedCache } from "../../src/filters/bounded_cache.ts";

Deno.test("BoundedCache: keeps the most recently used entries", () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1); // a is now the most recent
  cache.set("c", 3); // drops b
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), 1);
  assert.equal(cache.get("c"), 3);
  assert.equal(cache.size, 2);
  cache.set("c", 4); // overwriting does not grow it
  assert.equal(cache.size, 2);
  assert.equal(cache.get("c"), 4);
  cache.clear();
  assert.equal(cache.size, 0);
});

Deno.test("BoundedCache: checks its capacity", () => {
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => new BoundedCache(bad), {
      name: "RangeError",
      message: `cache capacity must be an integer >= 1, got ${bad}`,
    });
  }
  assert.equal(new BoundedCache(1).capacity, 1);
});
