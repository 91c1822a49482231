import assert from "node:assert/strict";
import {
  CHAIN_CODEC_VERSION,
  DECODE_CACHE_SIZE,
  decodeChain,
  encodeChain,
} from "../../src/filters/chain_codec.ts";
import { compileChain, isCompiledChain } from "../../src/filters/compile.ts";
import { FilterChainError, FilterChainVersionError } from "../../src/filters/errors.ts";
import { parseChain } from "../../src/filters/parse.ts";
import { FILTERS } from "../../src/filters/registry.ts";

Deno.test("encodeChain: 'v1:' and the canonical text", () => {
  assert.equal(CHAIN_CODEC_VERSION, 1);
  assert.equal(encodeChain("blur=3,grayscale"), "v1:blur=sigma=3,grayscale");
  assert.equal(encodeChain(parseChain("boxblur=5:1")), "v1:boxblur=radius=5:passes=1");
  assert.equal(encodeChain(compileChain("eq=0.1")), "v1:eq=brightness=0.1:contrast=1:gamma=1");
  assert.equal(encodeChain(""), "v1:");
  assert.throws(() => encodeChain("blurr"), FilterChainError);
  assert.throws(() => encodeChain([{ name: "blur", params: {} }]), FilterChainError);
});

Deno.test("decodeChain: round trip of every filter's examples, and the empty chain", () => {
  for (const text of [...FILTERS.flatMap((f) => f.examples), "", "blur=2,edges,vflip"]) {
    const encoded = encodeChain(text);
    const decoded = decodeChain(encoded);
    assert.ok(isCompiledChain(decoded), text);
    assert.deepEqual([...decoded], parseChain(text), text);
    assert.equal(encodeChain(decoded), encoded, text);
  }
  assert.equal(decodeChain("v1:").length, 0);
  assert.deepEqual([...decodeChain("v1: blur = 3 ")], parseChain("blur=3"), "any valid text");
});

Deno.test("decodeChain: an unknown version names the version seen and the one spoken", () => {
  for (const [text, seen] of [["v2:blur=sigma=3", "v2"], ["v0:", "v0"], ["v01:invert", "v01"]]) {
    assert.throws(() => decodeChain(text), (e: unknown) => {
      assert.ok(e instanceof FilterChainVersionError);
      assert.ok(e instanceof FilterChainError, "a FilterChainError");
      assert.equal(e.name, "FilterChainVersionError");
      assert.equal(e.code, "bad-filter");
      assert.equal(e.seenVersion, seen);
      assert.equal(e.supportedVersion, "v1");
      assert.equal(e.message, `unsupported filter chain encoding ${seen}: this build speaks v1`);
      return true;
    });
  }
});

Deno.test("decodeChain: text that is not an encoded chain, or a bad chain", () => {
  const notEncoded: [string, string][] = [
    [
      "blur=sigma=3",
      "not an encoded filter chain: expected 'v1:' and the chain, got 'blur=sigma=3'",
    ],
    ["vflip", "not an encoded filter chain: expected 'v1:' and the chain, got 'vflip'"],
    ["", "not an encoded filter chain: expected 'v1:' and the chain, got ''"],
    [
      "1:" + "x".repeat(60),
      `not an encoded filter chain: expected 'v1:' and the chain, got '1:${"x".repeat(38)}…'`,
    ],
  ];
  for (const [text, message] of notEncoded) {
    assert.throws(() => decodeChain(text), (e: unknown) => {
      assert.ok(e instanceof FilterChainError);
      assert.ok(!(e instanceof FilterChainVersionError));
      assert.equal(e.message, message);
      return true;
    });
  }
  assert.throws(() => decodeChain("v1:blurr=2"), (e: unknown) => {
    assert.ok(e instanceof FilterChainError);
    assert.equal(e.unknownFilter, true);
    assert.equal(e.position, 0, "counted from after the prefix");
    return true;
  });
  assert.throws(() => decodeChain("v1:blur=-1"), /sigma must be in \(0, 100\], got -1/);
  assert.throws(() => decodeChain(3 as unknown as string), {
    name: "FilterChainError",
    message: "an encoded filter chain must be a string, got number",
  });
});

Deno.test("decodeChain: remembers recent texts and returns the same object", () => {
  const text = encodeChain("sharpen=2:1.5,hflip");
  const first = decodeChain(text);
  assert.equal(decodeChain(text), first);
  // Many other chains later (more than the cache holds) it still decodes to an equal chain.
  for (let level = 0; level < DECODE_CACHE_SIZE + 5; level++) {
    decodeChain(`v1:threshold=${level}`);
  }
  assert.deepEqual([...decodeChain(text)], [...first]);
});
