/**
 * `POST /api/jobs/:id/cancel`, driven in-process through the handler: the method (405), the
 * same-origin guard (403), the server's token (401), unknown (404) and finished jobs (409), and a
 * running job asked to stop (202) through the registry's JobControl.
 */
import assert from "node:assert/strict";
import { createPreviewHandler, type PreviewHandler } from "../../src/preview/handler.ts";
import { matchRoute } from "../../src/preview/routes.ts";
import { VframeMetrics } from "../../src/preview/metrics.ts";
import type { ServerAuth } from "../../src/server/auth.ts";
import { JobRegistry } from "../../src/server/registry.ts";
import { makeResult } from "./fixtures.ts";

const TOKEN = "s3cret-token-for-tests-0123456789";
const ORIGIN = "http://127.0.0.1:8080";

/**
 * A registry with a running job `run-1` whose cancels are recorded, a finished `done-1` and a
 * hand-fed `fed-1`; `auth` null gives the handler no access control at all.
 */
function setup(auth: ServerAuth | null = { mode: "token", token: TOKEN }) {
  const registry = new JobRegistry();
  const cancels: string[] = [];
  const running = registry.add(makeResult("run-1"));
  running.control = {
    progress: () => ({
      stage: "process",
      bytesReceived: 1,
      framesTotal: 48,
      framesDecoded: 48,
      framesProcessed: 10,
      framesEncoded: 9,
      fallbackFrames: 0,
      fps: 5,
      elapsedMs: 2000,
    }),
    cancel: (reason) => cancels.push(reason),
  };
  registry.add(makeResult("done-1", { state: "done" }));
  registry.add(makeResult("fed-1")); // running, but no job to ask (hand-fed)
  const handler = createPreviewHandler({
    registry,
    metrics: new VframeMetrics(),
    auth: auth ?? undefined,
  });
  return { registry, cancels, handler };
}

/** A same-origin POST as the dashboard sends it, with `headers` on top. */
function post(h: PreviewHandler, path: string, headers: Record<string, string> = {}) {
  return h.handle(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      headers: { origin: ORIGIN, "sec-fetch-site": "same-origin", ...headers },
    }),
  );
}

async function refused(res: Response, status: number, message: RegExp): Promise<void> {
  const body = await res.json();
  assert.equal(res.status, status, JSON.stringify(body));
  assert.match(body.error, message);
}

const bearer = { authorization: `Bearer ${TOKEN}` };

Deno.test("cancel route: POST only there, GET/HEAD only elsewhere (405 with Allow)", async () => {
  assert.deepEqual(matchRoute("POST", new URL("/api/jobs/j/cancel", ORIGIN)), {
    kind: "cancel",
    id: "j",
  });
  const { handler, cancels } = setup();
  for (const method of ["GET", "HEAD", "PUT", "DELETE"]) {
    const res = await handler.handle(
      new Request(new URL("/api/jobs/run-1/cancel", ORIGIN), { method }),
    );
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get("allow"), "POST");
    await res.body?.cancel();
  }
  const elsewhere = await post(handler, "/api/jobs/run-1", bearer);
  assert.equal(elsewhere.headers.get("allow"), "GET, HEAD");
  await refused(elsewhere, 405, /use GET or HEAD/);
  await refused(await post(handler, "/api/jobs/run-1/cancel?now=1", bearer), 400, /unknown query/);
  assert.deepEqual(cancels, [], "nothing was cancelled");
});

Deno.test("cancel route: cross-site requests are 403 whatever the token", async () => {
  const { handler, cancels } = setup();
  const cases: Record<string, string>[] = [
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "same-site" },
    { "sec-fetch-site": "none" },
    { origin: "http://evil.example" },
    { origin: "http://127.0.0.1:8081" }, // another port is another origin
    { origin: "https://127.0.0.1:8080" },
    { origin: "null" },
  ];
  for (const headers of cases) {
    const res = await post(handler, "/api/jobs/run-1/cancel", { ...bearer, ...headers });
    await refused(res, 403, /cancel refused: the request came from/);
  }
  assert.deepEqual(cancels, []);
  // The security headers are on refusals too.
  const res = await post(handler, "/api/jobs/run-1/cancel", { origin: "http://evil.example" });
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  await res.body?.cancel();
});

Deno.test("cancel route: the server's token is required (401 with WWW-Authenticate)", async () => {
  const { handler, cancels } = setup();
  const none = await post(handler, "/api/jobs/run-1/cancel");
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer /);
  await refused(none, 401, /cancel needs the server's token.*Authorization: Bearer/);
  await refused(
    await post(handler, "/api/jobs/run-1/cancel", { authorization: `Basic ${btoa("a:b")}` }),
    401,
    /not of that form/,
  );
  await refused(
    await post(handler, "/api/jobs/run-1/cancel", { authorization: `Bearer ${TOKEN}x` }),
    401,
    /wrong token/,
  );
  await refused(
    await post(handler, "/api/jobs/run-1/cancel", { authorization: `Bearer ${TOKEN.slice(1)}` }),
    401,
    /wrong token/,
  );
  assert.deepEqual(cancels, []);
});

Deno.test("cancel route: 202 asks the running job to stop; 404 unknown; 409 finished", async () => {
  const { handler, cancels } = setup();
  const ok = await post(handler, "/api/jobs/run-1/cancel", bearer);
  assert.equal(ok.status, 202);
  assert.deepEqual(await ok.json(), { jobId: "run-1", state: "cancelling" });
  assert.deepEqual(cancels, ["cancelled through the preview (POST /api/jobs/run-1/cancel)"]);
  await refused(await post(handler, "/api/jobs/nope/cancel", bearer), 404, /no job 'nope'/);
  await refused(
    await post(handler, "/api/jobs/done-1/cancel", bearer),
    409,
    /job done-1 already ended \(done\)/,
  );
  await refused(await post(handler, "/api/jobs/fed-1/cancel", bearer), 409, /not running/);
  // A program (no Origin, no Sec-Fetch-Site) with the token may cancel too.
  const curl = await handler.handle(
    new Request(new URL("/api/jobs/run-1/cancel", ORIGIN), { method: "POST", headers: bearer }),
  );
  assert.equal(curl.status, 202);
  await curl.body?.cancel();
  assert.equal(cancels.length, 2);
});

Deno.test("cancel route: --no-auth servers need no token; no access control given: off", async () => {
  const open = setup({ mode: "none" });
  const ok = await post(open.handler, "/api/jobs/run-1/cancel");
  assert.equal(ok.status, 202);
  await ok.body?.cancel();
  assert.equal(open.cancels.length, 1);
  // Same origin is still required.
  const evil = await post(open.handler, "/api/jobs/run-1/cancel", {
    origin: "http://evil.example",
  });
  await refused(evil, 403, /came from http:\/\/evil.example/);

  const off = setup(null);
  await refused(
    await post(off.handler, "/api/jobs/run-1/cancel", bearer),
    403,
    /cancel is off/,
  );
  assert.deepEqual(off.cancels, []);
});

Deno.test("JobRegistry.cancel: answers for each kind of job", () => {
  const { registry, cancels } = setup();
  assert.equal(registry.cancel("nope", "x"), "unknown");
  assert.equal(registry.cancel("done-1", "x"), "finished");
  assert.equal(registry.cancel("fed-1", "x"), "uncontrolled");
  assert.equal(registry.cancel("run-1", "because"), "cancelling");
  assert.deepEqual(cancels, ["because"]);
});
