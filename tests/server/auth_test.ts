/**
 * Access control: the server's token (made in the config folder with mode 0600 and reused, or
 * given explicitly, or none), the handshake step over real loopback sockets (right token, wrong
 * token, no token, a replayed proof, an older client, a client that skips `auth`), and the TLS
 * certificate checks of src/server/tls.ts.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { authProof } from "../../src/protocol/auth.ts";
import { MessageConnection } from "../../src/protocol/connection.ts";
import { type HelloMessage, type Message, PROTOCOL_VERSION } from "../../src/protocol/messages.ts";
import {
  describeServerAuth,
  resolveServerAuth,
  type ServerAuth,
  UNAUTHORIZED_REASON,
} from "../../src/server/auth.ts";
import { listenTcp, loadServerTls, TlsConfigError } from "../../src/server/tls.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { TokenError } from "../../src/util/token_file.ts";
import { startFakeServer } from "../client/fake_server.ts";
import { makeTestCerts } from "../client/tls_certs.ts";

const TOKEN = "a-test-token-0123456789";

/** An environment with only these variables. */
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-auth-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("resolveServerAuth: makes the token file (0600 in a 0700 folder), then reuses it", async () => {
  await withTempDir(async (dir) => {
    const env = envOf({ XDG_CONFIG_HOME: `${dir}/config`, HOME: `${dir}/home` });
    const first = await resolveServerAuth({ env });
    assert.equal(first.mode, "token");
    if (first.mode !== "token") return;
    assert.equal(first.path, `${dir}/config/vframe/token`);
    assert.equal(first.created, true);
    assert.equal(first.source, "file");
    assert.match(first.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await Deno.stat(first.path!)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/config/vframe`)).mode! & 0o777, 0o700);
    assert.equal(await Deno.readTextFile(first.path!), `${first.token}\n`);
    assert.deepEqual([...Deno.readDirSync(`${dir}/config/vframe`)].map((e) => e.name), ["token"]);

    const again = await resolveServerAuth({ env });
    assert.ok(again.mode === "token");
    assert.equal(again.token, first.token);
    assert.equal(again.created, false);
    assert.equal(again.warning, undefined);

    // A file other users can read is still used, with a warning.
    await Deno.chmod(first.path!, 0o644);
    const loose = await resolveServerAuth({ env });
    assert.ok(loose.mode === "token" && loose.token === first.token);
    assert.match(loose.warning!, /can be read by other users \(mode 644\): run chmod 600/);
    assert.ok(describeServerAuth(loose).some((l) => l.startsWith("WARNING:")));
  });
});

Deno.test("resolveServerAuth: concurrent first starts agree on one token", async () => {
  await withTempDir(async (dir) => {
    const env = envOf({ HOME: dir });
    const all = await Promise.all(Array.from({ length: 8 }, () => resolveServerAuth({ env })));
    const tokens = new Set(all.map((a) => a.mode === "token" ? a.token : ""));
    assert.equal(tokens.size, 1);
    assert.equal(all.filter((a) => a.mode === "token" && a.created).length, 1);
    assert.equal(
      (await Deno.readTextFile(`${dir}/.config/vframe/token`)).trim(),
      [...tokens][0],
    );
  });
});

Deno.test("resolveServerAuth: --token beats VFRAME_TOKEN beats the file; --no-auth is none", async () => {
  await withTempDir(async (dir) => {
    const env = envOf({ HOME: dir, VFRAME_TOKEN: "token-from-the-environment" });
    const flag = await resolveServerAuth({ token: ` ${TOKEN}\n`, env });
    assert.deepEqual(flag, { mode: "token", token: TOKEN, source: "--token" });
    const fromEnv = await resolveServerAuth({ env });
    assert.deepEqual(fromEnv, {
      mode: "token",
      token: "token-from-the-environment",
      source: "VFRAME_TOKEN",
    });
    // Neither made a token file.
    assert.equal(await Deno.stat(`${dir}/.config`).catch(() => null), null);
    // An empty VFRAME_TOKEN counts as unset; a relative XDG_CONFIG_HOME is ignored.
    const file = await resolveServerAuth({
      env: envOf({ HOME: dir, VFRAME_TOKEN: "", XDG_CONFIG_HOME: "relative/dir" }),
    });
    assert.ok(file.mode === "token" && file.path === `${dir}/.config/vframe/token`);
    assert.deepEqual(await resolveServerAuth({ noAuth: true, env }), { mode: "none" });
  });
});

Deno.test("resolveServerAuth: bad tokens and contradictions are errors that never show the token", async () => {
  const cases: [Parameters<typeof resolveServerAuth>[0], RegExp][] = [
    [{ token: "short-secret", noAuth: true }, /--no-auth and --token contradict/],
    [{ token: "short-secret" }, /token from --token has 12 characters; a token needs at least 16/],
    [{ token: "with space inside 0123" }, /--token contains whitespace/],
    [{ token: "" }, /--token is empty/],
    [{ env: envOf({ VFRAME_TOKEN: "short-secret" }) }, /VFRAME_TOKEN has 12 characters/],
    [{ env: envOf({}) }, /neither XDG_CONFIG_HOME nor HOME is set\): pass --token or VFRAME_TOKEN/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(resolveServerAuth(options), (e) => {
      assert.ok(e instanceof TokenError, String(e));
      assert.match(e.message, message);
      assert.ok(!e.message.includes("short-secret") && !e.message.includes("with space"));
      assert.equal(exitCodeFor(e), 2);
      return true;
    });
  }
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/.config/vframe`, { recursive: true });
    await Deno.writeTextFile(`${dir}/.config/vframe/token`, "\n");
    await assert.rejects(
      resolveServerAuth({ env: envOf({ HOME: dir }) }),
      /token from the token file .*\/\.config\/vframe\/token is empty/,
    );
  });
});

Deno.test("describeServerAuth: says where the token is, never the token", () => {
  const auths: ServerAuth[] = [
    { mode: "token", token: TOKEN, source: "file", path: "/h/.config/vframe/token", created: true },
    { mode: "token", token: TOKEN, source: "file", path: "/h/.config/vframe/token" },
    { mode: "token", token: TOKEN, source: "--token" },
    { mode: "token", token: TOKEN, source: "VFRAME_TOKEN" },
    { mode: "token", token: TOKEN },
  ];
  for (const auth of auths) {
    const text = describeServerAuth(auth).join("\n");
    assert.ok(!text.includes(TOKEN), text);
    assert.match(text, /^auth: /);
  }
  assert.match(describeServerAuth(auths[0])[0], /made a new token in \/h\/.config\/vframe\/token/);
  assert.match(describeServerAuth({ mode: "none" })[0], /^WARNING: .*anyone who can reach/);
});

async function inputFile(dir: string): Promise<string> {
  await Deno.writeFile(`${dir}/in.mp4`, new Uint8Array([1, 2, 3, 4, 5]));
  return `${dir}/in.mp4`;
}

Deno.test("a client with the right token runs its job; a wrong or missing one is unauthorized (exit 4)", async () => {
  await withTempDir(async (dir) => {
    const input = await inputFile(dir);
    const server = startFakeServer({ auth: { mode: "token", token: TOKEN } });
    const server_ = `127.0.0.1:${server.port}`;
    // No VFRAME_TOKEN and an empty config folder: only what the test passes counts.
    const env = envOf({ HOME: dir });
    try {
      const result = await runJob({
        input,
        filter: "invert",
        server: server_,
        output: `${dir}/out.mp4`,
        token: TOKEN,
        env,
      });
      assert.equal(result.state, "done");
      assert.deepEqual(await Deno.readFile(`${dir}/out.mp4`), new Uint8Array([1, 2, 3, 4, 5]));
      assert.equal(server.accepted, 1);

      await assert.rejects(
        runJob({
          input,
          filter: "invert",
          server: server_,
          output: `${dir}/bad.mp4`,
          token: "the-wrong-token-0123",
          env,
        }),
        (e) => {
          assert.equal((e as Error).name, "JobRefusedError");
          assert.equal((e as { code: string }).code, "unauthorized");
          assert.equal(exitCodeFor(e), 4);
          const text = (e as Error).message;
          assert.ok(text.includes(UNAUTHORIZED_REASON), text);
          assert.match(text, /this client used the token from --token/);
          assert.ok(!text.includes("the-wrong-token") && !text.includes(TOKEN));
          return true;
        },
      );
      assert.ok(server.log.some((l) => /refused test-client: unauthorized/.test(l)));
      assert.ok(server.log.every((l) => !l.includes(TOKEN) && !l.includes("the-wrong-token")));

      // No token anywhere: the client says where it looked; the server is told it gave up.
      await assert.rejects(
        runJob({ input, filter: "invert", server: server_, output: `${dir}/none.mp4`, env }),
        (e) => {
          assert.equal((e as { code: string }).code, "unauthorized");
          assert.equal(exitCodeFor(e), 4);
          assert.match(
            (e as Error).message,
            /requires a token and this client has none \(looked in --token, VFRAME_TOKEN, .*\/\.config\/vframe\/token\)/,
          );
          return true;
        },
      );
      assert.equal(server.accepted, 1);
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        ["in.mp4", "out.mp4"],
      );
    } finally {
      await server.close();
    }
    // The token found through VFRAME_TOKEN or the token file works the same.
    const again = startFakeServer({ auth: { mode: "token", token: TOKEN } });
    try {
      await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${again.port}`,
        output: `${dir}/env.mp4`,
        env: envOf({ HOME: dir, VFRAME_TOKEN: TOKEN }),
      });
      await Deno.mkdir(`${dir}/.config/vframe`, { recursive: true });
      await Deno.writeTextFile(`${dir}/.config/vframe/token`, `${TOKEN}\n`);
      await runJob({
        input,
        filter: "invert",
        server: `127.0.0.1:${again.port}`,
        output: `${dir}/file.mp4`,
        env,
      });
      assert.equal(again.accepted, 2);
    } finally {
      await again.close();
    }
  });
});

/** A raw client connection speaking the protocol by hand. */
async function rawClient(port: number): Promise<MessageConnection> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  return new MessageConnection(conn, { from: "server", readTimeoutMs: 5_000 });
}

const HELLO: HelloMessage = {
  type: "hello",
  version: PROTOCOL_VERSION,
  fileName: "in.mp4",
  size: 5,
  filter: "invert",
  options: {},
};

function refusalCode(m: Message | null): string | undefined {
  return m?.type === "ack" && !m.ok ? m.code : undefined;
}

Deno.test("a proof recorded on one connection is refused on another (fresh nonce each time)", async () => {
  const server = startFakeServer({ auth: { mode: "token", token: TOKEN } });
  try {
    const first = await rawClient(server.port);
    await first.send(HELLO);
    const challenge1 = await first.next();
    assert.equal(challenge1?.type, "challenge");
    if (challenge1?.type !== "challenge") return;
    assert.equal(challenge1.auth, "token");
    assert.equal(challenge1.version, PROTOCOL_VERSION);
    const proof = authProof(TOKEN, challenge1.nonce, HELLO);
    await first.send({ type: "auth", proof });
    const ack1 = await first.next();
    assert.equal(ack1?.type === "ack" && ack1.ok, true);
    first.close();

    const second = await rawClient(server.port);
    await second.send(HELLO);
    const challenge2 = await second.next();
    assert.ok(challenge2?.type === "challenge");
    assert.notEqual(challenge2.nonce, challenge1.nonce);
    await second.send({ type: "auth", proof }); // the replay
    const ack2 = await second.next();
    assert.equal(refusalCode(ack2), "unauthorized");
    assert.equal(await second.next(), null); // and the server closes
    second.close();
  } finally {
    await server.close();
  }
});

Deno.test("the handshake: older clients get version-mismatch before any challenge; no auth means no challenge; auth is required", async () => {
  const server = startFakeServer({ auth: { mode: "token", token: TOKEN } });
  const open = startFakeServer({ auth: { mode: "none" } });
  try {
    // A version-1 client speaks first and reads `ack`: it must not see a `challenge` (a type it
    // does not know), but the refusal it understands.
    const old = await rawClient(server.port);
    await old.send({ ...HELLO, version: 1 });
    const refusal = await old.next();
    assert.equal(refusalCode(refusal), "version-mismatch");
    assert.ok(refusal?.type === "ack" && refusal.version === PROTOCOL_VERSION);
    old.close();

    const plain = await rawClient(open.port);
    await plain.send(HELLO);
    const ack = await plain.next();
    assert.ok(ack?.type === "ack" && ack.ok, JSON.stringify(ack));
    plain.close();

    const skipper = await rawClient(server.port);
    await skipper.send(HELLO);
    assert.equal((await skipper.next())?.type, "challenge");
    await skipper.send({ type: "upload-chunk", data: new Uint8Array([1, 2, 3, 4, 5]) });
    const error = await skipper.next();
    assert.ok(
      error?.type === "error" && error.code === "unexpected-message",
      JSON.stringify(error),
    );
    skipper.close();
    assert.equal(server.accepted, 0);
  } finally {
    await server.close();
    await open.close();
  }
});

Deno.test("tls: loadServerTls checks the files and says what is wrong", async () => {
  const certs = await makeTestCerts();
  try {
    assert.equal(await loadServerTls({}), undefined);
    const good = await loadServerTls({ certFile: certs.cert, keyFile: certs.key });
    assert.ok(good);
    assert.match(good.subject, /CN=localhost/);
    assert.match(good.altNames, /DNS:localhost/);
    assert.deepEqual(good.warnings, []);
    assert.ok(good.validTo.getTime() > Date.now());

    const cases: [Parameters<typeof loadServerTls>[0], RegExp][] = [
      [{ certFile: certs.cert }, /--tls-cert and --tls-key go together: got only --tls-cert/],
      [{ keyFile: certs.key }, /got only --tls-key/],
      [
        { certFile: `${certs.dir}/nope.pem`, keyFile: certs.key },
        /--tls-cert .*nope.pem: file not found/,
      ],
      [{ certFile: certs.key, keyFile: certs.key }, /--tls-cert .* holds no PEM certificate/],
      [{ certFile: certs.cert, keyFile: certs.cert }, /--tls-key .* holds no PEM private key/],
      [
        { certFile: certs.cert, keyFile: certs.selfKey },
        /is not the private key of the certificate/,
      ],
    ];
    for (const [files, message] of cases) {
      await assert.rejects(loadServerTls(files), (e) => {
        assert.ok(e instanceof TlsConfigError, String(e));
        assert.match(e.message, message);
        return true;
      });
    }
    // A CA certificate as the server's: allowed, with a warning (clients will refuse it).
    const ca = await loadServerTls({ certFile: certs.caCert, keyFile: `${certs.dir}/ca.key` });
    assert.match(ca!.warnings[0], /CA certificate .*CaUsedAsEndEntity/);
    // Key material Deno refuses becomes a TlsConfigError too.
    assert.throws(
      () =>
        listenTcp({
          hostname: "127.0.0.1",
          port: 0,
          tls: { ...good, key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
        }),
      TlsConfigError,
    );
  } finally {
    await certs.remove();
  }
});
