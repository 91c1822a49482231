/**
 * The accept loop survives what single connections and a short-of-descriptors process do to
 * `accept()`: classification (pure), the loop against a scripted listener, and the real thing —
 * connections reset before the server accepts them, then a real job.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { startServerStack } from "../../src/commands/stack.ts";
import {
  acceptLoop,
  type AcceptLoopOptions,
  classifyAcceptError,
} from "../../src/server/listener.ts";
import { makeSampleVideo } from "../helpers/video.ts";

const RST_CONNECT = new URL("./rst_connect.ts", import.meta.url).pathname;

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

Deno.test("classifyAcceptError: per-connection, resource, closed, other", () => {
  const cases: [unknown, string][] = [
    [
      new Deno.errors.NotConnected("Transport endpoint is not connected (os error 107)"),
      "connection",
    ],
    [new Deno.errors.ConnectionReset("reset"), "connection"],
    [new Deno.errors.ConnectionAborted("aborted"), "connection"],
    [new Deno.errors.Interrupted("interrupted"), "connection"],
    [withCode("Software caused connection abort (os error 103)", "ECONNABORTED"), "connection"],
    [withCode("Protocol error (os error 71)", "EPROTO"), "connection"],
    [withCode("Operation not permitted (os error 1)", "EPERM"), "connection"],
    [new Error("Transport endpoint is not connected (os error 107)"), "connection"],
    [withCode("Too many open files (os error 24)", "EMFILE"), "resource"],
    [withCode("Too many open files in system (os error 23)", "ENFILE"), "resource"],
    [new Error("No buffer space available (os error 105)"), "resource"],
    [withCode("Cannot allocate memory (os error 12)", "ENOMEM"), "resource"],
    [new Deno.errors.BadResource("Listener has been closed"), "closed"],
    [new Error("something new"), "other"],
    ["a string", "other"],
    [null, "other"],
  ];
  for (const [error, kind] of cases) {
    assert.equal(classifyAcceptError(error), kind, `${String((error as Error)?.message ?? error)}`);
  }
});

/** A listener whose accept() plays a script: errors to throw, or connections to return. */
function scriptedListener(script: (Error | "conn")[], onEnd: () => void) {
  const calls: number[] = [];
  const closed: number[] = [];
  let i = 0;
  return {
    calls,
    closed,
    accept(): Promise<Deno.Conn> {
      calls.push(performance.now());
      const step = script[i++];
      if (step === undefined) {
        onEnd();
        return Promise.reject(new Deno.errors.BadResource("Listener has been closed"));
      }
      if (step === "conn") {
        const n = i;
        return Promise.resolve({ close: () => closed.push(n) } as unknown as Deno.Conn);
      }
      return Promise.reject(step);
    },
  };
}

Deno.test("acceptLoop: per-connection errors never stop it; resource errors back off, doubling", async () => {
  const lines: string[] = [];
  const accepted: Deno.Conn[] = [];
  const stop = new AbortController();
  const emfile = () => withCode("Too many open files (os error 24)", "EMFILE");
  const listener = scriptedListener([
    new Deno.errors.NotConnected("Transport endpoint is not connected (os error 107)"),
    new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)"),
    withCode("Software caused connection abort (os error 103)", "ECONNABORTED"),
    "conn",
    emfile(),
    emfile(),
    emfile(),
    emfile(),
    emfile(),
    "conn",
    emfile(),
    new Error("something unexpected"),
    "conn",
  ], () => {});
  const options: AcceptLoopOptions = {
    onConnection: (c) => accepted.push(c),
    signal: stop.signal,
    log: (l) => lines.push(l),
    backoffInitialMs: 10,
    backoffMaxMs: 80,
  };
  const stats = await acceptLoop(listener, options);
  assert.equal(accepted.length, 3);
  assert.deepEqual(stats.errors, { connection: 3, resource: 6, closed: 1, other: 1 });
  assert.equal(stats.accepted, 3);
  // Waits after the first run of EMFILE: 10, 20, 40, 80, 80 (capped); reset after a connection.
  const gaps = listener.calls.slice(1).map((t, i) => t - listener.calls[i]);
  const afterEmfile = gaps.slice(4, 9);
  const expected = [10, 20, 40, 80, 80];
  afterEmfile.forEach((gap, i) => assert.ok(gap >= expected[i] - 2, `gap ${i}: ${gap} ms`));
  assert.ok(gaps[10] >= 8 && gaps[10] < 60, `backoff restarts after a connection: ${gaps[10]} ms`);
  // No wait after per-connection errors.
  assert.ok(gaps.slice(0, 3).every((g) => g < 10), `no backoff: ${gaps.slice(0, 3)}`);
  // Throttled logs: the burst is summarised, the end is said.
  assert.ok(lines.length < 12, lines.join("\n"));
  assert.match(lines[0], /connection failed before it was accepted.*os error 107/);
  assert.ok(lines.some((l) => /more not logged/.test(l)), lines.join("\n"));
  assert.match(lines.at(-1)!, /listener stopped: Listener has been closed/);
});

Deno.test("acceptLoop: ends when the server closes, during a backoff and with a connection in hand", async () => {
  const stop = new AbortController();
  const emfiles = Array.from(
    { length: 50 },
    () => withCode("Too many open files (os error 24)", "EMFILE"),
  );
  const listener = scriptedListener(emfiles, () => {});
  const t0 = performance.now();
  const done = acceptLoop(listener, {
    onConnection: () => assert.fail("no connection expected"),
    signal: stop.signal,
    log: () => {},
    backoffInitialMs: 1000,
  });
  await new Promise((r) => setTimeout(r, 50));
  stop.abort();
  const stats = await done;
  assert.ok(performance.now() - t0 < 500, "the backoff wait is cut short");
  assert.equal(stats.errors.resource, 1);

  // Aborted while accept() was pending: the connection it returns is closed, not served.
  const stop2 = new AbortController();
  let resolveAccept!: (c: Deno.Conn) => void;
  let closed = 0;
  const pending = {
    accept: () => new Promise<Deno.Conn>((r) => (resolveAccept = r)),
  };
  const done2 = acceptLoop(pending, {
    onConnection: () => assert.fail("no connection expected"),
    signal: stop2.signal,
    log: () => {},
  });
  stop2.abort();
  resolveAccept({ close: () => closed++ } as unknown as Deno.Conn);
  await done2;
  assert.equal(closed, 1);
  await assert.rejects(
    acceptLoop(pending, {
      onConnection: () => {},
      signal: stop2.signal,
      log: () => {},
      backoffInitialMs: 0,
    }),
    RangeError,
  );
});

/** Resets `count` connections to the server while this process's event loop is blocked. */
function resetBeforeAccept(port: number, count: number): void {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RST_CONNECT, "127.0.0.1", String(port), String(count)],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, new RegExp(`reset ${count}\\b`));
}

Deno.test("server: connections reset before accept (ENOTCONN) do not stop the listener; a burst of 200 neither", async () => {
  const input = await makeSampleVideo({ width: 160, height: 120, seconds: 1, audio: false });
  const dir = await Deno.makeTempDir({ prefix: "vframe-rst-" });
  const lines: string[] = [];
  const stack = await startServerStack({
    host: "127.0.0.1",
    port: 0,
    preview: false,
    threads: 1,
    log: (l) => lines.push(l),
  });
  const server = stack.server;
  const job = async (name: string) => {
    const result = await runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${server.port}`,
      output: `${dir}/${name}.mp4`,
      connectTimeoutMs: 5_000,
      readTimeoutMs: 20_000,
    });
    assert.equal(result.state, "done");
  };
  try {
    // One reset before accept: the case that used to log "listener stopped: … (os error 107)".
    resetBeforeAccept(server.port, 1);
    await job("after-one");
    assert.ok(
      lines.some((l) => /accept: a connection failed before it was accepted.*os error 107/.test(l)),
      lines.join("\n"),
    );
    assert.ok(!lines.some((l) => /listener stopped/.test(l)), lines.join("\n"));

    // A burst of 200: 150 reset while the loop is blocked (in batches under the listen backlog),
    // 50 more while it runs, all bounded.
    for (let batch = 0; batch < 3; batch++) resetBeforeAccept(server.port, 50);
    const concurrent = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", RST_CONNECT, "127.0.0.1", String(server.port), "50"],
      stdout: "null",
      stderr: "null",
    }).output();
    await job("during-burst");
    assert.equal((await concurrent).code, 0);
    await job("after-burst");
    assert.ok(!lines.some((l) => /listener stopped/.test(l)), lines.join("\n"));
    // Logged, but throttled: far fewer lines than resets.
    const acceptLines = lines.filter((l) => /^accept: /.test(l));
    assert.ok(acceptLines.length >= 1 && acceptLines.length < 50, acceptLines.join("\n"));
    assert.equal(server.slotsInUse, 0);
  } finally {
    await stack.close();
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(!lines.some((l) => /listener stopped/.test(l)), "closing is not reported as a stop");
});
