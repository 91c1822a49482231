import assert from "node:assert/strict";
import { matchRoute } from "../../src/preview/routes.ts";
import { HttpError } from "../../src/preview/errors.ts";

const u = (path: string) => new URL(path, "http://127.0.0.1:8080");

function refused(method: string, path: string, status: number, message?: RegExp) {
  assert.throws(
    () => matchRoute(method, u(path)),
    (err: unknown) => {
      assert.ok(err instanceof HttpError, `${path}: ${err}`);
      assert.equal(err.status, status, `${method} ${path}: ${err.message}`);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

Deno.test("matchRoute: the routes the preview serves", () => {
  assert.deepEqual(matchRoute("GET", u("/")), { kind: "page" });
  assert.deepEqual(matchRoute("HEAD", u("/index.html")), { kind: "page" });
  assert.deepEqual(matchRoute("GET", u("/assets/app.js")), { kind: "asset", name: "app.js" });
  assert.deepEqual(matchRoute("GET", u("/favicon.ico")), { kind: "asset", name: "favicon.svg" });
  assert.deepEqual(matchRoute("GET", u("/metrics")), { kind: "metrics" });
  assert.deepEqual(matchRoute("GET", u("/api/jobs")), { kind: "jobs" });
  assert.deepEqual(matchRoute("GET", u("/api/status")), { kind: "status" });
  assert.deepEqual(matchRoute("GET", u("/api/events")), { kind: "events" });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/a1-b_2.c:3")), { kind: "job", id: "a1-b_2.c:3" });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/j/live")), { kind: "live", id: "j" });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/j/frames/0?variant=original")), {
    kind: "frame",
    id: "j",
    index: 0,
    variant: "original",
  });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/j/frames/2147483647")), {
    kind: "frame",
    id: "j",
    index: 2147483647,
    variant: "processed",
  });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/j/output.mp4")), {
    kind: "output",
    id: "j",
    download: false,
  });
  assert.deepEqual(matchRoute("GET", u("/api/jobs/j/output.mp4?download=1")), {
    kind: "output",
    id: "j",
    download: true,
  });
});

Deno.test("matchRoute: only GET and HEAD", () => {
  for (const m of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"]) {
    refused(m, "/api/jobs", 405, /use GET or HEAD/);
  }
});

Deno.test("matchRoute: bad frame indices, variants and parameters are 400", () => {
  for (
    const index of ["-1", "1.5", "01", "1e3", "0x1", "%31", "2147483648", "99999999999", "", " 1"]
  ) {
    refused("GET", `/api/jobs/j/frames/${index}`, 400, /bad frame index/);
  }
  refused("GET", "/api/jobs/j/frames/1?variant=both", 400, /bad variant 'both'/);
  refused("GET", "/api/jobs/j/frames/1?variant=", 400, /bad variant/);
  refused("GET", "/api/jobs/j/frames/1?variant=original&variant=processed", 400, /more than once/);
  refused("GET", "/api/jobs/j/frames/1?path=/etc/passwd", 400, /unknown query parameter 'path'/);
  refused("GET", "/api/jobs/j/output.mp4?download=yes", 400, /download must be 0 or 1/);
  refused("GET", "/api/jobs?x=1", 400, /unknown query parameter/);
  refused("GET", "/metrics?name=x", 400);
});

Deno.test("matchRoute: bad job ids are 400 and nothing else is reachable", () => {
  for (const id of ["%2e%2e%2fetc", "a%2Fb", ".hidden", "-x", "a b", "x".repeat(129), "a%00"]) {
    refused("GET", `/api/jobs/${id}`, 400, /bad job id/);
    refused("GET", `/api/jobs/${id}/frames/0`, 400, /bad job id/);
  }
  // The URL parser resolves dot segments (also %2e%2e) before routing; what is left is unknown.
  for (
    const path of [
      "/api/jobs/../../etc/passwd",
      "/api/jobs/%2e%2e/%2e%2e/etc/passwd",
      "/api/jobs/j/output.mp4/../../../../etc/passwd",
      "/assets/../../src/preview/server.ts",
      "/assets/app.js/x",
      "/assets/%2e%2e%2fserver.ts",
      "/api/jobs/j/frames",
      "/api/jobs/j/frames/1/2",
      "/api/jobs/j/output.mp5",
      "/api/jobs/",
      "//etc/passwd",
      "/etc/passwd",
      "/api",
    ]
  ) {
    refused("GET", path, 404);
  }
});
