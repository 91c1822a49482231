/**
 * Test certificates made with `openssl` in a temp dir (EC P-256, valid 2 days, for `localhost`,
 * `127.0.0.1` and `::1`): a private CA with a server certificate signed by it, and a self-signed
 * server certificate. `openssl` comes from `scripts/setup-system.sh`; without it these tests fail.
 */

/** Paths of the PEM files made by {@link makeTestCerts}. */
export interface TestCerts {
  dir: string;
  /** The private CA's certificate (CA:TRUE): what a client passes as `--ca`. */
  caCert: string;
  /** A server certificate signed by the CA, and its key. */
  cert: string;
  key: string;
  /** A self-signed server certificate (CA:FALSE), and its key: its own `--ca`. */
  selfCert: string;
  selfKey: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const NAMES = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1";

/** Makes the CA, the CA-signed certificate and the self-signed one. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await Deno.makeTempDir({ prefix: "vframe-tls-" });
  await openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-days",
    "2",
    "-subj",
    "/CN=vframe test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]);
  await openssl(dir, [
    "req",
    ...EC,
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ]);
  await Deno.writeTextFile(`${dir}/ext.cnf`, `${NAMES}\nbasicConstraints=critical,CA:FALSE\n`);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    "1",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
    "-out",
    "server.pem",
  ]);
  await openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    NAMES,
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-keyout",
    "self.key",
    "-out",
    "self.pem",
  ]);
  return {
    dir,
    caCert: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
    selfCert: `${dir}/self.pem`,
    selfKey: `${dir}/self.key`,
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
