/**
 * The client over TLS, against a small TLS server on loopback (tests/client/fake_server.ts, which
 * listens with src/server/tls.ts): a private CA or a self-signed certificate passed as `--ca`,
 * the token proof inside TLS, and the errors for every mismatch between the two sides.
 */
import assert from "node:assert/strict";
import { runJob } from "../../src/client/client.ts";
import { loadServerTls } from "../../src/server/tls.ts";
import { exitCodeFor } from "../../src/util/errors.ts";
import { startFakeServer } from "./fake_server.ts";
import { makeTestCerts } from "./tls_certs.ts";

const TOKEN = "a-test-token-0123456789";
const noEnv = (_name: string) => undefined;

Deno.test("client over TLS: a private CA or a self-signed certificate, then the token", async () => {
  const certs = await makeTestCerts();
  const dir = await Deno.makeTempDir({ prefix: "vframe-tls-client-" });
  const input = `${dir}/in.mp4`;
  await Deno.writeFile(input, new Uint8Array([5, 4, 3, 2, 1]));
  const signed = startFakeServer({
    auth: { mode: "token", token: TOKEN },
    tls: await loadServerTls({ certFile: certs.cert, keyFile: certs.key }),
  });
  const self = startFakeServer({
    auth: { mode: "token", token: TOKEN },
    tls: await loadServerTls({ certFile: certs.selfCert, keyFile: certs.selfKey }),
  });
  const plain = startFakeServer({ auth: { mode: "token", token: TOKEN } });
  const job = (port: number, more: Partial<Parameters<typeof runJob>[0]>) =>
    runJob({
      input,
      filter: "invert",
      server: `127.0.0.1:${port}`,
      output: `${dir}/out.mp4`,
      token: TOKEN,
      env: noEnv,
      connectTimeoutMs: 5_000,
      handshakeTimeoutMs: 5_000,
      ...more,
    });
  try {
    const viaCa = await job(signed.port, { tls: { caFile: certs.caCert } });
    assert.equal(viaCa.state, "done");
    assert.deepEqual(await Deno.readFile(`${dir}/out.mp4`), new Uint8Array([5, 4, 3, 2, 1]));
    // By name too: the certificate is for localhost.
    await job(signed.port, { server: `localhost:${signed.port}`, tls: { caFile: certs.caCert } });
    await job(self.port, { tls: { caFile: certs.selfCert } });
    assert.equal(signed.accepted, 2);
    assert.equal(self.accepted, 1);

    // The wrong token is still refused inside TLS.
    await assert.rejects(
      job(signed.port, { tls: { caFile: certs.caCert }, token: "the-wrong-token-0123" }),
      (e) => (e as { code?: string }).code === "unauthorized" && exitCodeFor(e) === 4,
    );

    // A certificate the client cannot verify: unreachable (exit 3), with the way out.
    await assert.rejects(job(signed.port, { tls: true }), (e) => {
      assert.equal((e as Error).name, "ServerUnreachableError");
      assert.match(
        (e as Error).message,
        /over TLS: TLS handshake failed: .*UnknownIssuer.*--ca FILE/,
      );
      assert.equal(exitCodeFor(e), 3);
      return true;
    });
    await assert.rejects(
      job(signed.port, { tls: { caFile: certs.selfCert } }),
      /TLS handshake failed: .*is the server's certificate signed by/,
    );
    // A plain client at a TLS server is told to pass --tls…
    await assert.rejects(job(signed.port, {}), (e) => {
      assert.equal((e as Error).name, "ServerProtocolError");
      assert.match((e as Error).message, /pass --tls/);
      return true;
    });
    // …and a TLS client at a plain server that the server does not speak TLS.
    await assert.rejects(job(plain.port, { tls: { caFile: certs.caCert } }), (e) => {
      assert.equal((e as Error).name, "ServerUnreachableError");
      assert.match((e as Error).message, /does the server use TLS\?/);
      return true;
    });
    assert.equal(plain.accepted, 0);

    // Options that cannot work are usage errors (exit 2).
    for (
      const [more, message] of [
        [{ tls: { caFile: `${dir}/missing.pem` } }, /--ca .*missing.pem: /],
        [{ tls: { caFile: input } }, /--ca .* holds no PEM certificate/],
        [{ tls: true, unixPath: `${dir}/sock` }, /TLS is for TCP connections/],
      ] as const
    ) {
      await assert.rejects(job(signed.port, more), (e) => {
        assert.equal((e as Error).name, "ClientOptionError");
        assert.match((e as Error).message, message);
        assert.equal(exitCodeFor(e), 2);
        return true;
      });
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["in.mp4", "out.mp4"]);
  } finally {
    await signed.close();
    await self.close();
    await plain.close();
    await certs.remove();
    await Deno.remove(dir, { recursive: true });
  }
});
