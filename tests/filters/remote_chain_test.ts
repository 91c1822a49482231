import assert from "node:assert/strict";
import { chainFilterNames, remoteChainProblem } from "../../src/filters/remote_chain.ts";

Deno.test("chainFilterNames: each filter's name, quoted commas skipped", () => {
  assert.deepEqual(chainFilterNames("blur=3, overlay=file='a,b.png':x=1 ,invert"), [
    "blur",
    "overlay",
    "invert",
  ]);
  assert.deepEqual(chainFilterNames(""), []);
});

Deno.test("remoteChainProblem: overlay is refused over the network, other chains are not", () => {
  assert.match(
    remoteChainProblem("blur=2,overlay=file=/etc/passwd")!,
    /^overlay needs the image on the server: not supported over the network yet/,
  );
  assert.ok(remoteChainProblem(" overlay") !== undefined);
  assert.equal(remoteChainProblem("blur=2,drawbox=c='overlay'"), undefined);
  assert.equal(remoteChainProblem("blur=3,invert"), undefined);
});
