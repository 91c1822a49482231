import assert from "node:assert/strict";
import {
  chainFilterNames,
  prepareRemoteChain,
  remoteChainProblem,
} from "../../src/filters/remote_chain.ts";
import { assetRef, sha256Hex } from "../../src/filters/overlay_assets.ts";
import { compileChain } from "../../src/filters/compile.ts";

const LOGO = "tests/filters/fixtures/overlay_logo.png";
const REF = assetRef("ab".repeat(32));

Deno.test("chainFilterNames: each filter's name, quoted commas skipped", () => {
  assert.deepEqual(chainFilterNames("blur=3, overlay=file='a,b.png':x=1 ,invert"), [
    "blur",
    "overlay",
    "invert",
  ]);
  assert.deepEqual(chainFilterNames(""), []);
});

Deno.test("remoteChainProblem: overlay's file must be an image sent by reference, never a path", () => {
  for (
    const chain of [
      "blur=2,overlay=file=/etc/passwd",
      "overlay=x=1:file='/etc/passwd'",
      ` overlay = file = ${REF}x`,
      `overlay=file=${REF}:file=/etc/passwd`,
      `overlay=file=vframe-asset-'${"ab".repeat(32)}'`,
      `overlay=file=${REF.toUpperCase()}`,
    ]
  ) {
    assert.match(
      remoteChainProblem(chain) ?? "",
      /^overlay's file must be an image the client sends with the job/,
      chain,
    );
  }
  assert.equal(remoteChainProblem(`blur=2,overlay=file=${REF}:x=W-w-10:y=10`), undefined);
  assert.equal(remoteChainProblem(`overlay=x=1:y=2:file='${REF}'`), undefined);
  assert.equal(remoteChainProblem("overlay"), undefined, "no file: refused by the parser");
  assert.equal(remoteChainProblem("blur=2,drawbox=c='overlay'"), undefined);
  assert.equal(remoteChainProblem("blur=3,invert"), undefined);
});

Deno.test("prepareRemoteChain: paths become references, the images travel beside", () => {
  assert.deepEqual(prepareRemoteChain("blur=3, invert"), { filter: "blur=3, invert", assets: [] });
  const bytes = Deno.readFileSync(LOGO);
  const hash = sha256Hex(bytes);
  const remote = prepareRemoteChain(
    `scale=iw/2:ih/2,overlay=file=${LOGO}:x=W-w-4:y=2,overlay=file=${LOGO}`,
  );
  assert.ok(!remote.filter.includes(LOGO), remote.filter);
  assert.equal(remote.filter.split(assetRef(hash)).length - 1, 2, remote.filter);
  assert.equal(remoteChainProblem(remote.filter), undefined);
  assert.equal(remote.assets.length, 1, "one image named twice travels once");
  assert.equal(remote.assets[0].sha256, hash);
  assert.deepEqual(remote.assets[0].bytes, bytes);
  // The text parses back to the same chain (the image known here under its reference).
  const again = compileChain(remote.filter);
  assert.equal(again.length, 3);
  assert.match(remote.filter, /x=W-w-4/);
  assert.throws(() => prepareRemoteChain("overlay=file=/nonexistent.png"), /cannot read overlay/);
});
