/**
 * Optional TLS for the server's TCP listener: load and check the `--tls-cert` / `--tls-key` PEM
 * files ({@link loadServerTls}), then listen with or without TLS ({@link listenTcp}).
 *
 * ```ts
 * const tls = await loadServerTls({ certFile: flags.tlsCert, keyFile: flags.tlsKey });
 * const listener = listenTcp({ hostname: "::", port: 9090, tls }); // plain TCP when tls is undefined
 * ```
 *
 * A self-signed certificate for a test or a private setup (clients then pass `--ca cert.pem`):
 *
 * ```sh
 * openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=myhost \
 *   -addext subjectAltName=DNS:myhost,IP:192.0.2.7 -addext basicConstraints=critical,CA:FALSE \
 *   -keyout key.pem -out cert.pem
 * ```
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { VframeError } from "../util/errors.ts";

/** A TLS file that is missing, unreadable, not PEM, expired, or a key that does not match. */
export class TlsConfigError extends VframeError {
  readonly code: string = "bad-option";
  override name = "TlsConfigError";
}

/** Paths of the PEM files, as given on the command line. */
export interface TlsFiles {
  /** `--tls-cert`: the certificate chain, PEM, the server's certificate first. */
  certFile?: string;
  /** `--tls-key`: its private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted. */
  keyFile?: string;
}

/** What `Deno.listenTls` needs, plus what to tell people about the certificate. */
export interface ServerTls extends Deno.TlsCertifiedKeyPem {
  certFile: string;
  keyFile: string;
  /** The certificate's subject, e.g. `CN=myhost`. */
  subject: string;
  /** Its subject alternative names, e.g. `DNS:myhost, IP Address:192.0.2.7` (empty when none). */
  altNames: string;
  /** When it expires. */
  validTo: Date;
  /** Problems that do not stop the server but will stop clients (a CA used as the server's). */
  warnings: string[];
}

/**
 * Reads and checks the certificate and key: both files given or neither, readable, PEM, the key
 * matching the certificate, the certificate not expired.
 * @returns `undefined` when neither file is given (plain TCP).
 * @throws TlsConfigError naming the flag, the file and what is wrong.
 */
export async function loadServerTls(files: TlsFiles): Promise<ServerTls | undefined> {
  const { certFile, keyFile } = files;
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new TlsConfigError(
      `--tls-cert and --tls-key go together: got only ${
        certFile === undefined ? `--tls-key ${keyFile}` : `--tls-cert ${certFile}`
      }`,
    );
  }
  const cert = await readPem("--tls-cert", certFile, /-----BEGIN CERTIFICATE-----/, "certificate");
  const key = await readPem(
    "--tls-key",
    keyFile,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    "private key",
  );
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) {
    throw new TlsConfigError(
      `--tls-key ${keyFile} is encrypted with a passphrase; give an unencrypted key (openssl pkey -in ${keyFile} -out plain.pem)`,
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new TlsConfigError(
      `--tls-cert ${certFile}: cannot parse the certificate: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    throw new TlsConfigError(
      `--tls-key ${keyFile}: cannot parse the private key: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!matches) {
    throw new TlsConfigError(
      `--tls-key ${keyFile} is not the private key of the certificate in --tls-cert ${certFile}`,
    );
  }
  const validTo = new Date(x509.validTo);
  if (validTo.getTime() < Date.now()) {
    throw new TlsConfigError(
      `--tls-cert ${certFile} expired on ${validTo.toISOString()}; clients will refuse it`,
    );
  }
  const warnings: string[] = [];
  if (x509.ca) {
    warnings.push(
      `--tls-cert ${certFile} is a CA certificate (basicConstraints CA:TRUE); clients refuse it as a server's certificate (CaUsedAsEndEntity): make one with -addext basicConstraints=critical,CA:FALSE, or sign a server certificate with this CA`,
    );
  }
  return {
    cert,
    key,
    certFile,
    keyFile,
    subject: x509.subject.replaceAll("\n", ", "),
    altNames: x509.subjectAltName ?? "",
    validTo,
    warnings,
  };
}

async function readPem(flag: string, path: string, marker: RegExp, what: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "file not found" : (error as Error).message;
    throw new TlsConfigError(`${flag} ${path}: ${why}`, { cause: error });
  }
  if (!marker.test(text)) {
    throw new TlsConfigError(
      `${flag} ${path} holds no PEM ${what} (no '-----BEGIN ${
        what === "certificate" ? "CERTIFICATE" : "… PRIVATE KEY"
      }-----' line)`,
    );
  }
  return text;
}

/** One line about the TLS setup for the server's start-up output. */
export function describeServerTls(tls: ServerTls | undefined): string {
  if (!tls) return "TLS: off (plain TCP; the token proof protects access, not the data)";
  return `TLS: on, certificate ${tls.subject}${
    tls.altNames ? ` (${tls.altNames})` : ""
  }, valid until ${tls.validTo.toISOString()}`;
}

/** Options of {@link listenTcp}. */
export interface ListenTcpOptions {
  hostname: string;
  port: number;
  /** Listen with TLS (from {@link loadServerTls}); default plain TCP. */
  tls?: ServerTls;
}

/**
 * `Deno.listen` for TCP, or `Deno.listenTls` with `options.tls`. Deno's own errors (e.g.
 * `AddrInUse`) pass through unchanged, except a certificate/key that rustls refuses.
 * @throws TlsConfigError when Deno refuses the certificate or key.
 */
export function listenTcp(options: ListenTcpOptions): Deno.Listener<Deno.Conn, Deno.NetAddr> {
  const { hostname, port, tls } = options;
  if (!tls) return Deno.listen({ hostname, port });
  try {
    return Deno.listenTls({ hostname, port, cert: tls.cert, key: tls.key });
  } catch (error) {
    if (isKeyMaterialError(error)) {
      throw new TlsConfigError(
        `cannot use --tls-cert ${tls.certFile} with --tls-key ${tls.keyFile}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    throw error;
  }
}

function isKeyMaterialError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable) {
    return false;
  }
  return /key|cert/i.test(error.message);
}
