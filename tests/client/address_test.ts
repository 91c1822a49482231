/**
 * `--server` values as people write them, and what the client says when the address leads
 * nowhere useful: a bare port, an IPv6 literal without brackets, an HTTP server (the preview) in
 * place of the job port, a port where nothing listens. Parser tests are pure; the others go
 * through `runJob` over real loopback sockets.
 */
import assert from "node:assert/strict";
import { parseServerAddress, runJob, ServerAddressError } from "../../src/client/client.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { isIpv6Literal } from "../../src/util/address.ts";
import { startFakeServer } from "./fake_server.ts";

const noEnv = (_name: string) => undefined;

/** The ServerAddressError that `parseServerAddress(text)` throws. */
function addressError(text: string): ServerAddressError {
  try {
    parseServerAddress(text);
  } catch (error) {
    assert.ok(error instanceof ServerAddressError, `${text}: ${error}`);
    assert.equal(exitCodeFor(error), 2);
    return error;
  }
  assert.fail(`'${text}' was accepted`);
}

Deno.test("parseServerAddress: a bare port means localhost:PORT", () => {
  assert.deepEqual(parseServerAddress("37599"), { hostname: "localhost", port: 37599 });
  assert.deepEqual(parseServerAddress(" 1 "), { hostname: "localhost", port: 1 });
  assert.deepEqual(parseServerAddress("65535"), { hostname: "localhost", port: 65535 });
  assert.match(addressError("0").message, /port must be 1\.\.65535, got '0'/);
  assert.match(addressError("70000").message, /port must be 1\.\.65535, got '70000'/);
  // Addresses that merely contain digits are not ports.
  assert.deepEqual(parseServerAddress("127.0.0.1"), { hostname: "127.0.0.1", port: 9090 });
  assert.deepEqual(parseServerAddress("10.0.0.7:9000"), { hostname: "10.0.0.7", port: 9000 });
});

Deno.test("parseServerAddress: an IPv6 literal followed by a port needs brackets", () => {
  const e = addressError("::1:37599");
  assert.match(e.message, /write IPv6 addresses in brackets: \[::1\]:37599/);
  assert.match(addressError("fe80::1%eth0:9090x").message, /not a valid IPv6 address/);
  assert.match(addressError("2001:db8::7:65536").message, /brackets: \[2001:db8::7\]:65536/);
  // Bare IPv6 literals without a port keep working, with the default port.
  assert.deepEqual(parseServerAddress("::1"), { hostname: "::1", port: 9090 });
  assert.deepEqual(parseServerAddress("fe80::1%eth0"), { hostname: "fe80::1%eth0", port: 9090 });
  assert.deepEqual(parseServerAddress("::ffff:127.0.0.1"), {
    hostname: "::ffff:127.0.0.1",
    port: 9090,
  });
  // `::1:9090` is itself a valid IPv6 address: taken as one (brackets say otherwise).
  assert.deepEqual(parseServerAddress("::1:9090"), { hostname: "::1:9090", port: 9090 });
  assert.deepEqual(parseServerAddress("[::1]:37599"), { hostname: "::1", port: 37599 });
});

Deno.test("parseServerAddress: every error says what to write instead", () => {
  assert.match(addressError("http://localhost:8080").message, /not a URL: write localhost:8080/);
  assert.match(addressError("tcp://[::1]:9090").message, /not a URL: write \[::1\]:9090/);
  assert.match(addressError("unix:/tmp/vframe.sock").message, /--unix \/tmp\/vframe\.sock/);
  assert.match(addressError("/tmp/vframe.sock").message, /--unix \/tmp\/vframe\.sock/);
  assert.match(addressError("host:abc").message, /got 'abc'.*e\.g\. localhost:9090/);
  assert.match(addressError(":9090").message, /has no host.*e\.g\. localhost:9090/);
  assert.match(addressError("[::1").message, /expected \[IPv6\]:PORT/);
  assert.match(addressError("[nohost]:90").message, /'nohost' is not an IPv6 address/);
  assert.match(addressError("bad host:90").message, /'bad host' is not a host name/);
  assert.match(addressError("").message, /is empty.*e\.g\. localhost:9090/);
});

Deno.test("isIpv6Literal", () => {
  for (
    const ok of [
      "::",
      "::1",
      "1::",
      "fe80::1%eth0",
      "2001:db8:0:0:0:0:2:1",
      "2001:db8::2:1",
      "::ffff:192.0.2.1",
      "64:ff9b::192.0.2.33",
    ]
  ) assert.ok(isIpv6Literal(ok), ok);
  for (
    const bad of [
      "",
      ":",
      ":::",
      "1:2",
      "::1:37599",
      "1::2::3",
      "2001:db8:0:0:0:0:2:1:5",
      "2001:db8:0:0:0:0:2",
      "1.2.3.4::",
      "::1.2.3.256",
      "::g",
      "fe80::1%",
      "localhost",
    ]
  ) assert.ok(!isIpv6Literal(bad), bad);
});

async function withInput(fn: (dir: string, input: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "vframe-address-" });
  try {
    await Deno.writeFile(`${dir}/in.mp4`, new Uint8Array([1, 2, 3, 4, 5]));
    await fn(dir, `${dir}/in.mp4`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A port on loopback that was free a moment ago (nothing listens on it). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

Deno.test("runJob: a bare port reaches the server on localhost", async () => {
  const server = startFakeServer({ auth: { mode: "none" } });
  try {
    await withInput(async (dir, input) => {
      const r = await runJob({
        input,
        filter: "invert",
        server: String(server.port),
        output: `${dir}/out.mp4`,
        env: noEnv,
        connectTimeoutMs: 5_000,
        handshakeTimeoutMs: 5_000,
      });
      assert.equal(r.state, "done");
      assert.deepEqual(await Deno.readFile(`${dir}/out.mp4`), new Uint8Array([1, 2, 3, 4, 5]));
    });
  } finally {
    await server.close();
  }
});

Deno.test("runJob: an unbracketed IPv6 address with a port is a usage error", async () => {
  await withInput(async (dir, input) => {
    await assert.rejects(
      runJob({ input, filter: "invert", server: "::1:37599", output: `${dir}/o.mp4` }),
      (e) => {
        assert.ok(e instanceof ServerAddressError);
        assert.match(e.message, /write IPv6 addresses in brackets: \[::1\]:37599/);
        assert.equal(exitCodeFor(e), 2);
        return true;
      },
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  });
});

Deno.test("runJob: an HTTP server (the preview) is named as such", async () => {
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("the preview"),
  );
  try {
    await withInput(async (dir, input) => {
      await assert.rejects(
        runJob({
          input,
          filter: "invert",
          server: `127.0.0.1:${http.addr.port}`,
          output: `${dir}/o.mp4`,
          env: noEnv,
          connectTimeoutMs: 5_000,
          handshakeTimeoutMs: 5_000,
        }),
        (e) => {
          assert.equal((e as Error).name, "ServerProtocolError");
          const message = (e as Error).message;
          assert.match(message, new RegExp(`127\\.0\\.0\\.1:${http.addr.port} is an HTTP server`));
          assert.match(message, /the preview\? The job port is 9090 unless the server was started/);
          assert.match(message, /--port/);
          assert.doesNotMatch(message, /unknown message type/);
          assert.equal(exitCodeFor(e), 7);
          return true;
        },
      );
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
    });
  } finally {
    await http.shutdown();
  }
});

Deno.test("runJob: a port where no server listens says how to start one", async () => {
  const port = closedPort();
  await withInput(async (dir, input) => {
    for (const server of [`127.0.0.1:${port}`, String(port)]) {
      const where = server.includes(":") ? `127.0.0.1:${port}` : `localhost:${port}`;
      await assert.rejects(
        runJob({ input, filter: "invert", server, output: `${dir}/o.mp4` }),
        (e) => {
          assert.equal((e as Error).name, "ServerUnreachableError");
          assert.match(
            (e as Error).message,
            new RegExp(
              `no vframe server listens on ${where.replaceAll(".", "\\.")}: ` +
                "start one with `deno task server`, or check --server",
            ),
          );
          assert.equal(exitCodeFor(e), 3);
          return true;
        },
      );
    }
    // A unix socket that does not exist: the same, for --unix.
    await assert.rejects(
      runJob({ input, filter: "invert", unixPath: `${dir}/none.sock`, output: `${dir}/o.mp4` }),
      (e) => {
        assert.equal((e as Error).name, "ServerUnreachableError");
        assert.match(
          (e as Error).message,
          /no vframe server listens on unix:.*none\.sock: start one with `deno task server --unix .*none\.sock`, or check --unix/,
        );
        assert.equal(exitCodeFor(e), 3);
        return true;
      },
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  });
});

/** A one-connection raw TCP peer on loopback that runs `answer` on the connection. */
async function withRawPeer(
  answer: (conn: Deno.Conn) => Promise<void>,
  fn: (port: number) => Promise<void>,
) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    try {
      await answer(conn);
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  })();
  try {
    await fn(listener.addr.port);
  } finally {
    listener.close();
    await served;
  }
}

Deno.test("runJob: another protocol is quoted, with where the job port is", async () => {
  await withInput(async (dir, input) => {
    await withRawPeer(async (conn) => {
      await conn.write(new TextEncoder().encode("SSH-2.0-OpenSSH_9.6\r\n"));
      await conn.read(new Uint8Array(4096));
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) => {
          assert.equal((e as Error).name, "ServerProtocolError");
          assert.match(
            (e as Error).message,
            /does not speak the vframe protocol \(unknown message type 0x53; it answered 'SSH-2\.0-OpenSSH_9\.6'\): is it a vframe server\? The job port is 9090 unless the server was started with --port: check --server/,
          );
          assert.equal(exitCodeFor(e), 7);
          return true;
        },
      );
    });
    // A peer that reads hello and hangs up.
    await withRawPeer(async (conn) => {
      await conn.read(new Uint8Array(65536));
    }, async (port) => {
      await assert.rejects(
        runJob({ input, filter: "invert", server: `127.0.0.1:${port}`, output: `${dir}/o.mp4` }),
        (e) => {
          assert.equal((e as Error).name, "ServerProtocolError");
          assert.match(
            (e as Error).message,
            /closed the connection after hello: is 127\.0\.0\.1:\d+ a vframe server\? If the server uses TLS, pass --tls/,
          );
          return true;
        },
      );
    });
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["in.mp4"]);
  });
});
