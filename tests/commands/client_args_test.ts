import assert from "node:assert/strict";
import {
  defaultOutputPath,
  parseServerAddress,
  ServerAddressError,
  wireFileName,
} from "../../src/client/client.ts";
import { clientCommand, exitCodeFor } from "../../src/commands/client.ts";
import {
  ChecksumMismatchError,
  ClientOptionError,
  JobFailedError,
  JobRefusedError,
  ServerProtocolError,
  ServerUnreachableError,
} from "../../src/client/errors.ts";
import { TokenError } from "../../src/util/token_file.ts";

Deno.test("parseServerAddress: IPv4, names, bracketed and bare IPv6, default port", () => {
  assert.deepEqual(parseServerAddress("127.0.0.1:9000"), { hostname: "127.0.0.1", port: 9000 });
  assert.deepEqual(parseServerAddress("example.org"), { hostname: "example.org", port: 9090 });
  assert.deepEqual(parseServerAddress("[::1]:9091"), { hostname: "::1", port: 9091 });
  assert.deepEqual(parseServerAddress("[fe80::1%eth0]"), { hostname: "fe80::1%eth0", port: 9090 });
  assert.deepEqual(parseServerAddress("::1"), { hostname: "::1", port: 9090 });
  assert.deepEqual(parseServerAddress(" localhost:1 "), { hostname: "localhost", port: 1 });
});

Deno.test("parseServerAddress: bad values name what was seen", () => {
  assert.throws(
    () => parseServerAddress("host:0"),
    (e) => e instanceof ServerAddressError && /port must be 1..65535, got '0'/.test(e.message),
  );
  assert.throws(() => parseServerAddress("host:70000"), /got '70000'/);
  assert.throws(() => parseServerAddress("host:abc"), /got 'abc'/);
  assert.throws(() => parseServerAddress(":9090"), /has no host/);
  assert.throws(() => parseServerAddress("[::1]:x"), ServerAddressError);
});

Deno.test("defaultOutputPath and wireFileName", () => {
  assert.equal(defaultOutputPath("dir/video.mp4"), "dir/video.vframe.mp4");
  assert.equal(defaultOutputPath("noext"), "noext.vframe.mp4");
  assert.equal(wireFileName("/a/b/clip.mov"), "clip.mov");
  assert.equal(wireFileName("/a/b/c\u0001d.mp4"), "c_d.mp4");
  assert.equal(new TextEncoder().encode(wireFileName("x".repeat(400) + ".mp4")).length, 255);
});

Deno.test("client exit codes distinguish the failures", () => {
  assert.equal(exitCodeFor(new ServerUnreachableError("x")), 3);
  assert.equal(exitCodeFor(new JobRefusedError("too-large", "x")), 4);
  assert.equal(exitCodeFor(new JobRefusedError("unauthorized", "x")), 4);
  assert.equal(exitCodeFor(new ClientOptionError("x")), 2);
  assert.equal(exitCodeFor(new TokenError("x")), 2);
  assert.equal(exitCodeFor(new JobFailedError("x")), 5);
  assert.equal(exitCodeFor(new ChecksumMismatchError("x")), 6);
  assert.equal(exitCodeFor(new ServerProtocolError("x")), 7);
  assert.equal(exitCodeFor(new Error("x")), 1);
});

Deno.test("client --help documents --token, --tls and --ca", () => {
  const help = clientCommand().helpInformation();
  assert.match(help, /--token <token>\s+shared secret/);
  assert.match(help, /\$VFRAME_TOKEN/);
  assert.match(help, /~\/\.config\/vframe\/token/);
  assert.match(help, /--tls\s+talk TLS/);
  assert.match(help, /--ca <file>\s+also trust this PEM CA/);
});

Deno.test("client flags: --token, --tls and --ca parse", () => {
  const cmd = clientCommand();
  cmd.exitOverride();
  let seen: Record<string, unknown> | undefined;
  cmd.action((_video: string, flags: Record<string, unknown>) => {
    seen = flags;
  });
  cmd.parse(["in.mp4", "-f", "invert", "--token", "t0123456789abcdef", "--ca", "ca.pem"], {
    from: "user",
  });
  assert.equal(seen?.token, "t0123456789abcdef");
  assert.equal(seen?.ca, "ca.pem");
  assert.equal(seen?.tls, false);
  cmd.parse(["in.mp4", "-f", "invert", "--tls"], { from: "user" });
  assert.equal(seen?.tls, true);
});
